/* The few C library string functions the hypervisor uses. The image provides
 * its own implementations (core/string.c); host unit tests use the C library. */
#ifndef CORE_STRING_H
#define CORE_STRING_H

#include "core/types.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
