/* Host tool: derive a malformed Multiboot ELF32 from a good one, for the
 * guest loader's rejection tests. Everything else stays valid (ELF header,
 * Multiboot header, entry point inside the first segment).
 *   mbpatch IN OUT farseg    last PT_LOAD moved to 0xF0000000 (outside RAM)
 *   mbpatch IN OUT overlap   last PT_LOAD moved onto the first one */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_file(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;

	if (!f || fseek(f, 0, SEEK_END) || (*size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	buf = malloc(*size);
	if (!buf || fread(buf, 1, *size, f) != (size_t)*size)
		return NULL;
	fclose(f);
	return buf;
}

/* Indices of the first and last PT_LOAD headers; -1 if fewer than two. */
static int find_loads(Elf32_Phdr *ph, int n, int *first, int *last)
{
	*first = *last = -1;
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (*first < 0)
			*first = i;
		*last = i;
	}
	return *first >= 0 && *last != *first ? 0 : -1;
}

int main(int argc, char **argv)
{
	long size;
	unsigned char *img;
	Elf32_Ehdr *eh;
	Elf32_Phdr *ph;
	int first, last;
	FILE *out;

	if (argc != 4 || (strcmp(argv[3], "farseg") && strcmp(argv[3], "overlap"))) {
		fprintf(stderr, "usage: mbpatch IN OUT farseg|overlap\n");
		return 2;
	}
	if (!(img = read_file(argv[1], &size)) || size < (long)sizeof(*eh)) {
		fprintf(stderr, "mbpatch: cannot read %s\n", argv[1]);
		return 1;
	}
	eh = (Elf32_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS32 ||
	    eh->e_phoff + (long)eh->e_phnum * sizeof(*ph) > (unsigned long)size) {
		fprintf(stderr, "mbpatch: %s is not an ELF32 file\n", argv[1]);
		return 1;
	}
	ph = (Elf32_Phdr *)(img + eh->e_phoff);
	if (find_loads(ph, eh->e_phnum, &first, &last)) {
		fprintf(stderr, "mbpatch: %s needs two PT_LOAD segments\n", argv[1]);
		return 1;
	}
	ph[last].p_paddr = ph[last].p_vaddr =
		strcmp(argv[3], "farseg") ? ph[first].p_paddr : 0xF0000000u;
	if (!(out = fopen(argv[2], "wb")) || fwrite(img, 1, size, out) != (size_t)size ||
	    fclose(out)) {
		fprintf(stderr, "mbpatch: cannot write %s\n", argv[2]);
		return 1;
	}
	return 0;
}
