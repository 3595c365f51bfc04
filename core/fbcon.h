/* The framebuffer console: text in the built-in 8x16 font (core/font.h) on
 * a linear RGB framebuffer (GRUB's Multiboot2 framebuffer tag), with line
 * wrap and scrolling. Pure: draws into whatever memory it is given, so the
 * unit tests render into a buffer. core/console.c decides when it is used. */
#ifndef CORE_FBCON_H
#define CORE_FBCON_H

#include "core/types.h"

/* One framebuffer console. (c) set by fbcon_setup(); cursor [console]. */
struct fbcon {
	u8 *base;                 /* (c) pixel (0,0) */
	u32 pitch;                /* (c) bytes per scan line */
	u32 width, height;        /* (c) pixels */
	u32 bytespp;              /* (c) 2, 3 or 4 */
	u32 cols, rows;           /* (c) character cells */
	u32 fg, bg;               /* (c) pixel values of text and background */
	u32 cx, cy;               /* cursor cell */
};

/*
 * Set up fb over the framebuffer at base (pitch bytes per line, width x
 * height pixels of bpp bits: 16, 24 or 32, RGB with 8 bits per colour for
 * 24/32) and clear it to the background. Returns E_OK, or E_INVAL for
 * another depth, a pitch shorter than a line or room for less than one
 * character cell (fb is then unusable).
 */
int fbcon_setup(struct fbcon *fb, void *base, u32 pitch, u32 width, u32 height,
		u32 bpp) __must_check;

/* Draw n bytes at the cursor: "\n" starts a new line, "\r" returns to the
 * line's start, "\t" advances to the next multiple of 8 columns, "\b"
 * steps back; other bytes are glyphs (outside 0x20-0x7e: '?'). Wraps at
 * the right edge; scrolls the text up one line at the bottom. */
void fbcon_write(struct fbcon *fb, const char *s, size_t n);

/* Clear the screen and home the cursor. */
void fbcon_clear(struct fbcon *fb);

#endif
