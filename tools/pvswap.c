/* pvswap: the host tool that gives a disk or image file to pagevisor as swap
 * by writing the header of core/swapfmt.h in its first 4 KiB page, and shows
 * such a header. It writes nothing but that one page, and refuses to write
 * over a page that is not all zeros unless told to (docs/swap.md).
 * Built by tools/tools.mk as $(BUILD)/tools/pvswap; unit-tested by
 * tests/unit/test_pvswap.c, which includes this file with main renamed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include "core/gpt.h"
#include "core/swapfmt.h"

#define PG SWAPFMT_PAGE

/* Everything the command line can say. */
struct pv_args {
	const char *cmd;
	const char *path;
	const char *size_arg;          /* create: the positional size */
	const char *label;
	const char *uuid;
	u64 offset, size;
	u32 partition;                 /* --partition N (GPT, from 1); 0 = none */
	bool has_size, force;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvswap create <image> <size> [--label <text>] [--uuid <uuid>] [--force]\n"
		"       pvswap mark <disk-or-image> [--offset <bytes>] [--size <bytes>]\n"
		"                   [--partition <n>] [--label <text>] [--uuid <uuid>] [--force]\n"
		"       pvswap show <disk-or-image> [--offset <bytes> | --partition <n>]\n"
		"Sizes take a K, M, G or T suffix (powers of 1024) and must be multiples of 4 KiB.\n"
		"create makes a sparse file (--force: replace an existing one); mark writes the\n"
		"header on an existing disk or image, refusing unless its first 4 KiB are zero\n"
		"(--force: write anyway); neither touches anything but that first page.\n"
		"--partition n: the area is GPT partition n (from 1, as sgdisk numbers them),\n"
		"which must have pagevisor's type GUID " GPT_PAGEVISOR_SWAP_STR ";\n"
		"only its first 4 KiB are written.\n"
		"show exits 0 for a valid header, 1 otherwise.\n");
}

/* Parse "<number>[K|M|G|T][iB|B]" into bytes; false if malformed or too big. */
static bool parse_size(const char *s, u64 *out)
{
	char *end;
	int shift = 0;

	errno = 0;
	if (!*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end || (shift && v > (~0ull >> shift)))
		return false;
	*out = (u64)v << shift;
	return true;
}

/* The value of option argv[*i] (which must exist), advancing *i. */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "pvswap: %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static bool parse_option(int argc, char **argv, int *i, struct pv_args *a)
{
	const char *o = argv[*i], *v;

	if (!strcmp(o, "--force")) {
		a->force = true;
		return true;
	}
	if (strcmp(o, "--offset") && strcmp(o, "--size") && strcmp(o, "--label") &&
	    strcmp(o, "--uuid") && strcmp(o, "--partition")) {
		fprintf(stderr, "pvswap: unknown option '%s'\n", o);
		return false;
	}
	if (!(v = opt_value(argc, argv, i)))
		return false;
	if (!strcmp(o, "--partition")) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (*end || !n || n > 0xffffu) {
			fprintf(stderr, "pvswap: --partition: '%s' is not a partition number\n", v);
			return false;
		}
		a->partition = (u32)n;
	} else if (!strcmp(o, "--label"))
		a->label = v;
	else if (!strcmp(o, "--uuid"))
		a->uuid = v;
	else if (!parse_size(v, !strcmp(o, "--offset") ? &a->offset : &a->size)) {
		fprintf(stderr, "pvswap: %s: '%s' is not a size\n", o, v);
		return false;
	} else if (!strcmp(o, "--size"))
		a->has_size = true;
	return true;
}

/* Split argv into the command, its positional arguments and options. */
static bool parse_args(int argc, char **argv, struct pv_args *a)
{
	const char *pos[3];
	int npos = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--", 2)) {
			if (!parse_option(argc, argv, &i, a))
				return false;
		} else if (npos < 3) {
			pos[npos++] = argv[i];
		} else {
			fprintf(stderr, "pvswap: too many arguments\n");
			return false;
		}
	}
	if (npos < 2)
		return false;
	a->cmd = pos[0];
	a->path = pos[1];
	a->size_arg = npos > 2 ? pos[2] : NULL;
	return !strcmp(a->cmd, "create") ? npos == 3 : npos == 2;
}

