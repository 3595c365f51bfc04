/* PCI configuration space through I/O ports 0xCF8/0xCFC (configuration
 * mechanism #1) and a table of the functions found at boot, for the drivers
 * that need them (disk controllers). ECAM via ACPI MCFG can replace the
 * accessors later without changing this interface. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "core/types.h"

#define PCI_MAX_DEVS 64

/* Standard configuration header offsets (PCI Local Bus Spec 3.0, 6.1). */
#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_CLASS_REV   0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_SECONDARY_BUS 0x19   /* type 1 (PCI-PCI bridge) header */
#define PCI_INTERRUPT_LINE 0x3c

#define PCI_CMD_IO      BIT(0)
#define PCI_CMD_MEM     BIT(1)
#define PCI_CMD_MASTER  BIT(2)

struct pci_bar {
	u64 base;       /* bus address (0 if the BAR is unimplemented) */
	u64 size;       /* decoded size in bytes, 0 if unimplemented */
	bool io;        /* I/O space rather than memory */
	bool is64;      /* 64-bit memory BAR (it also used the next slot) */
	bool prefetch;  /* prefetchable memory */
};

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u8 class_code, subclass, prog_if, revision;
	u8 header_type;         /* bits 6:0 of the header type register */
	u8 irq_line;
	struct pci_bar bar[6];  /* 6 for type 0 headers, 2 for bridges */
};

/* Read/write configuration space of bus:dev.fn at byte offset off (off
 * below 256; 16/32-bit accesses must be naturally aligned). Reads of an
 * absent function return all ones. */
u32 pci_config_read32(u8 bus, u8 dev, u8 fn, u16 off);
u16 pci_config_read16(u8 bus, u8 dev, u8 fn, u16 off);
u8 pci_config_read8(u8 bus, u8 dev, u8 fn, u16 off);
void pci_config_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 val);
void pci_config_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 val);
void pci_config_write8(u8 bus, u8 dev, u8 fn, u16 off, u8 val);

/* Enumerate every function reachable from bus 0 through PCI-PCI bridges,
 * size their BARs and fill the device table; print the count (info) and
 * each device (debug). Without mechanism #1 the table stays empty. */
void pci_init(void);

/* Number of devices in the table and the i-th one (NULL if out of range). */
size_t pci_dev_count(void);
const struct pci_dev *pci_dev_at(size_t i);

/* Next device after `from` (NULL: start at the beginning) whose class and
 * subclass match; subclass 0xff matches any. NULL when there is none. */
const struct pci_dev *pci_find_class(u8 class_code, u8 subclass, const struct pci_dev *from);

/* First device with this vendor:device ID, or NULL. */
const struct pci_dev *pci_find_id(u16 vendor, u16 device);

/* Set bits in the command register (e.g. PCI_CMD_IO | PCI_CMD_MASTER). */
void pci_enable(const struct pci_dev *d, u16 cmd_bits);

/* Print the device table and BARs to the console (monitor `pci`). */
void pci_print(void);

/* Short human-readable name of a class/subclass ("IDE controller"). */
const char *pci_class_name(u8 class_code, u8 subclass);

#endif
