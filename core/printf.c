/* kvsnprintf/ksnprintf: the hypervisor's freestanding formatter. Pure string
 * formatting into a caller buffer (no output, no floating point); kprintf and
 * log_msg build on it. The subset it knows is listed in core/log.h; anything
 * else after '%' is copied through unchanged so a typo stays visible. */
#include "core/log.h"
#include "core/string.h"

struct fmt_out {
	char *buf;
	size_t cap;     /* bytes usable for characters (n - 1), 0 if n == 0 */
	size_t len;     /* characters the full output has so far */
};

struct fmt_spec {
	bool left;      /* '-' */
	bool zero;      /* '0' */
	int width;
	int prec;       /* -1 when absent */
	int lenmod;     /* 0, 'h', 'H' (hh), 'l', 'L' (ll), 'z' */
};

static void fmt_putc(struct fmt_out *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_pad(struct fmt_out *o, char c, int count)
{
	while (count-- > 0)
		fmt_putc(o, c);
}

static void fmt_str(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	size_t len;
	int pad;

	if (!s)
		s = "(null)";
	len = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	pad = sp->width > (int)len ? sp->width - (int)len : 0;
	if (!sp->left)
		fmt_pad(o, ' ', pad);
	for (size_t i = 0; i < len; i++)
		fmt_putc(o, s[i]);
	if (sp->left)
		fmt_pad(o, ' ', pad);
}

/* Emit a number: sign/prefix, then precision zeros, then digits, padded to
 * the width with spaces (or zeros when '0' is given and no precision). */
static void fmt_num(struct fmt_out *o, const struct fmt_spec *sp, u64 v,
		    bool neg, int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, nz, plen = (int)strlen(prefix) + (neg ? 1 : 0), pad;

	do {
		tmp[nd++] = digits[v % (u64)base];
		v /= (u64)base;
	} while (v);
	if (sp->prec == 0 && nd == 1 && tmp[0] == '0')
		nd = 0;
	nz = sp->prec > nd ? sp->prec - nd : 0;
	pad = sp->width - (plen + nz + nd);
	if (pad > 0 && sp->zero && !sp->left && sp->prec < 0) {
		nz += pad;
		pad = 0;
	}
	if (!sp->left)
		fmt_pad(o, ' ', pad);
	if (neg)
		fmt_putc(o, '-');
	while (*prefix)
		fmt_putc(o, *prefix++);
	fmt_pad(o, '0', nz);
	while (nd > 0)
		fmt_putc(o, tmp[--nd]);
	if (sp->left)
		fmt_pad(o, ' ', pad);
}

static u64 fmt_arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned int);
	case 'h': return (unsigned short)va_arg(*ap, unsigned int);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	default:  return va_arg(*ap, unsigned int);
	}
}

static s64 fmt_arg_signed(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return (s64)va_arg(*ap, size_t);
	default:  return va_arg(*ap, int);
	}
}

/* Parse flags, width, precision and length modifier after '%'; return the
 * position of the conversion character. */
static const char *fmt_parse_spec(const char *f, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9' && sp->width < 100000)
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9' && sp->prec < 100000)
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h' || *f == 'l') {
		sp->lenmod = *f++;
		if (*f == sp->lenmod) {
			sp->lenmod = sp->lenmod == 'h' ? 'H' : 'L';
			f++;
		}
	} else if (*f == 'z') {
		sp->lenmod = *f++;
	}
	return f;
}

/* Format one conversion c; return false if c is not a known conversion. */
static bool fmt_convert(struct fmt_out *o, struct fmt_spec *sp, char c, va_list *ap)
{
	s64 sv;
	int pad;

	switch (c) {
	case 'd':
	case 'i':
		sv = fmt_arg_signed(sp, ap);
		fmt_num(o, sp, sv < 0 ? 0 - (u64)sv : (u64)sv, sv < 0, 10, false, "");
		return true;
	case 'u':
		fmt_num(o, sp, fmt_arg_unsigned(sp, ap), false, 10, false, "");
		return true;
	case 'x':
	case 'X':
		fmt_num(o, sp, fmt_arg_unsigned(sp, ap), false, 16, c == 'X', "");
		return true;
	case 'p': {
		void *p = va_arg(*ap, void *);
		sp->prec = -1;
		if (!p)
			fmt_str(o, sp, "(nil)");
		else
			fmt_num(o, sp, (u64)(uintptr_t)p, false, 16, false, "0x");
		return true;
	}
	case 's':
		fmt_str(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		pad = sp->width > 1 ? sp->width - 1 : 0;
		if (!sp->left)
			fmt_pad(o, ' ', pad);
		fmt_putc(o, (char)va_arg(*ap, int));
		if (sp->left)
			fmt_pad(o, ' ', pad);
		return true;
	case '%':
		fmt_putc(o, '%');
		return true;
	default:
		return false;
	}
}

/* See core/log.h. Unknown conversions are copied literally, including the
 * '%' and any flags, so the output shows what was asked for. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .cap = n ? n - 1 : 0, .len = 0 };
	struct fmt_spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		const char *start = fmt, *conv;

		if (*fmt != '%') {
			fmt_putc(&o, *fmt++);
			continue;
		}
		conv = fmt_parse_spec(fmt + 1, &sp, &aq);
		if (*conv && fmt_convert(&o, &sp, *conv, &aq)) {
			fmt = conv + 1;
			continue;
		}
		while (start < conv)
			fmt_putc(&o, *start++);
		fmt = conv;
	}
	va_end(aq);
	if (n)
		buf[MIN(o.len, o.cap)] = 0;
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

/* See core/log.h. */
int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
