/* The console's built-in font: 8x16 character cells for printable ASCII
 * 0x20-0x7e, drawn for pagevisor as 5x7 glyphs and set in the cell with
 * doubled rows (core/font8x16.c). Pure data and one lookup. */
#ifndef CORE_FONT_H
#define CORE_FONT_H

#include "core/types.h"

#define FONT_W 8
#define FONT_H 16

/* Row y (0..15) of the cell of character c: bit 7 is the leftmost pixel.
 * Characters outside 0x20-0x7e are drawn as '?'. */
u8 font_row(char c, u32 y);

#endif
