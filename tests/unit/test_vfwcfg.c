/* Unit tests for core/vdev/fwcfg.c: the signature and ID as SeaBIOS and
 * Linux probe them, RAM size and CPU counts little-endian, zero past an
 * item's end and for unknown items, selector writes rewinding, 16/32-bit
 * accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/fwcfg.h"

static struct vfwcfg fw;

static void sel(u16 key)
{
	vfwcfg_io_write(&fw, VFWCFG_PORT_SEL, 2, key);
}

static u8 byte(void)
{
	return (u8)vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 1);
}

static void test_signature(void **state)
{
	(void)state;
	vfwcfg_init(&fw, 256 * MiB, 2);
	sel(0x0000);
	assert_int_equal(byte(), 'Q');
	assert_int_equal(byte(), 'E');
	assert_int_equal(byte(), 'M');
	assert_int_equal(byte(), 'U');
	assert_int_equal(byte(), 0);
	/* Selecting again rewinds. */
	sel(0x0000);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 4), 0x554d4551);
	sel(0x0001);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 4), 1);
}

static void test_ram_and_cpus(void **state)
{
	(void)state;
	vfwcfg_init(&fw, 0x123456789ull, 3);
	sel(0x0003);
	u64 ram = 0;
	for (int i = 0; i < 8; i++)
		ram |= (u64)byte() << (8 * i);
	assert_int_equal(ram, 0x123456789ull);
	assert_int_equal(byte(), 0);
	sel(0x0005);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 2), 3);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 2), 0);
	sel(0x000f);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 4), 3);
	/* An empty file directory: count 0. */
	sel(0x0019);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 4), 0);
}

static void test_unknown_and_ports(void **state)
{
	(void)state;
	vfwcfg_init(&fw, 64 * MiB, 1);
	sel(0x1234);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_DATA, 4), 0);
	/* A 32-bit selector write uses the low 16 bits. */
	vfwcfg_io_write(&fw, VFWCFG_PORT_SEL, 4, 0xffff0000);
	assert_int_equal(fw.sel, 0);
	assert_int_equal(byte(), 'Q');
	/* A byte write to the selector selects too. */
	vfwcfg_io_write(&fw, VFWCFG_PORT_SEL, 1, 0x05);
	assert_int_equal(byte(), 1);
	/* Data writes change nothing. */
	vfwcfg_io_write(&fw, VFWCFG_PORT_DATA, 1, 0x55);
	assert_int_equal(fw.sel, 5);
	assert_int_equal(fw.offset, 1);
	assert_int_equal(vfwcfg_io_read(&fw, VFWCFG_PORT_SEL, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_ram_and_cpus),
		cmocka_unit_test(test_unknown_and_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
