/* printf for the test guests: %d %i %u %x %X %p %s %c %%, with the l/ll/z
 * length modifiers, a field width, '0' and '-' flags. Output goes to a
 * sink: the serial port or a bounded buffer. */
#include "rt.h"

struct sink {
	char *buf;              /* NULL: the serial port */
	size_t size, len;
};

static void sink_put(struct sink *k, char c)
{
	if (!k->buf)
		rt_putc(c);
	else if (k->len + 1 < k->size)
		k->buf[k->len] = c;
	k->len++;
}

static void put_padded(struct sink *k, const char *s, size_t n, int width,
		       bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			sink_put(k, pad);
	while (n--)
		sink_put(k, *s++);
	if (left)
		while (fill-- > 0)
			sink_put(k, ' ');
}

static void put_num(struct sink *k, u64 v, unsigned base, bool neg, bool upper,
		    int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0' && width > 0) {
			sink_put(k, '-');
			width--;
		} else {
			tmp[--i] = '-';
		}
	}
	put_padded(k, tmp + i, sizeof(tmp) - i, width, left, pad);
}

static u64 arg_uint(__builtin_va_list *ap, int lng)
{
	return lng ? __builtin_va_arg(*ap, u64) : __builtin_va_arg(*ap, unsigned);
}

static i64 arg_int(__builtin_va_list *ap, int lng)
{
	return lng ? __builtin_va_arg(*ap, i64) : __builtin_va_arg(*ap, int);
}

/* One conversion at *fmt (just past '%'); returns the next format char. */
static const char *convert(struct sink *k, const char *fmt, __builtin_va_list *ap)
{
	bool left = false;
	char pad = ' ';
	int width = 0, lng = 0;
	const char *s;
	i64 d;

	for (; *fmt == '-' || *fmt == '0'; fmt++)
		*fmt == '-' ? (left = true) : (pad = '0');
	while (*fmt >= '0' && *fmt <= '9')
		width = width * 10 + (*fmt++ - '0');
	while (*fmt == 'l' || *fmt == 'z')
		lng++, fmt++;
	switch (*fmt) {
	case 'd': case 'i':
		d = arg_int(ap, lng);
		put_num(k, d < 0 ? -(u64)d : (u64)d, 10, d < 0, false, width, left, pad);
		break;
	case 'u': put_num(k, arg_uint(ap, lng), 10, false, false, width, left, pad); break;
	case 'x': put_num(k, arg_uint(ap, lng), 16, false, false, width, left, pad); break;
	case 'X': put_num(k, arg_uint(ap, lng), 16, false, true, width, left, pad); break;
	case 'p':
		sink_put(k, '0');
		sink_put(k, 'x');
		put_num(k, (u64)__builtin_va_arg(*ap, void *), 16, false, false, width, left, pad);
		break;
	case 'c': { char c = (char)__builtin_va_arg(*ap, int); put_padded(k, &c, 1, width, left, ' '); break; }
	case 's':
		s = __builtin_va_arg(*ap, const char *);
		s = s ? s : "(null)";
		put_padded(k, s, rt_strlen(s), width, left, ' ');
		break;
	case '%': sink_put(k, '%'); break;
	default: sink_put(k, '%'); sink_put(k, *fmt); break;
	case 0: return fmt;
	}
	return fmt + 1;
}

static int format(struct sink *k, const char *fmt, __builtin_va_list ap)
{
	__builtin_va_list aq;

	__builtin_va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			sink_put(k, *fmt++);
		else
			fmt = convert(k, fmt + 1, &aq);
	}
	__builtin_va_end(aq);
	if (k->buf && k->size)
		k->buf[k->len < k->size ? k->len : k->size - 1] = 0;
	return (int)k->len;
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap)
{
	struct sink k = { .buf = buf, .size = size };
	return format(&k, fmt, ap);
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	__builtin_va_end(ap);
	return n;
}

int rt_printf(const char *fmt, ...)
{
	struct sink k = { 0 };
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = format(&k, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