/* Fill uuid from --uuid or /dev/urandom (as an RFC 4122 version 4 UUID). */
static bool make_uuid(const char *text, u8 uuid[SWAPFMT_UUID_LEN])
{
	if (text) {
		if (swapfmt_uuid_parse(text, strlen(text), uuid) == E_OK)
			return true;
		fprintf(stderr, "pvswap: --uuid: '%s' is not 8-4-4-4-12 hex digits\n", text);
		return false;
	}
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, uuid, SWAPFMT_UUID_LEN);
	if (fd >= 0)
		close(fd);
	if (n != SWAPFMT_UUID_LEN) {
		fprintf(stderr, "pvswap: /dev/urandom: %s\n", strerror(errno ? errno : EIO));
		return false;
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	return true;
}

/* Size in bytes of an open regular file or block device, or -1. */
static long long dev_size(int fd, const char *path)
{
	struct stat st;
	u64 bytes;

	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "pvswap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) == 0)
		return (long long)bytes;
	fprintf(stderr, "pvswap: %s: neither a regular file nor a block device\n", path);
	return -1;
}

static bool read_page(int fd, const char *path, u64 offset, u8 *page)
{
	ssize_t n = pread(fd, page, PG, (off_t)offset);

	if (n == (ssize_t)PG)
		return true;
	fprintf(stderr, "pvswap: %s: reading 4 KiB at offset %lu: %s\n", path, offset,
		n < 0 ? strerror(errno) : "short read");
	return false;
}

/* gpt_read()'s reader over an open file or disk. */
static int gpt_pread(void *ctx, u64 off, void *buf, size_t len)
{
	return pread(*(int *)ctx, buf, len, (off_t)off) == (ssize_t)len ? E_OK : E_IO;
}

/* Logical sector size of fd: the block device's, 512 for an image file. */
static u32 sector_size(int fd)
{
	int ss = 0;

	if (ioctl(fd, BLKSSZGET, &ss) == 0 && ss > 0)
		return (u32)ss;
	return 512;
}

/* For --partition: set a->offset and a->size to GPT partition
 * a->partition of fd (bytes long), which must be of pagevisor's type. */
static bool resolve_partition(int fd, struct pv_args *a, u64 bytes)
{
	static struct gpt_disk g;
	char why[160];
	u32 ss = sector_size(fd);

	if (a->offset || a->has_size) {
		fprintf(stderr, "pvswap: --partition takes no --offset or --size\n");
		return false;
	}
	enum gpt_status st = gpt_read(gpt_pread, &fd, ss, bytes / ss, &g, why, sizeof(why));
	if (st != GPT_OK) {
		fprintf(stderr, "pvswap: %s: no usable GPT (%s): %s\n", a->path,
			gpt_status_name(st), why);
		return false;
	}
	for (u32 i = 0; i < g.nparts; i++) {
		const struct gpt_part *p = &g.parts[i];
		if (p->index != a->partition)
			continue;
		if (!gpt_is_swap_part(p)) {
			fprintf(stderr, "pvswap: %s: partition %u is not of pagevisor's type "
				"(sgdisk -t %u:%s), left alone\n", a->path, p->index, p->index,
				GPT_PAGEVISOR_SWAP_STR);
			return false;
		}
		a->offset = p->first_lba * ss;
		a->size = (p->last_lba - p->first_lba + 1) * ss / PG * PG;
		a->has_size = true;
		if (a->offset % PG) {
			fprintf(stderr, "pvswap: %s: partition %u does not start on a 4 KiB "
				"boundary\n", a->path, p->index);
			return false;
		}
		return true;
	}
	fprintf(stderr, "pvswap: %s: no partition %u in its GPT\n", a->path, a->partition);
	return false;
}

