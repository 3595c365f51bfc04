/* The registers the state guest owns, one accessor triple per kind: gen
 * (valid values from the PRNG), write (takes a u64 array; rt_try-shaped so
 * a #GP is caught) and read. The guest is built -mgeneral-regs-only, so no
 * compiled code touches x87/SSE/AVX registers: the vector accessors need
 * no clobbers and the values stay put between calls. */
#ifndef STATE_REGS_H
#define STATE_REGS_H
#include "rt.h"

#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_CSTAR          0xc0000083
#define MSR_SFMASK         0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX        0xc0000103

/* A canonical 48-bit address (SDM Vol. 1 3.3.7.1): WRMSR of LSTAR, CSTAR,
 * KERNEL_GS_BASE raises #GP otherwise (SDM Vol. 4 table 2-2). */
static inline u64 canon(u64 raw)
{
	return (u64)((i64)(raw << 16) >> 16);
}

/* CR2: any 64-bit value; nothing but a #PF changes it. */
static void cr2_gen(u64 *w, struct rt_rand *r) { w[0] = rt_rand_next(r); }
static void cr2_write(void *in) { asm volatile("mov %0, %%cr2" :: "r"(*(u64 *)in)); }
static void cr2_read(u64 *out) { asm volatile("mov %%cr2, %0" : "=r"(out[0])); }

/* DR0-3 (linear addresses, inert while DR7 is 0x400) and DR6, whose
 * B0-B3 bits are writable; bits 4-11 and 16-31 read as 1, bit 12 and
 * 32-63 as 0 (SDM Vol. 3B 18.2.3, APM Vol. 2 13.1.1.3). */
static void dr_gen(u64 *w, struct rt_rand *r)
{
	for (int i = 0; i < 4; i++)
		w[i] = canon(rt_rand_next(r));
	w[4] = 0xffff0ff0UL | (rt_rand_next(r) & 0xf);
}

static void dr_write(void *in)
{
	const u64 *w = in;
	asm volatile("mov %0, %%db0" :: "r"(w[0]));
	asm volatile("mov %0, %%db1" :: "r"(w[1]));
	asm volatile("mov %0, %%db2" :: "r"(w[2]));
	asm volatile("mov %0, %%db3" :: "r"(w[3]));
	asm volatile("mov %0, %%db6" :: "r"(w[4]));
}

static void dr_read(u64 *out)
{
	asm volatile("mov %%db0, %0" : "=r"(out[0]));
	asm volatile("mov %%db1, %0" : "=r"(out[1]));
	asm volatile("mov %%db2, %0" : "=r"(out[2]));
	asm volatile("mov %%db3, %0" : "=r"(out[3]));
	asm volatile("mov %%db6, %0" : "=r"(out[4]));
}

/* STAR (any), LSTAR and CSTAR (canonical), SFMASK (bits 63:32 reserved). */
static const u32 syscall_msrs[4] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK };

static void syscall_gen(u64 *w, struct rt_rand *r)
{
	w[0] = rt_rand_next(r);
	w[1] = canon(rt_rand_next(r));
	w[2] = canon(rt_rand_next(r));
	w[3] = (u32)rt_rand_next(r);
}

static void syscall_write(void *in)
{
	for (int i = 0; i < 4; i++)
		rt_wrmsr(syscall_msrs[i], ((u64 *)in)[i]);
}

static void syscall_read(u64 *out)
{
	for (int i = 0; i < 4; i++)
		out[i] = rt_rdmsr(syscall_msrs[i]);
}

static void kgs_gen(u64 *w, struct rt_rand *r) { w[0] = canon(rt_rand_next(r)); }
static void kgs_write(void *in) { rt_wrmsr(MSR_KERNEL_GS_BASE, *(u64 *)in); }
static void kgs_read(u64 *out) { out[0] = rt_rdmsr(MSR_KERNEL_GS_BASE); }

/* TSC_AUX (bits 63:32 reserved) as RDTSCP's ECX and through RDMSR. */
static void tscaux_gen(u64 *w, struct rt_rand *r) { w[0] = w[1] = (u32)rt_rand_next(r); }
static void tscaux_write(void *in) { rt_wrmsr(MSR_TSC_AUX, *(u64 *)in); }

static void tscaux_read(u64 *out)
{
	u32 lo, hi, aux;
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	out[0] = aux;
	out[1] = rt_rdmsr(MSR_TSC_AUX);
}

/* x87 FCW (rounding control varies; bit 6 reads as 1, precision 64-bit)
 * and MXCSR (all exceptions masked; RC and FZ vary) (SDM Vol. 1 8.1.5,
 * 10.2.3). */
static void fpuctl_gen(u64 *w, struct rt_rand *r)
{
	u64 v = rt_rand_next(r);
	w[0] = 0x037f | ((v & 3) << 10);
	w[1] = 0x1f80 | (((v >> 2) & 3) << 13) | (((v >> 4) & 1) << 15);
}

static void fpuctl_write(void *in)
{
	u16 fcw = (u16)((u64 *)in)[0];
	u32 mxcsr = (u32)((u64 *)in)[1];
	asm volatile("fldcw %0" :: "m"(fcw));
	asm volatile("ldmxcsr %0" :: "m"(mxcsr));
}

static void fpuctl_read(u64 *out)
{
	u16 fcw;
	u32 mxcsr;
	asm volatile("fnstcw %0" : "=m"(fcw));
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	out[0] = fcw;
	out[1] = mxcsr;
}

/* XMM0-15, 16 bytes each (legacy SSE MOVDQU leaves YMM upper halves
 * alone, SDM Vol. 1 14.1.1). */
static void vec_gen(u64 *w, struct rt_rand *r)
{
	for (int i = 0; i < 32; i++)
		w[i] = rt_rand_next(r);
}

static void xmm_write(void *in)
{
	asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		     "movdqu \\n*16(%0), %%xmm\\n\n\t"
		     ".endr" :: "r"(in) : "memory");
}

static void xmm_read(u64 *out)
{
	asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		     "movdqu %%xmm\\n, \\n*16(%0)\n\t"
		     ".endr" :: "r"(out) : "memory");
}

/* YMM0-15 bits 255:128 only, through VINSERTF128/VEXTRACTF128 (AVX). */
static void ymmhi_write(void *in)
{
	asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		     "vinsertf128 $1, \\n*16(%0), %%ymm\\n, %%ymm\\n\n\t"
		     ".endr" :: "r"(in) : "memory");
}

static void ymmhi_read(u64 *out)
{
	asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		     "vextractf128 $1, %%ymm\\n, \\n*16(%0)\n\t"
		     ".endr" :: "r"(out) : "memory");
}

#endif
