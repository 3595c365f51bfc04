/* Unit tests for core/fbcon.c and core/font8x16.c: text rendered into a
 * memory framebuffer compared pixel by pixel with the font's glyph rows, at
 * 32 and 16 bits per pixel; wrap at the right edge, scrolling at the bottom,
 * control characters, refused geometries; every glyph drawn and distinct. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/fbcon.h"
#include "core/font.h"

#define W 80              /* 10 columns */
#define H 48              /* 3 rows */
#define PITCH (W * 4 + 64)

static u8 mem[PITCH * H];
static struct fbcon fb;

static u32 px32(u32 x, u32 y)
{
	u32 v;
	memcpy(&v, mem + y * PITCH + x * 4, 4);
	return v;
}

/* Whether cell (col,row) shows character c. */
static bool cell_is(char c, u32 col, u32 row)
{
	for (u32 y = 0; y < FONT_H; y++)
		for (u32 x = 0; x < FONT_W; x++) {
			bool on = font_row(c, y) & (0x80 >> x);
			u32 v = px32(col * FONT_W + x, row * FONT_H + y);
			if (v != (on ? fb.fg : fb.bg))
				return false;
		}
	return true;
}

static void setup32(void)
{
	memset(mem, 0x55, sizeof(mem));
	assert_int_equal(fbcon_setup(&fb, mem, PITCH, W, H, 32), E_OK);
}

static void write_str(const char *s)
{
	fbcon_write(&fb, s, strlen(s));
}

static void test_glyphs(void **state)
{
	(void)state;
	setup32();
	assert_int_equal(fb.cols, 10);
	assert_int_equal(fb.rows, 3);
	assert_true(cell_is(' ', 0, 0));
	write_str("PASS: A~");
	assert_true(cell_is('P', 0, 0));
	assert_true(cell_is('A', 1, 0));
	assert_true(cell_is(':', 4, 0));
	assert_true(cell_is(' ', 5, 0));
	assert_true(cell_is('A', 6, 0));
	assert_true(cell_is('~', 7, 0));
	assert_false(cell_is('B', 6, 0));
	/* The pad bytes after each line are never written. */
	assert_int_equal(mem[W * 4], 0x55);
	assert_int_equal(mem[PITCH - 1], 0x55);
	/* Light text on black. */
	assert_int_equal(fb.bg, 0);
	assert_int_not_equal(fb.fg, 0);
}

static void test_font_distinct(void **state)
{
	(void)state;
	for (int a = 0x21; a <= 0x7e; a++) {
		bool any = false;
		for (u32 y = 0; y < FONT_H; y++)
			any |= font_row((char)a, y) != 0;
		assert_true(any);
		for (int b = a + 1; b <= 0x7e; b++) {
			bool same = true;
			for (u32 y = 0; y < FONT_H; y++)
				same &= font_row((char)a, y) == font_row((char)b, y);
			assert_false(same);
		}
	}
	assert_int_equal(font_row('\x01', 8), font_row('?', 8));
	assert_int_equal(font_row('A', 0), 0);
	assert_int_equal(font_row('A', 15), 0);
}

static void test_wrap_and_controls(void **state)
{
	(void)state;
	setup32();
	write_str("0123456789ab");     /* wraps after 10 */
	assert_true(cell_is('9', 9, 0));
	assert_true(cell_is('a', 0, 1));
	assert_true(cell_is('b', 1, 1));
	write_str("\rX\tY\bZ");
	assert_true(cell_is('X', 0, 1));
	assert_true(cell_is('Z', 8, 1));
	assert_true(cell_is(' ', 1, 1));
}

static void test_scroll(void **state)
{
	(void)state;
	setup32();
	write_str("L1\nL2\nL3\nL4");
	assert_true(cell_is('L', 0, 0));
	assert_true(cell_is('2', 1, 0));
	assert_true(cell_is('3', 1, 1));
	assert_true(cell_is('4', 1, 2));
	assert_true(cell_is(' ', 2, 2));
	write_str("\n");
	assert_true(cell_is('3', 1, 0));
	assert_true(cell_is('4', 1, 1));
	assert_true(cell_is(' ', 1, 2));
	assert_int_equal(fb.cx, 0);
	assert_int_equal(fb.cy, 2);
}

static void test_16bpp(void **state)
{
	static u16 m16[W * H];

	(void)state;
	assert_int_equal(fbcon_setup(&fb, m16, W * 2, W, H, 16), E_OK);
	fbcon_write(&fb, "H", 1);
	for (u32 y = 0; y < FONT_H; y++)
		for (u32 x = 0; x < FONT_W; x++)
			assert_int_equal(m16[y * W + x],
					 (font_row('H', y) & (0x80 >> x)) ? fb.fg : 0);
	assert_int_equal(fb.fg, 0xc618);   /* 0xc0c0c0 in RGB565 */
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(fbcon_setup(&fb, mem, PITCH, W, H, 8), E_INVAL);
	assert_int_equal(fbcon_setup(&fb, mem, W * 2, W, H, 32), E_INVAL);
	assert_int_equal(fbcon_setup(&fb, mem, PITCH, 7, H, 32), E_INVAL);
	assert_int_equal(fbcon_setup(&fb, mem, PITCH, W, 15, 32), E_INVAL);
	assert_int_equal(fbcon_setup(&fb, NULL, PITCH, W, H, 32), E_INVAL);
	fbcon_write(&fb, "x", 1);          /* unusable: draws nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glyphs),
		cmocka_unit_test(test_font_distinct),
		cmocka_unit_test(test_wrap_and_controls),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_16bpp),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
