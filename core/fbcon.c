/* The framebuffer console (core/fbcon.h): glyphs of core/font.h drawn into a
 * linear framebuffer cell by cell, wrapping and scrolling by moving the
 * pixel rows up. Pure C over the memory it is given (the unit tests pass a
 * buffer; the hypervisor the direct-mapped framebuffer, see core/console.c). */
#include "core/fbcon.h"
#include "core/font.h"

#if __STDC_HOSTED__
#include <string.h>
#else
#include "core/string.h"
#endif

#define FB_FG 0xc0c0c0u       /* light grey on black, as a text console */
#define FB_BG 0x000000u

/* Store pixel value v at p (bytespp bytes, little-endian). */
static void put_pixel(u8 *p, u32 bytespp, u32 v)
{
	for (u32 i = 0; i < bytespp; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* 0xRRGGBB as a pixel value of the framebuffer's depth (16 bits: RGB565). */
static u32 rgb(u32 bytespp, u32 c)
{
	if (bytespp != 2)
		return c;
	return ((c >> 8) & 0xf800) | ((c >> 5) & 0x07e0) | ((c >> 3) & 0x001f);
}

/* See core/fbcon.h. */
int fbcon_setup(struct fbcon *fb, void *base, u32 pitch, u32 width, u32 height, u32 bpp)
{
	memset(fb, 0, sizeof(*fb));
	if ((bpp != 16 && bpp != 24 && bpp != 32) || (u64)width * (bpp / 8) > pitch ||
	    width < FONT_W || height < FONT_H || !base)
		return E_INVAL;
	fb->base = base;
	fb->pitch = pitch;
	fb->width = width;
	fb->height = height;
	fb->bytespp = bpp / 8;
	fb->cols = width / FONT_W;
	fb->rows = height / FONT_H;
	fb->fg = rgb(fb->bytespp, FB_FG);
	fb->bg = rgb(fb->bytespp, FB_BG);
	fbcon_clear(fb);
	return E_OK;
}

/* Fill pixel rows [y0, y1) with the background. */
static void clear_rows(struct fbcon *fb, u32 y0, u32 y1)
{
	for (u32 y = y0; y < y1; y++) {
		u8 *line = fb->base + (u64)y * fb->pitch;
		if (!fb->bg) {
			memset(line, 0, (size_t)fb->width * fb->bytespp);
			continue;
		}
		for (u32 x = 0; x < fb->width; x++)
			put_pixel(line + x * fb->bytespp, fb->bytespp, fb->bg);
	}
}

/* See core/fbcon.h. */
void fbcon_clear(struct fbcon *fb)
{
	clear_rows(fb, 0, fb->height);
	fb->cx = fb->cy = 0;
}

/* Draw character c in cell (col, row). */
static void draw_glyph(struct fbcon *fb, char c, u32 col, u32 row)
{
	u8 *cell = fb->base + (u64)row * FONT_H * fb->pitch + (u64)col * FONT_W * fb->bytespp;

	for (u32 y = 0; y < FONT_H; y++) {
		u8 bits = font_row(c, y);
		u8 *p = cell + (u64)y * fb->pitch;
		for (u32 x = 0; x < FONT_W; x++, p += fb->bytespp)
			put_pixel(p, fb->bytespp, (bits & (0x80 >> x)) ? fb->fg : fb->bg);
	}
}

/* Move to the next line, scrolling the text up one line at the bottom. */
static void newline(struct fbcon *fb)
{
	fb->cx = 0;
	if (fb->cy + 1 < fb->rows) {
		fb->cy++;
		return;
	}
	memmove(fb->base, fb->base + (u64)FONT_H * fb->pitch,
		(size_t)(fb->rows - 1) * FONT_H * fb->pitch);
	clear_rows(fb, (fb->rows - 1) * FONT_H, fb->rows * FONT_H);
}

static void put_char(struct fbcon *fb, char c)
{
	switch (c) {
	case '\n': newline(fb); return;
	case '\r': fb->cx = 0; return;
	case '\b': fb->cx -= fb->cx > 0; return;
	case '\t':
		do
			put_char(fb, ' ');
		while (fb->cx % 8);
		return;
	}
	if (fb->cx >= fb->cols)
		newline(fb);
	draw_glyph(fb, c, fb->cx, fb->cy);
	fb->cx++;
}

/* See core/fbcon.h. */
void fbcon_write(struct fbcon *fb, const char *s, size_t n)
{
	if (!fb->base)
		return;
	for (size_t i = 0; i < n; i++)
		put_char(fb, s[i]);
}
