/* Fixed-width integer types, common macros and compile-time checks shared by
 * every part of pagevisor (hypervisor image and host unit tests alike). */
#ifndef CORE_TYPES_H
#define CORE_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BIT(n) (1ull << (n))

#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Negative error codes returned by functions that can fail. */
enum {
	E_OK = 0,
	E_NOMEM = -1,     /* out of frames or heap */
	E_INVAL = -2,     /* malformed argument or input */
	E_EXIST = -3,     /* already present / overlapping */
	E_NOENT = -4,     /* not found / not mapped */
	E_RANGE = -5,     /* outside the allowed range */
	E_IO = -6,        /* device error */
	E_NOTSUP = -7,    /* feature not offered by the hardware */
	E_BUSY = -8,      /* resource in use / pinned */
};

#endif