/* Build the header for an area of total_pages and write its page. */
static int write_header(int fd, const struct pv_args *a, u64 total_pages)
{
	static u8 page[PG];
	u8 uuid[SWAPFMT_UUID_LEN];
	char us[SWAPFMT_UUID_STR_LEN];
	int rc;

	if (!make_uuid(a->uuid, uuid))
		return 1;
	memset(page, 0, sizeof(page));
	rc = swapfmt_build((struct swapfmt_header *)page, total_pages, uuid, a->label);
	if (rc == E_INVAL) {
		fprintf(stderr, "pvswap: the label must be printable ASCII, at most %d "
			"characters\n", SWAPFMT_LABEL_LEN - 1);
		return 1;
	}
	if (rc != E_OK) {
		fprintf(stderr, "pvswap: %s: an area of %lu pages holds no slot or too many "
			"(at least 2 pages, at most %lu slots)\n", a->path, total_pages,
			SWAPFMT_MAX_SLOTS);
		return 1;
	}
	if (pwrite(fd, page, PG, (off_t)a->offset) != (ssize_t)PG || fsync(fd) < 0) {
		fprintf(stderr, "pvswap: %s: writing the header: %s\n", a->path, strerror(errno));
		return 1;
	}
	swapfmt_uuid_to_str(uuid, us);
	printf("pvswap: %s: marked, %lu MiB, %lu slots, uuid %s\n", a->path,
	       (total_pages - SWAPFMT_DATA_START) * PG / (u64)MiB, total_pages - SWAPFMT_DATA_START, us);
	return 0;
}

static int cmd_create(const struct pv_args *a)
{
	u64 size;
	int fd, rc;

	if (!parse_size(a->size_arg, &size) || size % PG) {
		fprintf(stderr, "pvswap: create: size '%s' is not a multiple of 4 KiB\n",
			a->size_arg);
		return 2;
	}
	if (a->offset || a->has_size || a->partition) {
		fprintf(stderr, "pvswap: create takes no --offset, --size or --partition\n");
		return 2;
	}
	fd = open(a->path, O_RDWR | O_CREAT | O_CLOEXEC | (a->force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		fprintf(stderr, "pvswap: %s: %s%s\n", a->path, strerror(errno),
			errno == EEXIST ? " (--force replaces it)" : "");
		return 1;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "pvswap: %s: %s\n", a->path, strerror(errno));
		close(fd);
		return 1;
	}
	rc = write_header(fd, a, size / PG);
	close(fd);
	return rc;
}

static bool is_zero_page(const u8 *p)
{
	for (unsigned i = 0; i < PG; i++)
		if (p[i])
			return false;
	return true;
}

/* Refuse to overwrite a used first page (unless --force); say what it holds. */
static bool may_overwrite(const struct pv_args *a, const u8 *page, u64 avail)
{
	struct swapfmt_info info;
	char us[SWAPFMT_UUID_STR_LEN];

	if (is_zero_page(page) || a->force)
		return true;
	if (swapfmt_check(page, PG, avail, &info, NULL, 0) == SWAPFMT_OK) {
		swapfmt_uuid_to_str(info.uuid, us);
		fprintf(stderr, "pvswap: %s: already a pagevisor swap area (uuid %s); "
			"--force re-marks it\n", a->path, us);
	} else {
		fprintf(stderr, "pvswap: %s: the first 4 KiB at offset %lu are not all zeros: "
			"it may hold data; --force writes the header anyway\n", a->path, a->offset);
	}
	return false;
}

/* Pages of the area: --size, or what is left after --offset. 0 on error. */
static u64 area_pages(const struct pv_args *a, u64 bytes)
{
	if (a->offset % PG || (a->has_size && a->size % PG)) {
		fprintf(stderr, "pvswap: --offset and --size must be multiples of 4 KiB\n");
		return 0;
	}
	if (a->offset >= bytes || (a->has_size && a->size > bytes - a->offset)) {
		fprintf(stderr, "pvswap: %s: the area does not fit in its %lu bytes\n", a->path,
			bytes);
		return 0;
	}
	return (a->has_size ? a->size : bytes - a->offset) / PG;
}

