/* Runtime helpers without hardware access: `key=value` options from the
 * Multiboot command line, the PRNG, and the few string functions the
 * guests (and the compiler's implicit memset/memcpy calls) need. */
#include "rt.h"

/* Find the value of `key=` as a whole word in cmdline; set *len. */
static const char *opt_find(const char *cmdline, const char *key, size_t *len)
{
	size_t klen = rt_strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) > klen && !rt_memcmp(w, key, klen) && w[klen] == '=') {
			*len = (size_t)(p - w) - klen - 1;
			return w + klen + 1;
		}
	}
	return NULL;
}

bool rt_opt_str(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t len;
	const char *v = opt_find(cmdline, key, &len);

	if (!v || !size)
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(buf, v, len);
	buf[len] = 0;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool rt_opt_uint(const char *cmdline, const char *key, u64 *val)
{
	size_t len, i = 0;
	const char *v = opt_find(cmdline, key, &len);
	unsigned base = 10, shift = 0;
	u64 n = 0;

	if (!v)
		return false;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		base = 16, i = 2;
	if (len > i + 1 && base == 10) {
		char s = v[len - 1];
		shift = s == 'K' ? 10 : s == 'M' ? 20 : s == 'G' ? 30 : 0;
		if (shift)
			len--;
	}
	for (bool any = false; ; any = true, i++) {
		if (i == len) {
			if (any && !(n >> (64 - shift - 1) >> 1)) {
				*val = n << shift;
				return true;
			}
			break;
		}
		int d = digit_value(v[i]);
		if (d >= (int)base || n > (~0UL - (u64)d) / base)
			break;
		n = n * base + (u64)d;
	}
	rt_printf("error: option %s: bad number\n", key);
	return false;
}

u64 rt_mix64(u64 x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

void rt_rand_seed(struct rt_rand *r, u64 seed)
{
	r->s = rt_mix64(seed) | 1;      /* xorshift state must not be zero */
}

u64 rt_rand_next(struct rt_rand *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dUL;
}

size_t rt_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int rt_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int rt_memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

i64 rt_hypercall(bool vmmcall, u64 fn, u64 arg)
{
	i64 rax;

	if (vmmcall)
		asm volatile("vmmcall" : "=a"(rax) : "a"(RT_HYPERCALL_MAGIC | fn), "b"(arg) : "memory");
	else
		asm volatile("vmcall" : "=a"(rax) : "a"(RT_HYPERCALL_MAGIC | fn), "b"(arg) : "memory");
	return rax;
}
