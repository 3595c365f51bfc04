/* PCI enumeration over configuration mechanism #1 (PCI Local Bus Spec 3.0,
 * 3.2.2.3.2): ports 0xCF8 (address) / 0xCFC (data). Buses are found by
 * following PCI-PCI bridges' secondary bus numbers from bus 0 (as assigned by
 * firmware) instead of probing all 256 buses, which matters under Bochs. */
#include "drivers/pci.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/selftest.h"

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_ADDR_ENABLE 0x80000000u

#define HEADER_MULTIFUNCTION 0x80
#define CLASS_BRIDGE 0x06
#define SUBCLASS_HOST_BRIDGE 0x00
#define SUBCLASS_PCI_BRIDGE 0x04

static struct pci_dev devs[PCI_MAX_DEVS];
static size_t ndevs;
static size_t nmissed;             /* functions found beyond PCI_MAX_DEVS */
static u64 buses_seen[256 / 64];

static void pci_select(u8 bus, u8 dev, u8 fn, u16 off)
{
	outl(PCI_CONFIG_ADDR, PCI_ADDR_ENABLE | (u32)bus << 16 | (u32)(dev & 31) << 11 |
		(u32)(fn & 7) << 8 | (off & 0xfc));
}

u32 pci_config_read32(u8 bus, u8 dev, u8 fn, u16 off)
{
	pci_select(bus, dev, fn, off);
	return inl(PCI_CONFIG_DATA);
}

u16 pci_config_read16(u8 bus, u8 dev, u8 fn, u16 off)
{
	pci_select(bus, dev, fn, off);
	return inw(PCI_CONFIG_DATA + (off & 2));
}

u8 pci_config_read8(u8 bus, u8 dev, u8 fn, u16 off)
{
	pci_select(bus, dev, fn, off);
	return inb(PCI_CONFIG_DATA + (off & 3));
}

void pci_config_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 val)
{
	pci_select(bus, dev, fn, off);
	outl(PCI_CONFIG_DATA, val);
}

void pci_config_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 val)
{
	pci_select(bus, dev, fn, off);
	outw(PCI_CONFIG_DATA + (off & 2), val);
}

void pci_config_write8(u8 bus, u8 dev, u8 fn, u16 off, u8 val)
{
	pci_select(bus, dev, fn, off);
	outb(PCI_CONFIG_DATA + (off & 3), val);
}

static u32 pci_dev_read32(const struct pci_dev *d, u16 off)
{
	return pci_config_read32(d->bus, d->dev, d->fn, off);
}

static void pci_dev_write32(const struct pci_dev *d, u16 off, u32 val)
{
	pci_config_write32(d->bus, d->dev, d->fn, off, val);
}

/* Write all ones to a BAR register, return what sticks, restore it. */
static u32 pci_bar_probe(const struct pci_dev *d, u16 off, u32 orig)
{
	pci_dev_write32(d, off, 0xffffffff);
	u32 probe = pci_dev_read32(d, off);
	pci_dev_write32(d, off, orig);
	return probe;
}

/* Decode BAR slot i (PCI Local Bus Spec 3.0, 6.2.5.1); return the number of
 * slots it used (2 for a 64-bit memory BAR). */
static int pci_bar_decode(struct pci_dev *d, int i, int nbars)
{
	struct pci_bar *b = &d->bar[i];
	u16 off = PCI_BAR0 + 4 * i;
	u32 orig = pci_dev_read32(d, off);
	u32 probe = pci_bar_probe(d, off, orig);
	u64 mask;

	if (!probe)
		return 1;
	if (orig & 1) {
		b->io = true;
		b->base = orig & ~3u;
		mask = probe & ~3u;
		if (!(mask >> 16))
			mask |= 0xffff0000u;  /* 16-bit I/O decoder */
		mask |= 0xffffffff00000000ull;
	} else {
		b->prefetch = orig & 8;
		b->base = orig & ~0xfu;
		mask = (probe & ~0xfu) | 0xffffffff00000000ull;
		if (((orig >> 1) & 3) == 2 && i + 1 < nbars) {
			u32 orig_hi = pci_dev_read32(d, off + 4);
			u32 probe_hi = pci_bar_probe(d, off + 4, orig_hi);
			b->is64 = true;
			b->base |= (u64)orig_hi << 32;
			mask = (u64)probe_hi << 32 | (probe & ~0xfu);
		}
	}
	b->size = ~mask + 1;
	return b->is64 ? 2 : 1;
}