static int cmd_mark(const struct pv_args *args)
{
	static u8 page[PG];
	struct pv_args copy = *args, *a = &copy;
	struct stat st;
	int fd, rc = 1;
	u64 pages;

	/* O_EXCL on a block device fails if it is mounted or in use. */
	bool blk = stat(a->path, &st) == 0 && S_ISBLK(st.st_mode);
	fd = open(a->path, O_RDWR | O_CLOEXEC | (blk ? O_EXCL : 0));
	if (fd < 0) {
		fprintf(stderr, "pvswap: %s: %s\n", a->path, strerror(errno));
		return 1;
	}
	long long bytes = dev_size(fd, a->path);
	if (bytes >= 0 && (!a->partition || resolve_partition(fd, a, (u64)bytes)) &&
	    (pages = area_pages(a, (u64)bytes)) != 0 &&
	    read_page(fd, a->path, a->offset, page) &&
	    may_overwrite(a, page, (u64)bytes - a->offset))
		rc = write_header(fd, a, pages);
	close(fd);
	return rc;
}

static void print_info(const char *path, const struct swapfmt_info *in, u32 csum)
{
	char us[SWAPFMT_UUID_STR_LEN];

	swapfmt_uuid_to_str(in->uuid, us);
	printf("%s: pagevisor swap area, version %u\n", path, SWAPFMT_VERSION);
	printf("  uuid        %s\n", us);
	printf("  label       '%s'\n", in->label);
	printf("  area        %lu pages (%lu KiB)\n", in->total_pages, in->total_pages * 4);
	printf("  slots       %lu (pages %lu..%lu, %lu MiB)\n", in->nslots, in->data_start_page,
	       in->data_start_page + in->nslots - 1, in->nslots * PG / (u64)MiB);
	printf("  flags       0x%x\n", in->flags);
	printf("  checksum    0x%08x (CRC32C, ok)\n", csum);
}

static int cmd_show(const struct pv_args *args)
{
	static u8 page[PG];
	struct pv_args copy = *args, *a = &copy;
	struct swapfmt_info info;
	char why[160];
	int fd, rc = 1;

	if (a->has_size || a->offset % PG) {
		fprintf(stderr, "pvswap: show takes no --size; --offset must be a multiple of "
			"4 KiB\n");
		return 2;
	}
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pvswap: %s: %s\n", a->path, strerror(errno));
		return 1;
	}
	long long bytes = dev_size(fd, a->path);
	u64 avail = 0;
	if (bytes >= 0 && a->partition && !resolve_partition(fd, a, (u64)bytes))
		bytes = -1;
	if (bytes >= 0)
		avail = a->partition ? a->size : (u64)bytes - a->offset;
	if (bytes >= 0 && (u64)bytes < a->offset + PG)
		fprintf(stderr, "pvswap: %s: smaller than 4 KiB after the offset\n", a->path);
	else if (bytes >= 0 && read_page(fd, a->path, a->offset, page)) {
		enum swapfmt_status st = swapfmt_check(page, PG, avail, &info, why, sizeof(why));
		if (st == SWAPFMT_OK) {
			print_info(a->path, &info, ((struct swapfmt_header *)page)->checksum);
			rc = 0;
		} else {
			printf("%s: %s: %s\n", a->path, st == SWAPFMT_NOT_MARKED ? "not marked"
			       : "header refused", why);
		}
	}
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct pv_args a;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (!parse_args(argc, argv, &a)) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(a.cmd, "create"))
		return cmd_create(&a);
	if (!strcmp(a.cmd, "mark"))
		return cmd_mark(&a);
	if (!strcmp(a.cmd, "show"))
		return cmd_show(&a);
	fprintf(stderr, "pvswap: unknown command '%s'\n", a.cmd);
	usage(stderr);
	return 2;
}
