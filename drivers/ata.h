/* ATA/IDE disks on the legacy channels (0x1F0/0x3F6, 0x170/0x376) or a PCI
 * IDE controller's BARs, with bus-master DMA (PCI IDE BAR4) when the
 * controller offers it and PIO otherwise; LBA28 and LBA48. ATAPI devices
 * (CD-ROMs) are recognised by their signature and skipped. */
#ifndef DRIVERS_ATA_H
#define DRIVERS_ATA_H

/* Find the IDE channels (PCI class 01:01, or the legacy ports when there is
 * no PCI IDE controller), IDENTIFY master and slave on each, register every
 * ATA disk as ata<channel>-master/slave. Called from blk_init(). */
void ata_probe(void);

#endif