/* Size the BARs with I/O and memory decode off, so the all-ones pattern is
 * never decoded as an address. Host bridges keep decoding (they may carry
 * the configuration mechanism itself) and are not probed. */
static void pci_size_bars(struct pci_dev *d)
{
	int nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;

	if (!nbars || (d->class_code == CLASS_BRIDGE && d->subclass == SUBCLASS_HOST_BRIDGE))
		return;
	u16 cmd = pci_config_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
	pci_config_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < nbars;)
		i += pci_bar_decode(d, i, nbars);
	pci_config_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd);
}

static void pci_scan_bus(u8 bus);

static void pci_add_function(u8 bus, u8 dev, u8 fn, u32 id)
{
	struct pci_dev tmp = { .bus = bus, .dev = dev, .fn = fn };
	struct pci_dev *d = ndevs < PCI_MAX_DEVS ? &devs[ndevs] : &tmp;
	u32 class_rev = pci_config_read32(bus, dev, fn, PCI_CLASS_REV);

	*d = (struct pci_dev){
		.bus = bus, .dev = dev, .fn = fn,
		.vendor = id & 0xffff, .device = id >> 16,
		.class_code = class_rev >> 24, .subclass = class_rev >> 16,
		.prog_if = class_rev >> 8, .revision = class_rev,
		.header_type = pci_config_read8(bus, dev, fn, PCI_HEADER_TYPE) & 0x7f,
		.irq_line = pci_config_read8(bus, dev, fn, PCI_INTERRUPT_LINE),
	};
	if (d == &tmp) {
		nmissed++;
	} else {
		ndevs++;
		pci_size_bars(d);
	}

	if (d->header_type == 1 && d->class_code == CLASS_BRIDGE &&
	    d->subclass == SUBCLASS_PCI_BRIDGE) {
		u8 secondary = pci_config_read8(bus, dev, fn, PCI_SECONDARY_BUS);
		if (secondary > bus)   /* 0 or backwards: firmware left it unassigned */
			pci_scan_bus(secondary);
	}
}

static void pci_scan_device(u8 bus, u8 dev)
{
	u32 id = pci_config_read32(bus, dev, 0, PCI_VENDOR_ID);

	if ((id & 0xffff) == 0xffff)
		return;
	pci_add_function(bus, dev, 0, id);
	if (!(pci_config_read8(bus, dev, 0, PCI_HEADER_TYPE) & HEADER_MULTIFUNCTION))
		return;
	for (u8 fn = 1; fn < 8; fn++) {
		id = pci_config_read32(bus, dev, fn, PCI_VENDOR_ID);
		if ((id & 0xffff) != 0xffff)
			pci_add_function(bus, dev, fn, id);
	}
}

static void pci_scan_bus(u8 bus)
{
	if (buses_seen[bus / 64] & BIT(bus % 64))
		return;
	buses_seen[bus / 64] |= BIT(bus % 64);
	for (u8 dev = 0; dev < 32; dev++)
		pci_scan_device(bus, dev);
}

static bool pci_has_mechanism1(void)
{
	u32 saved = inl(PCI_CONFIG_ADDR);
	outl(PCI_CONFIG_ADDR, PCI_ADDR_ENABLE);
	bool ok = inl(PCI_CONFIG_ADDR) == PCI_ADDR_ENABLE;
	outl(PCI_CONFIG_ADDR, saved);
	return ok;
}

static const struct {
	u8 class_code, subclass;   /* subclass 0xff: any */
	const char *name;
} class_names[] = {
	{ 0x01, 0x00, "SCSI controller" },   { 0x01, 0x01, "IDE controller" },
	{ 0x01, 0x05, "ATA controller" },    { 0x01, 0x06, "SATA controller" },
	{ 0x01, 0x08, "NVMe controller" },   { 0x01, 0xff, "storage controller" },
	{ 0x02, 0x00, "Ethernet controller" }, { 0x02, 0xff, "network controller" },
	{ 0x03, 0x00, "VGA controller" },    { 0x03, 0xff, "display controller" },
	{ 0x04, 0xff, "multimedia device" }, { 0x05, 0xff, "memory controller" },
	{ 0x06, 0x00, "host bridge" },       { 0x06, 0x01, "ISA bridge" },
	{ 0x06, 0x04, "PCI-PCI bridge" },    { 0x06, 0xff, "bridge" },
	{ 0x07, 0xff, "communication controller" },
	{ 0x08, 0xff, "system peripheral" }, { 0x0c, 0x03, "USB controller" },
	{ 0x0c, 0x05, "SMBus controller" },  { 0x0c, 0xff, "serial bus controller" },
};

