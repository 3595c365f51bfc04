/* AHCI (Serial ATA AHCI 1.3.1) host controllers: every SATA disk behind an
 * AHCI HBA (PCI class 01:06, e.g. QEMU q35's ICH9 or `-device ahci`) joins the
 * block layer as sata0, sata1, ... with several commands in flight, polled
 * completions and per-port error recovery. ATAPI devices are skipped. */
#ifndef DRIVERS_AHCI_H
#define DRIVERS_AHCI_H

/* Find every AHCI controller, reset and enable it (GHC.HR, GHC.AE), start
 * each implemented port with a SATA disk, IDENTIFY it and register it with
 * the block layer. A controller or port that fails is reported and skipped.
 * Called from blk_init(). */
void ahci_probe(void);

#endif