const char *pci_class_name(u8 class_code, u8 subclass)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (class_names[i].class_code == class_code &&
		    (class_names[i].subclass == subclass || class_names[i].subclass == 0xff))
			return class_names[i].name;
	return "other";
}

/* Print one device and its BARs, through pr_debug or (to_console) kprintf. */
static void pci_print_dev(const struct pci_dev *d, bool to_console)
{
	char line[112];

	for (int i = -1; i < 6; i++) {
		const struct pci_bar *b = &d->bar[i < 0 ? 0 : i];
		int n = ksnprintf(line, sizeof(line), "pci %02x:%02x.%x ", d->bus, d->dev, d->fn);
		if (i < 0)
			ksnprintf(line + n, sizeof(line) - n, "%04x:%04x class %02x.%02x.%02x (%s)",
				  d->vendor, d->device, d->class_code, d->subclass, d->prog_if,
				  pci_class_name(d->class_code, d->subclass));
		else if (b->size)
			ksnprintf(line + n, sizeof(line) - n, "  BAR%d %s 0x%lx size 0x%lx%s", i,
				  b->io ? "io" : b->is64 ? "mem64" : "mem32", b->base, b->size,
				  b->prefetch ? " prefetchable" : "");
		else
			continue;
		if (to_console)
			kprintf("%s\n", line);
		else
			pr_debug("%s", line);
	}
}

void pci_print(void)
{
	for (size_t i = 0; i < ndevs; i++)
		pci_print_dev(&devs[i], true);
	kprintf("pci: %lu devices\n", (u64)ndevs);
}

void pci_init(void)
{
	ndevs = nmissed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(buses_seen); i++)
		buses_seen[i] = 0;
	if (!pci_has_mechanism1()) {
		pr_warn("pci: no configuration mechanism #1 at 0xCF8; no PCI devices");
		return;
	}
	/* A multi-function host bridge at 00:00 means several host controllers,
	 * function f owning bus f (the usual firmware convention). */
	pci_scan_bus(0);
	if (pci_config_read8(0, 0, 0, PCI_HEADER_TYPE) & HEADER_MULTIFUNCTION)
		for (u8 fn = 1; fn < 8; fn++)
			if (pci_config_read16(0, 0, fn, PCI_VENDOR_ID) != 0xffff)
				pci_scan_bus(fn);

	for (size_t i = 0; i < ndevs; i++)
		pci_print_dev(&devs[i], false);
	if (nmissed)
		pr_warn("pci: table full, %lu functions not recorded", (u64)nmissed);
	pr_info("pci: %lu devices", (u64)ndevs);
}

size_t pci_dev_count(void)
{
	return ndevs;
}

const struct pci_dev *pci_dev_at(size_t i)
{
	return i < ndevs ? &devs[i] : NULL;
}

const struct pci_dev *pci_find_class(u8 class_code, u8 subclass, const struct pci_dev *from)
{
	size_t i = from ? (size_t)(from - devs) + 1 : 0;

	for (; i < ndevs; i++)
		if (devs[i].class_code == class_code &&
		    (subclass == 0xff || devs[i].subclass == subclass))
			return &devs[i];
	return NULL;
}

const struct pci_dev *pci_find_id(u16 vendor, u16 device)
{
	for (size_t i = 0; i < ndevs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device)
			return &devs[i];
	return NULL;
}

void pci_enable(const struct pci_dev *d, u16 cmd_bits)
{
	u16 cmd = pci_config_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
	pci_config_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd | cmd_bits);
}

/* Self-test: a host bridge on bus 0, and every recorded function still
 * answers with the vendor:device ID we recorded. */
static bool pci_enum_selftest(void)
{
	bool host_bridge = false;

	ST_CHECK(ndevs > 0);
	for (size_t i = 0; i < ndevs; i++) {
		const struct pci_dev *d = &devs[i];
		ST_CHECK(d->vendor != 0xffff && d->vendor != 0);
		ST_CHECK(pci_dev_read32(d, PCI_VENDOR_ID) == ((u32)d->device << 16 | d->vendor));
		if (d->bus == 0 && d->class_code == CLASS_BRIDGE &&
		    d->subclass == SUBCLASS_HOST_BRIDGE)
			host_bridge = true;
	}
	ST_CHECK(host_bridge);
	return true;
}
SELFTEST("pci-enum", pci_enum_selftest);
