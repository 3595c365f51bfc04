/* Unit tests for core/insn_len.c: a table of encodings in 16-, 32- and
 * 64-bit code whose lengths were produced by GNU as and checked against
 * `objdump -D -b binary -m i8086|i386|i386:x86-64` (each line's comment is
 * objdump's reading), then truncation, 15-byte limit and invalid opcodes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/insn_len.h"

#define M16 INSN_MODE_16
#define M32 INSN_MODE_32
#define M64 INSN_MODE_64

struct enc {
	enum insn_mode mode;
	int len;
	const char *bytes;
};

/* Generated: one `as` snippet per line, length = objdump's first
 * instruction, which must cover the whole snippet. */
static const struct enc encs[] = {
	{ M64, 3, "\x48\x89\xc3", /* mov %rax,%rbx */ },
	{ M64, 2, "\x89\xc3", /* mov %eax,%ebx */ },
	{ M64, 3, "\x66\x89\xc3", /* mov %ax,%bx */ },
	{ M64, 2, "\x88\xc3", /* mov %al,%bl */ },
	{ M64, 3, "\x48\x8b\x08", /* mov (%rax),%rcx */ },
	{ M64, 4, "\x48\x89\x0c\x24", /* mov %rcx,(%rsp) */ },
	{ M64, 3, "\x8b\x55\x10", /* mov 0x10(%rbp),%edx */ },
	{ M64, 5, "\x4c\x8b\x44\x24\x80", /* mov -0x80(%rsp),%r8 */ },
	{ M64, 8, "\x44\x8b\x8c\x98\x78\x56\x34\x12", /* mov 0x12345678(%rax,%rbx,4),%r9d */ },
	{ M64, 7, "\x48\x8b\x05\x00\x10\x00\x00", /* mov 0x1000(%rip),%rax # 0x1007 */ },
	{ M64, 7, "\x8b\x04\x25\x78\x56\x34\x12", /* mov 0x12345678,%eax */ },
	{ M64, 9, "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", /* movabs 0x1122334455667788,%al */ },
	{ M64, 10, "\x48\xa1\x88\x77\x66\x55\x44\x33\x22\x11", /* movabs 0x1122334455667788,%rax */ },
	{ M64, 9, "\xa3\x88\x77\x66\x55\x44\x33\x22\x11", /* movabs %eax,0x1122334455667788 */ },
	{ M64, 7, "\x67\x8b\x98\x00\x10\x00\x00", /* mov 0x1000(%eax),%ebx */ },
	{ M64, 8, "\x48\x8b\x14\xcd\x00\x00\x00\x00", /* mov 0x0(,%rcx,8),%rdx */ },
	{ M64, 5, "\x4d\x89\x7c\x24\x7f", /* mov %r15,0x7f(%r12) */ },
	{ M64, 4, "\x4d\x89\x6d\x00", /* mov %r13,0x0(%r13) */ },
	{ M64, 3, "\xc6\x00\x12", /* movb $0x12,(%rax) */ },
	{ M64, 6, "\x66\xc7\x40\x10\x34\x12", /* movw $0x1234,0x10(%rax) */ },
	{ M64, 7, "\xc7\x04\x08\x78\x56\x34\x12", /* movl $0x12345678,(%rax,%rcx,1) */ },
	{ M64, 11, "\x48\xc7\x05\x00\x01\x00\x00\xff\xff\xff\xff", /* movq $0xffffffffffffffff,0x100(%rip) # 0x10b */ },
	{ M64, 10, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", /* movabs $0x1122334455667788,%rax */ },
	{ M64, 5, "\xb8\x78\x56\x34\x12", /* mov $0x12345678,%eax */ },
	{ M64, 4, "\x66\xb8\x34\x12", /* mov $0x1234,%ax */ },
	{ M64, 3, "\x41\xb3\x12", /* mov $0x12,%r11b */ },
	{ M64, 3, "\x0f\x20\xc0", /* mov %cr0,%rax */ },
	{ M64, 3, "\x0f\x22\xd8", /* mov %rax,%cr3 */ },
	{ M64, 4, "\x44\x0f\x20\xc0", /* mov %cr8,%rax */ },
	{ M64, 3, "\x0f\x21\xf9", /* mov %db7,%rcx */ },
	{ M64, 2, "\x8c\xd8", /* mov %ds,%eax */ },
	{ M64, 2, "\x8e\xd0", /* mov %eax,%ss */ },
	{ M64, 3, "\x0f\xb6\x06", /* movzbl (%rsi),%eax */ },
	{ M64, 4, "\x48\x0f\xbe\xd0", /* movsbq %al,%rdx */ },
	{ M64, 3, "\x48\x63\xc8", /* movslq %eax,%rcx */ },
	{ M64, 5, "\x48\x8d\x7c\x24\x08", /* lea 0x8(%rsp),%rdi */ },
	{ M64, 3, "\x8d\x04\x40", /* lea (%rax,%rax,2),%eax */ },
	{ M64, 7, "\x48\x8d\x35\x10\x00\x00\x00", /* lea 0x10(%rip),%rsi # 0x17 */ },
	{ M64, 2, "\xe4\x60", /* in $0x60,%al */ },
	{ M64, 1, "\xed", /* in (%dx),%eax */ },
	{ M64, 2, "\xe6\xf4", /* out %al,$0xf4 */ },
	{ M64, 2, "\x66\xef", /* out %ax,(%dx) */ },
	{ M64, 1, "\xef", /* out %eax,(%dx) */ },
	{ M64, 2, "\x0f\xa2", /* cpuid */ },
	{ M64, 2, "\x0f\x32", /* rdmsr */ },
	{ M64, 2, "\x0f\x30", /* wrmsr */ },
	{ M64, 2, "\x0f\x31", /* rdtsc */ },
	{ M64, 3, "\x0f\x01\xf9", /* rdtscp */ },
	{ M64, 1, "\xf4", /* hlt */ },
	{ M64, 1, "\xcc", /* int3 */ },
	{ M64, 2, "\xcd\x80", /* int $0x80 */ },
	{ M64, 1, "\xf1", /* int1 */ },
	{ M64, 2, "\x48\xcf", /* iretq */ },
	{ M64, 2, "\x0f\x05", /* syscall */ },
	{ M64, 3, "\x48\x0f\x07", /* sysretq */ },
	{ M64, 3, "\x0f\x01\xd8", /* vmrun */ },
	{ M64, 3, "\x0f\x01\xd9", /* vmmcall */ },
	{ M64, 3, "\x0f\x01\xda", /* vmload */ },
	{ M64, 3, "\x0f\x01\xdb", /* vmsave */ },
	{ M64, 3, "\x0f\x01\xdc", /* stgi */ },
	{ M64, 3, "\x0f\x01\xdd", /* clgi */ },
	{ M64, 3, "\x0f\x01\xde", /* skinit */ },
	{ M64, 3, "\x0f\x01\xdf", /* invlpga */ },
	{ M64, 3, "\x0f\x01\xc1", /* vmcall */ },
	{ M64, 3, "\x0f\x01\xc2", /* vmlaunch */ },
	{ M64, 3, "\x0f\x01\xc3", /* vmresume */ },
	{ M64, 3, "\x0f\x01\xc4", /* vmxoff */ },
	{ M64, 4, "\xf3\x0f\xc7\x30", /* vmxon (%rax) */ },
	{ M64, 5, "\xf3\x0f\xc7\x73\x10", /* vmxon 0x10(%rbx) */ },
	{ M64, 3, "\x0f\xc7\x30", /* vmptrld (%rax) */ },
	{ M64, 5, "\x0f\xc7\x7c\x24\x08", /* vmptrst 0x8(%rsp) */ },
	{ M64, 4, "\x66\x0f\xc7\x37", /* vmclear (%rdi) */ },
	{ M64, 3, "\x0f\x78\xc3", /* vmread %rax,%rbx */ },
	{ M64, 4, "\x0f\x79\x58\x10", /* vmwrite 0x10(%rax),%rbx */ },
	{ M64, 5, "\x66\x0f\x38\x80\x08", /* invept (%rax),%rcx */ },
	{ M64, 5, "\x66\x0f\x38\x81\x11", /* invvpid (%rcx),%rdx */ },
	{ M64, 3, "\x0f\x01\x10", /* lgdt (%rax) */ },
	{ M64, 7, "\x0f\x01\x1d\x78\x56\x34\x12", /* lidt 0x12345678(%rip) # 0x1234567f */ },
	{ M64, 3, "\x0f\x01\x3b", /* invlpg (%rbx) */ },
	{ M64, 3, "\x0f\x01\xf8", /* swapgs */ },
	{ M64, 3, "\x0f\x01\xd1", /* xsetbv */ },
	{ M64, 2, "\x0f\x09", /* wbinvd */ },
	{ M64, 2, "\x0f\x06", /* clts */ },
	{ M64, 2, "\xf3\xa4", /* rep movsb %ds:(%rsi),%es:(%rdi) */ },
	{ M64, 3, "\xf3\x48\xa5", /* rep movsq %ds:(%rsi),%es:(%rdi) */ },
	{ M64, 2, "\xf2\xae", /* repnz scas %es:(%rdi),%al */ },
	{ M64, 2, "\xf3\xab", /* rep stos %eax,%es:(%rdi) */ },
	{ M64, 2, "\x66\xad", /* lods %ds:(%rsi),%ax */ },
	{ M64, 2, "\xf3\x6c", /* rep insb (%dx),%es:(%rdi) */ },
	{ M64, 2, "\xf3\x6f", /* rep outsl %ds:(%rsi),(%dx) */ },
	{ M64, 3, "\x0f\x10\x00", /* movups (%rax),%xmm0 */ },
	{ M64, 3, "\x0f\x28\xd1", /* movaps %xmm1,%xmm2 */ },
	{ M64, 7, "\x66\x44\x0f\x6f\x4c\x24\x10", /* movdqa 0x10(%rsp),%xmm9 */ },
	{ M64, 4, "\xf3\x0f\x7f\x1f", /* movdqu %xmm3,(%rdi) */ },
	{ M64, 5, "\x66\x48\x0f\x7e\xc0", /* movq %xmm0,%rax */ },
	{ M64, 5, "\x66\x0f\x70\xd1\x1b", /* pshufd $0x1b,%xmm1,%xmm2 */ },
	{ M64, 5, "\x66\x0f\xc4\xc8\x03", /* pinsrw $0x3,%eax,%xmm1 */ },
	{ M64, 5, "\x66\x0f\x38\x00\xd1", /* pshufb %xmm1,%xmm2 */ },
	{ M64, 6, "\x66\x0f\x3a\x0f\xd1\x04", /* palignr $0x4,%xmm1,%xmm2 */ },
	{ M64, 7, "\x66\x0f\x3a\x0b\x58\x08\x01", /* roundsd $0x1,0x8(%rax),%xmm3 */ },
	{ M64, 4, "\xc5\xfd\x6f\xc8", /* vmovdqa %ymm0,%ymm1 */ },
	{ M64, 4, "\xc5\x7e\x6f\x00", /* vmovdqu (%rax),%ymm8 */ },
	{ M64, 6, "\xc5\xf8\x11\x44\x24\x10", /* vmovups %xmm0,0x10(%rsp) */ },
	{ M64, 4, "\xc5\xed\xfe\xd9", /* vpaddd %ymm1,%ymm2,%ymm3 */ },
	{ M64, 5, "\xc4\xe2\x6d\x00\xd9", /* vpshufb %ymm1,%ymm2,%ymm3 */ },
	{ M64, 6, "\xc4\xe3\xfd\x00\xd1\x4e", /* vpermq $0x4e,%ymm1,%ymm2 */ },
	{ M64, 6, "\xc4\xe3\x75\x02\x10\xf0", /* vpblendd $0xf0,(%rax),%ymm1,%ymm2 */ },
	{ M64, 3, "\xc5\xf8\x77", /* vzeroupper */ },
	{ M64, 6, "\x62\xf1\xfd\x48\x6f\xc8", /* vmovdqa64 %zmm0,%zmm1 */ },
	{ M64, 7, "\x62\xf1\x7e\x48\x6f\x50\x01", /* vmovdqu32 0x40(%rax),%zmm2 */ },
	{ M64, 7, "\x62\xf3\x6d\x48\x25\xd9\xff", /* vpternlogd $0xff,%zmm1,%zmm2,%zmm3 */ },
	{ M64, 6, "\x62\xf1\x6c\x49\x58\xd9", /* vaddps %zmm1,%zmm2,%zmm3{%k1} */ },
	{ M64, 2, "\xeb\x0e", /* jmp 0x10 */ },
	{ M64, 5, "\xe9\xfb\x0f\x00\x00", /* jmp 0x1000 */ },
	{ M64, 2, "\xff\xe0", /* jmp *%rax */ },
	{ M64, 3, "\xff\x60\x10", /* jmp *0x10(%rax) */ },
	{ M64, 6, "\xff\x25\x00\x01\x00\x00", /* jmp *0x100(%rip) # 0x106 */ },
	{ M64, 2, "\xff\x28", /* ljmp *(%rax) */ },
	{ M64, 5, "\xe8\xfb\x0f\x00\x00", /* call 0x1000 */ },
	{ M64, 2, "\xff\xd0", /* call *%rax */ },
	{ M64, 3, "\xff\x14\xd8", /* call *(%rax,%rbx,8) */ },
	{ M64, 2, "\x74\x0e", /* je 0x10 */ },
	{ M64, 6, "\x0f\x85\xfa\x0f\x00\x00", /* jne 0x1000 */ },
	{ M64, 2, "\xe3\x0e", /* jrcxz 0x10 */ },
	{ M64, 2, "\xe2\x0e", /* loop 0x10 */ },
	{ M64, 1, "\xc3", /* ret */ },
	{ M64, 3, "\xc2\x10\x00", /* ret $0x10 */ },
	{ M64, 1, "\xcb", /* lret */ },
	{ M64, 3, "\xca\x08\x00", /* lret $0x8 */ },
	{ M64, 4, "\xc8\x10\x00\x00", /* enter $0x10,$0x0 */ },
	{ M64, 1, "\xc9", /* leave */ },
	{ M64, 1, "\x50", /* push %rax */ },
	{ M64, 2, "\x41\x54", /* push %r12 */ },
	{ M64, 2, "\x6a\x12", /* push $0x12 */ },
	{ M64, 5, "\x68\x78\x56\x34\x12", /* push $0x12345678 */ },
	{ M64, 4, "\x66\x68\x34\x12", /* pushw $0x1234 */ },
	{ M64, 1, "\x5d", /* pop %rbp */ },
	{ M64, 2, "\x8f\x00", /* pop (%rax) */ },
	{ M64, 1, "\x9c", /* pushf */ },
	{ M64, 2, "\x04\x12", /* add $0x12,%al */ },
	{ M64, 5, "\x05\x78\x56\x34\x12", /* add $0x12345678,%eax */ },
	{ M64, 6, "\x48\x05\x78\x56\x34\x12", /* add $0x12345678,%rax */ },
	{ M64, 4, "\x66\x05\x34\x12", /* add $0x1234,%ax */ },
	{ M64, 3, "\x83\x00\x12", /* addl $0x12,(%rax) */ },
	{ M64, 9, "\x48\x81\x44\x24\x10\x78\x56\x34\x12", /* addq $0x12345678,0x10(%rsp) */ },
	{ M64, 5, "\x66\x81\x00\x34\x12", /* addw $0x1234,(%rax) */ },
	{ M64, 3, "\x48\x29\xc3", /* sub %rax,%rbx */ },
	{ M64, 2, "\x31\xc0", /* xor %eax,%eax */ },
	{ M64, 4, "\x48\x83\xe1\x7f", /* and $0x7f,%rcx */ },
	{ M64, 7, "\x80\x3d\x34\x12\x00\x00\x01", /* cmpb $0x1,0x1234(%rip) # 0x123b */ },
	{ M64, 3, "\xf6\x00\x80", /* testb $0x80,(%rax) */ },
	{ M64, 6, "\xf7\x00\x00\x10\x00\x00", /* testl $0x1000,(%rax) */ },
	{ M64, 6, "\x66\xf7\x40\x10\x00\x10", /* testw $0x1000,0x10(%rax) */ },
	{ M64, 7, "\x48\xf7\xc3\x00\x10\x00\x00", /* test $0x1000,%rbx */ },
	{ M64, 2, "\x85\xc0", /* test %eax,%eax */ },
	{ M64, 5, "\xa9\x78\x56\x34\x12", /* test $0x12345678,%eax */ },
	{ M64, 2, "\xf7\x10", /* notl (%rax) */ },
	{ M64, 3, "\x48\xf7\xd8", /* neg %rax */ },
	{ M64, 3, "\xf7\x60\x10", /* mull 0x10(%rax) */ },
	{ M64, 3, "\x48\xf7\x31", /* divq (%rcx) */ },
	{ M64, 7, "\x48\x69\xd8\x78\x56\x34\x12", /* imul $0x12345678,%rax,%rbx */ },
	{ M64, 4, "\x48\x6b\xd8\x12", /* imul $0x12,%rax,%rbx */ },
	{ M64, 3, "\x0f\xaf\x08", /* imul (%rax),%ecx */ },
	{ M64, 4, "\x48\xc1\xe0\x04", /* shl $0x4,%rax */ },
	{ M64, 4, "\xc1\x68\x10\x03", /* shrl $0x3,0x10(%rax) */ },
	{ M64, 2, "\xd3\xfa", /* sar %cl,%edx */ },
	{ M64, 2, "\xd1\xc0", /* rol %eax */ },
	{ M64, 5, "\x48\x0f\xa4\xc3\x04", /* shld $0x4,%rax,%rbx */ },
	{ M64, 4, "\x48\x0f\xad\xc3", /* shrd %cl,%rax,%rbx */ },
	{ M64, 5, "\x48\x0f\xba\xe0\x03", /* bt $0x3,%rax */ },
	{ M64, 4, "\x48\x0f\xab\x03", /* bts %rax,(%rbx) */ },
	{ M64, 2, "\x0f\xc8", /* bswap %eax */ },
	{ M64, 3, "\x49\x0f\xca", /* bswap %r10 */ },
	{ M64, 4, "\x48\x0f\x45\xd8", /* cmovne %rax,%rbx */ },
	{ M64, 3, "\x0f\x94\xc0", /* sete %al */ },
	{ M64, 2, "\x48\x93", /* xchg %rax,%rbx */ },
	{ M64, 5, "\xf0\x48\x0f\xb1\x0a", /* lock cmpxchg %rcx,(%rdx) */ },
	{ M64, 4, "\xf0\x0f\xc1\x02", /* lock xadd %eax,(%rdx) */ },
	{ M64, 3, "\xf0\xff\x00", /* lock incl (%rax) */ },
	{ M64, 4, "\x48\x0f\xc7\x0f", /* cmpxchg16b (%rdi) */ },
	{ M64, 1, "\x90", /* nop */ },
	{ M64, 5, "\x66\x0f\x1f\x04\x00", /* nopw (%rax,%rax,1) */ },
	{ M64, 3, "\x0f\x1f\x00", /* nopl (%rax) */ },
	{ M64, 2, "\xf3\x90", /* pause */ },
	{ M64, 3, "\x0f\xae\xf0", /* mfence */ },
	{ M64, 3, "\x0f\xae\xe8", /* lfence */ },
	{ M64, 3, "\x0f\xae\x38", /* clflush (%rax) */ },
	{ M64, 3, "\x0f\x18\x08", /* prefetcht0 (%rax) */ },
	{ M64, 3, "\x0f\xae\x27", /* xsave (%rdi) */ },
	{ M64, 3, "\x0f\xae\x0e", /* fxrstor (%rsi) */ },
	{ M64, 4, "\xdd\x44\x24\x08", /* fldl 0x8(%rsp) */ },
	{ M64, 2, "\xdd\xd9", /* fstp %st(1) */ },
	{ M64, 5, "\xf2\x0f\x38\xf0\xc0", /* crc32 %al,%eax */ },
	{ M64, 6, "\xf2\x48\x0f\x38\xf1\x00", /* crc32q (%rax),%rax */ },
	{ M64, 4, "\x0f\x38\xf0\x00", /* movbe (%rax),%eax */ },
	{ M64, 5, "\xf3\x48\x0f\xb8\xd8", /* popcnt %rax,%rbx */ },
	{ M64, 4, "\xf3\x0f\xbc\xc8", /* tzcnt %eax,%ecx */ },
	{ M64, 4, "\xf3\x0f\x1e\xfa", /* endbr64 */ },
	{ M64, 3, "\x0f\xc7\xf0", /* rdrand %eax */ },
	{ M64, 6, "\xc7\xf8\xfa\x00\x00\x00", /* xbegin 0x100 */ },
	{ M64, 3, "\xc6\xf8\x01", /* xabort $0x1 */ },
	{ M64, 2, "\x0f\x0b", /* ud2 */ },
	{ M64, 1, "\xfa", /* cli */ },
	{ M64, 1, "\xfb", /* sti */ },
	{ M64, 1, "\xfc", /* cld */ },
	{ M64, 1, "\x98", /* cwtl */ },
	{ M64, 2, "\x48\x99", /* cqto */ },
	{ M64, 1, "\xd7", /* xlat %ds:(%rbx) */ },
	{ M64, 4, "\x48\x63\x40\x10", /* movslq 0x10(%rax),%rax */ },
	{ M64, 4, "\x64\x48\x8b\x00", /* mov %fs:(%rax),%rax */ },
	{ M64, 9, "\x65\x48\x8b\x04\x25\x28\x00\x00\x00", /* mov %gs:0x28,%rax */ },
	{ M64, 9, "\x64\x48\x8b\x04\x25\x28\x00\x00\x00", /* mov %fs:0x28,%rax */ },
	{ M32, 2, "\x89\xc3", /* mov %eax,%ebx */ },
	{ M32, 3, "\x66\x89\xc3", /* mov %ax,%bx */ },
	{ M32, 2, "\x8b\x08", /* mov (%eax),%ecx */ },
	{ M32, 3, "\x8b\x55\x10", /* mov 0x10(%ebp),%edx */ },
	{ M32, 7, "\x8b\xb4\x98\x78\x56\x34\x12", /* mov 0x12345678(%eax,%ebx,4),%esi */ },
	{ M32, 7, "\x8b\x14\xcd\x00\x00\x00\x00", /* mov 0x0(,%ecx,8),%edx */ },
	{ M32, 5, "\xa1\x78\x56\x34\x12", /* mov 0x12345678,%eax */ },
	{ M32, 6, "\x8b\x1d\x78\x56\x34\x12", /* mov 0x12345678,%ebx */ },
	{ M32, 5, "\xa2\x78\x56\x34\x12", /* mov %al,0x12345678 */ },
	{ M32, 4, "\x67\xa1\x34\x12", /* addr16 mov 0x1234,%eax */ },
	{ M32, 3, "\x67\x8b\x00", /* mov (%bx,%si),%eax */ },
	{ M32, 4, "\x67\x8b\x43\x12", /* mov 0x12(%bp,%di),%eax */ },
	{ M32, 6, "\x67\x66\x8b\x87\x34\x12", /* mov 0x1234(%bx),%ax */ },
	{ M32, 6, "\xc7\x00\x78\x56\x34\x12", /* movl $0x12345678,(%eax) */ },
	{ M32, 5, "\x66\xc7\x00\x34\x12", /* movw $0x1234,(%eax) */ },
	{ M32, 5, "\xb8\x78\x56\x34\x12", /* mov $0x12345678,%eax */ },
	{ M32, 4, "\x66\xb8\x34\x12", /* mov $0x1234,%ax */ },
	{ M32, 3, "\x0f\x20\xc0", /* mov %cr0,%eax */ },
	{ M32, 3, "\x0f\x22\xe0", /* mov %eax,%cr4 */ },
	{ M32, 3, "\x66\x8c\xd8", /* mov %ds,%ax */ },
	{ M32, 4, "\x8d\x7c\x24\x08", /* lea 0x8(%esp),%edi */ },
	{ M32, 2, "\xe4\x71", /* in $0x71,%al */ },
	{ M32, 1, "\xee", /* out %al,(%dx) */ },
	{ M32, 2, "\x0f\xa2", /* cpuid */ },
	{ M32, 2, "\x0f\x32", /* rdmsr */ },
	{ M32, 2, "\x0f\x30", /* wrmsr */ },
	{ M32, 1, "\xf4", /* hlt */ },
	{ M32, 1, "\xcc", /* int3 */ },
	{ M32, 2, "\xcd\x10", /* int $0x10 */ },
	{ M32, 1, "\xce", /* into */ },
	{ M32, 1, "\xcf", /* iret */ },
	{ M32, 3, "\x0f\x01\xd8", /* vmrun */ },
	{ M32, 4, "\xf3\x0f\xc7\x30", /* vmxon (%eax) */ },
	{ M32, 4, "\x0f\xc7\x73\x10", /* vmptrld 0x10(%ebx) */ },
	{ M32, 3, "\x0f\x78\xc3", /* vmread %eax,%ebx */ },
	{ M32, 2, "\xf3\xa4", /* rep movsb %ds:(%esi),%es:(%edi) */ },
	{ M32, 2, "\xf3\xa5", /* rep movsl %ds:(%esi),%es:(%edi) */ },
	{ M32, 3, "\x66\xf3\xa5", /* rep movsw %ds:(%esi),%es:(%edi) */ },
	{ M32, 2, "\xf2\xa6", /* repnz cmpsb %es:(%edi),%ds:(%esi) */ },
	{ M32, 2, "\xf3\xaa", /* rep stos %al,%es:(%edi) */ },
	{ M32, 3, "\x0f\x10\x00", /* movups (%eax),%xmm0 */ },
	{ M32, 4, "\xc5\xfd\x6f\xc8", /* vmovdqa %ymm0,%ymm1 */ },
	{ M32, 4, "\xc5\xfe\x6f\x10", /* vmovdqu (%eax),%ymm2 */ },
	{ M32, 4, "\xc5\xe9\xfe\xd9", /* vpaddd %xmm1,%xmm2,%xmm3 */ },
	{ M32, 6, "\x62\xf1\xfd\x48\x6f\xc8", /* vmovdqa64 %zmm0,%zmm1 */ },
	{ M32, 2, "\xeb\x0e", /* jmp 0x10 */ },
	{ M32, 5, "\xe9\xfb\x0f\x00\x00", /* jmp 0x1000 */ },
	{ M32, 2, "\xff\xe0", /* jmp *%eax */ },
	{ M32, 3, "\xff\x60\x10", /* jmp *0x10(%eax) */ },
	{ M32, 7, "\xea\x78\x56\x34\x12\x08\x00", /* ljmp $0x8,$0x12345678 */ },
	{ M32, 6, "\x66\xea\x34\x12\x08\x00", /* ljmpw $0x8,$0x1234 */ },
	{ M32, 5, "\xe8\xfb\x0f\x00\x00", /* call 0x1000 */ },
	{ M32, 7, "\x9a\x00\x10\x00\x00\x10\x00", /* lcall $0x10,$0x1000 */ },
	{ M32, 6, "\x0f\x84\xfa\x0f\x00\x00", /* je 0x1000 */ },
	{ M32, 2, "\xe3\x0e", /* jecxz 0x10 */ },
	{ M32, 3, "\xc2\x04\x00", /* ret $0x4 */ },
	{ M32, 3, "\xca\x04\x00", /* lret $0x4 */ },
	{ M32, 4, "\xc8\x20\x00\x01", /* enter $0x20,$0x1 */ },
	{ M32, 1, "\xc9", /* leave */ },
	{ M32, 2, "\x6a\x12", /* push $0x12 */ },
	{ M32, 5, "\x68\x78\x56\x34\x12", /* push $0x12345678 */ },
	{ M32, 4, "\x66\x68\x34\x12", /* pushw $0x1234 */ },
	{ M32, 1, "\x06", /* push %es */ },
	{ M32, 1, "\x1f", /* pop %ds */ },
	{ M32, 1, "\x60", /* pusha */ },
	{ M32, 1, "\x61", /* popa */ },
	{ M32, 1, "\x40", /* inc %eax */ },
	{ M32, 1, "\x49", /* dec %ecx */ },
	{ M32, 1, "\x27", /* daa */ },
	{ M32, 1, "\x3f", /* aas */ },
	{ M32, 2, "\xd4\x0a", /* aam $0xa */ },
	{ M32, 2, "\xd5\x0a", /* aad $0xa */ },
	{ M32, 2, "\x62\x01", /* bound %eax,(%ecx) */ },
	{ M32, 2, "\xc4\x18", /* les (%eax),%ebx */ },
	{ M32, 3, "\xc5\x70\x10", /* lds 0x10(%eax),%esi */ },
	{ M32, 2, "\x63\x03", /* arpl %ax,(%ebx) */ },
	{ M32, 5, "\x05\x78\x56\x34\x12", /* add $0x12345678,%eax */ },
	{ M32, 5, "\x66\x81\x00\x34\x12", /* addw $0x1234,(%eax) */ },
	{ M32, 6, "\xf7\x00\x00\x10\x00\x00", /* testl $0x1000,(%eax) */ },
	{ M32, 3, "\xf6\x00\x01", /* testb $0x1,(%eax) */ },
	{ M32, 5, "\x66\x69\xd8\x34\x12", /* imul $0x1234,%ax,%bx */ },
	{ M32, 3, "\xc1\xe0\x02", /* shl $0x2,%eax */ },
	{ M32, 3, "\x0f\x01\x10", /* lgdtl (%eax) */ },
	{ M32, 4, "\x0f\x01\x50\x10", /* lgdtl 0x10(%eax) */ },
	{ M32, 2, "\xff\x28", /* ljmp *(%eax) */ },
	{ M32, 3, "\x0f\x23\xf8", /* mov %eax,%db7 */ },
	{ M32, 2, "\x0f\x34", /* sysenter */ },
	{ M32, 4, "\xf0\x0f\xc7\x0e", /* lock cmpxchg8b (%esi) */ },
	{ M32, 3, "\x64\x8b\x00", /* mov %fs:(%eax),%eax */ },
	{ M32, 1, "\x91", /* xchg %eax,%ecx */ },
	{ M16, 2, "\x89\xc3", /* mov %ax,%bx */ },
	{ M16, 3, "\x66\x89\xc3", /* mov %eax,%ebx */ },
	{ M16, 2, "\x8b\x07", /* mov (%bx),%ax */ },
	{ M16, 2, "\x8b\x08", /* mov (%bx,%si),%cx */ },
	{ M16, 2, "\x8b\x13", /* mov (%bp,%di),%dx */ },
	{ M16, 3, "\x8b\x46\x12", /* mov 0x12(%bp),%ax */ },
	{ M16, 4, "\x8b\x84\x34\x12", /* mov 0x1234(%si),%ax */ },
	{ M16, 3, "\xa1\x34\x12", /* mov 0x1234,%ax */ },
	{ M16, 3, "\xa2\x34\x12", /* mov %al,0x1234 */ },
	{ M16, 7, "\x67\x8b\x80\x78\x56\x34\x12", /* mov 0x12345678(%eax),%ax */ },
	{ M16, 5, "\x67\x66\x8b\x0c\x98", /* mov (%eax,%ebx,4),%ecx */ },
	{ M16, 4, "\xc7\x07\x34\x12", /* movw $0x1234,(%bx) */ },
	{ M16, 7, "\x66\xc7\x07\x78\x56\x34\x12", /* movl $0x12345678,(%bx) */ },
	{ M16, 6, "\xc7\x85\x34\x12\x34\x12", /* movw $0x1234,0x1234(%di) */ },
	{ M16, 3, "\xb8\x34\x12", /* mov $0x1234,%ax */ },
	{ M16, 6, "\x66\xb8\x78\x56\x34\x12", /* mov $0x12345678,%eax */ },
	{ M16, 2, "\xb0\x12", /* mov $0x12,%al */ },
	{ M16, 3, "\x0f\x20\xc0", /* mov %cr0,%eax */ },
	{ M16, 3, "\x0f\x22\xc0", /* mov %eax,%cr0 */ },
	{ M16, 2, "\x8e\xd8", /* mov %ax,%ds */ },
	{ M16, 3, "\x8d\x78\x10", /* lea 0x10(%bx,%si),%di */ },
	{ M16, 2, "\xe4\x60", /* in $0x60,%al */ },
	{ M16, 2, "\xe6\x80", /* out %al,$0x80 */ },
	{ M16, 1, "\xed", /* in (%dx),%ax */ },
	{ M16, 2, "\x0f\xa2", /* cpuid */ },
	{ M16, 2, "\x0f\x32", /* rdmsr */ },
	{ M16, 1, "\xf4", /* hlt */ },
	{ M16, 1, "\xcc", /* int3 */ },
	{ M16, 2, "\xcd\x13", /* int $0x13 */ },
	{ M16, 1, "\xce", /* into */ },
	{ M16, 1, "\xcf", /* iret */ },
	{ M16, 2, "\xf3\xa4", /* rep movsb %ds:(%si),%es:(%di) */ },
	{ M16, 2, "\xf3\xa5", /* rep movsw %ds:(%si),%es:(%di) */ },
	{ M16, 3, "\x66\xf3\xa5", /* rep movsl %ds:(%si),%es:(%di) */ },
	{ M16, 2, "\xf3\xab", /* rep stos %ax,%es:(%di) */ },
	{ M16, 2, "\xeb\x0e", /* jmp 0x10 */ },
	{ M16, 3, "\xe9\xfd\x0f", /* jmp 0x1000 */ },
	{ M16, 2, "\xff\xe0", /* jmp *%ax */ },
	{ M16, 3, "\xff\x67\x10", /* jmp *0x10(%bx) */ },
	{ M16, 5, "\xea\xf0\xff\x00\xf0", /* ljmp $0xf000,$0xfff0 */ },
	{ M16, 8, "\x66\xea\x78\x56\x34\x12\x08\x00", /* ljmpl $0x8,$0x12345678 */ },
	{ M16, 3, "\xe8\xfd\x00", /* call 0x100 */ },
	{ M16, 5, "\x9a\x20\x00\x00\x10", /* lcall $0x1000,$0x20 */ },
	{ M16, 4, "\x0f\x84\xfc\x0f", /* je 0x1000 */ },
	{ M16, 2, "\xe3\x0e", /* jcxz 0x10 */ },
	{ M16, 1, "\xc3", /* ret */ },
	{ M16, 3, "\xc2\x02\x00", /* ret $0x2 */ },
	{ M16, 3, "\xca\x02\x00", /* lret $0x2 */ },
	{ M16, 4, "\xc8\x10\x00\x00", /* enter $0x10,$0x0 */ },
	{ M16, 1, "\xc9", /* leave */ },
	{ M16, 2, "\x6a\x12", /* push $0x12 */ },
	{ M16, 3, "\x68\x34\x12", /* push $0x1234 */ },
	{ M16, 6, "\x66\x68\x78\x56\x34\x12", /* pushl $0x12345678 */ },
	{ M16, 1, "\x0e", /* push %cs */ },
	{ M16, 3, "\x05\x34\x12", /* add $0x1234,%ax */ },
	{ M16, 6, "\x66\x05\x78\x56\x34\x12", /* add $0x12345678,%eax */ },
	{ M16, 4, "\x81\x07\x34\x12", /* addw $0x1234,(%bx) */ },
	{ M16, 8, "\x66\x81\x44\x10\x78\x56\x34\x12", /* addl $0x12345678,0x10(%si) */ },
	{ M16, 4, "\xf7\x07\x00\x80", /* testw $0x8000,(%bx) */ },
	{ M16, 7, "\x66\xf7\x07\x00\x80\x00\x00", /* testl $0x8000,(%bx) */ },
	{ M16, 3, "\x0f\x01\x17", /* lgdtw (%bx) */ },
	{ M16, 6, "\x66\x0f\x01\x16\x34\x12", /* lgdtl 0x1234 */ },
	{ M16, 3, "\x0f\x01\x1c", /* lidtw (%si) */ },
	{ M16, 3, "\x0f\x01\xf0", /* lmsw %ax */ },
	{ M16, 4, "\xf3\x0f\xc7\x37", /* vmxon (%bx) */ },
	{ M16, 3, "\x0f\x01\xd8", /* vmrun */ },
	{ M16, 3, "\x0f\x10\x07", /* movups (%bx),%xmm0 */ },
	{ M16, 1, "\xfa", /* cli */ },
	{ M16, 1, "\xfb", /* sti */ },
	{ M16, 3, "\x0f\xb2\x27", /* lss (%bx),%sp */ },
	{ M64, 3, "\x0f\x20\x00", /* mov %cr0,%rax */ },
	{ M64, 3, "\x0f\x22\x98", /* mov %rax,%cr3 */ },
	{ M64, 3, "\x48\x66\x90", /* REX then 66: REX ignored, one insn (SDM 2.2.1); objdump shows rex.W apart */ },
	{ M64, 11, "\x66\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", /* data16 movabs $0x807060504030201,%rax */ },
	{ M64, 4, "\x66\xb8\x34\x12", /* mov $0x1234,%ax */ },
	{ M64, 3, "\x41\xb0\x12", /* mov $0x12,%r8b */ },
	{ M64, 6, "\x67\xa0\x01\x02\x03\x04", /* addr32 mov 0x4030201,%al */ },
	{ M64, 9, "\xa1\x01\x02\x03\x04\x05\x06\x07\x08", /* movabs 0x807060504030201,%eax */ },
	{ M64, 4, "\xf3\x0f\xc7\x30", /* vmxon (%rax) */ },
	{ M64, 4, "\x66\x0f\xc7\x30", /* vmclear (%rax) */ },
	{ M64, 3, "\x0f\xc7\x30", /* vmptrld (%rax) */ },
	{ M64, 6, "\x8f\xe8\x78\xc2\xc1\x05", /* vprotd $0x5,%xmm1,%xmm0 */ },
	{ M64, 5, "\x8f\xe9\x78\x80\xc1", /* vfrczps %xmm1,%xmm0 */ },
	{ M64, 9, "\x8f\xea\x78\x10\xc0\x01\x02\x03\x04", /* bextr $0x4030201,%eax,%eax */ },
	{ M64, 2, "\x8f\xc0", /* pop %rax */ },
	{ M64, 4, "\x0f\x0f\xc1\x9e", /* pfadd %mm1,%mm0 */ },
	{ M64, 9, "\x2e\x3e\x64\x65\x26\x36\xf0\xff\x00", /* cs ds fs gs es lock incl %gs:(%rax) */ },
	{ M64, 6, "\xc4\xe2\x7d\x18\x04\x24", /* vbroadcastss (%rsp),%ymm0 */ },
	{ M64, 8, "\x62\xf1\x7c\x48\x10\x44\x24\x01", /* vmovups 0x40(%rsp),%zmm0 */ },
	{ M64, 8, "\x62\xf3\x7d\x48\x0f\x40\x02\x12", /* vpalignr $0x12,0x80(%rax),%zmm0,%zmm0 */ },
	{ M64, 11, "\xc7\x84\x24\x01\x02\x03\x04\x05\x06\x07\x08", /* movl $0x8070605,0x4030201(%rsp) */ },
	{ M32, 2, "\xc4\x00", /* les (%eax),%eax */ },
	{ M32, 3, "\xc5\x40\x10", /* lds 0x10(%eax),%eax */ },
	{ M32, 2, "\x62\x01", /* bound %eax,(%ecx) */ },
	{ M32, 3, "\x0f\x21\x40", /* mov %db0,%eax */ },
	{ M32, 1, "\xd6", /* salc (undocumented, objdump: (bad)) */ },
	{ M32, 7, "\x66\x67\xc7\x47\x10\x34\x12", /* movw $0x1234,0x10(%bx) */ },
	{ M32, 6, "\x66\xa1\x78\x56\x34\x12", /* mov 0x12345678,%ax */ },
	{ M16, 9, "\x66\x67\x8b\x84\x98\x01\x02\x03\x04", /* mov 0x4030201(%eax,%ebx,4),%eax */ },
	{ M16, 6, "\x67\xa1\x01\x02\x03\x04", /* addr32 mov 0x4030201,%ax */ },
	{ M16, 3, "\xa1\x01\x02", /* mov 0x201,%ax */ },
	{ M16, 6, "\xc7\x06\x34\x12\x78\x56", /* movw $0x5678,0x1234 */ },
	{ M16, 8, "\x66\xea\x01\x02\x03\x04\x05\x06", /* ljmpl $0x605,$0x4030201 */ },
	{ M16, 5, "\x9a\x01\x02\x03\x04", /* lcall $0x403,$0x201 */ },
};

static const char *mode_name(enum insn_mode m)
{
	return m == M16 ? "16" : m == M32 ? "32" : "64";
}

/* Every encoding decodes to its length, whatever bytes follow it. */
static void test_table_lengths(void **state)
{
	(void)state;
	int counts[3] = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(encs); i++) {
		const struct enc *e = &encs[i];
		u8 buf[32];
		memset(buf, 0x0f, sizeof(buf));
		memcpy(buf, e->bytes, (size_t)e->len);
		int r = insn_len(buf, sizeof(buf), e->mode);
		if (r != e->len)
			fail_msg("entry %zu (%s-bit, first byte %02x): got %d, want %d", i,
				 mode_name(e->mode), buf[0], r, e->len);
		memset(buf + e->len, 0x66, sizeof(buf) - (size_t)e->len);
		assert_int_equal(insn_len(buf, (size_t)e->len, e->mode), e->len);
		counts[e->mode]++;
	}
	assert_true(counts[M16] >= 40 && counts[M32] >= 60 && counts[M64] >= 150);
}

/* One byte short of any encoding is E_RANGE, never a read past avail. */
static void test_table_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(encs); i++) {
		const struct enc *e = &encs[i];
		for (int n = 0; n < e->len; n++) {
			u8 *buf = test_malloc((size_t)n + 1);   /* ASan catches overreads */
			memcpy(buf, e->bytes, (size_t)n);
			int r = insn_len(buf, (size_t)n, e->mode);
			test_free(buf);
			if (r != E_RANGE)
				fail_msg("entry %zu cut to %d bytes: got %d", i, n, r);
		}
	}
}

/* 14 prefixes + a 1-byte opcode is the longest legal form; one more
 * prefix, or a long instruction behind many prefixes, is E_INVAL. */
static void test_fifteen_byte_limit(void **state)
{
	(void)state;
	u8 buf[32];
	memset(buf, 0x66, sizeof(buf));
	buf[14] = 0x90;
	assert_int_equal(insn_len(buf, sizeof(buf), M64), 15);
	buf[14] = 0x66;
	buf[15] = 0x90;
	assert_int_equal(insn_len(buf, sizeof(buf), M64), E_INVAL);
	/* 8 prefixes + 81 84 24 disp32 imm32 (3 + 8 bytes) = 19 bytes. */
	static const u8 tail[] = { 0x81, 0x84, 0x24, 1, 2, 3, 4, 5, 6, 7, 8 };
	memset(buf, 0x2e, 8);
	memcpy(buf + 8, tail, sizeof(tail));
	assert_int_equal(insn_len(buf, sizeof(buf), M32), E_INVAL);
	assert_int_equal(insn_len(buf, 12, M32), E_RANGE);   /* not known too long yet */
	assert_int_equal(insn_len(buf + 4, sizeof(buf) - 4, M32), 15);
}

struct bad {
	enum insn_mode mode;
	int want;
	size_t n;
	u8 b[8];
};

/* Undefined opcodes, i64 opcodes in 64-bit mode, illegal VEX/EVEX prefixing. */
static void test_invalid(void **state)
{
	(void)state;
	static const struct bad bads[] = {
		{ M64, E_INVAL, 1, { 0x06 } },                 /* push es */
		{ M64, E_INVAL, 1, { 0x27 } },                 /* daa */
		{ M64, E_INVAL, 1, { 0x60 } },                 /* pusha */
		{ M64, E_INVAL, 1, { 0xce } },                 /* into */
		{ M64, E_INVAL, 2, { 0xd4, 0x0a } },           /* aam */
		{ M64, E_INVAL, 7, { 0x9a, 1, 2, 3, 4, 5, 6 } },
		{ M64, E_INVAL, 7, { 0xea, 1, 2, 3, 4, 5, 6 } },
		{ M64, E_INVAL, 3, { 0x82, 0xc0, 1 } },
		{ M32, E_INVAL, 2, { 0x0f, 0x04 } },
		{ M32, E_INVAL, 3, { 0x0f, 0x24, 0xc0 } },     /* mov tr */
		{ M32, E_INVAL, 3, { 0x0f, 0xa6, 0xc0 } },
		{ M16, E_INVAL, 2, { 0x0f, 0x39 } },
		{ M64, E_INVAL, 5, { 0x66, 0xc5, 0xf8, 0x28, 0xc1 } },      /* 66 before VEX */
		{ M64, E_INVAL, 5, { 0x48, 0xc5, 0xf8, 0x28, 0xc1 } },      /* REX before VEX */
		{ M64, E_INVAL, 6, { 0xf0, 0xc4, 0xe1, 0x78, 0x28, 0xc1 } },
		{ M64, E_INVAL, 5, { 0xc4, 0xe0, 0x78, 0x28, 0xc1 } },      /* VEX map 0 */
		{ M64, E_INVAL, 5, { 0xc5, 0xf8, 0x38, 0x00, 0xc1 } },      /* VEX 0F 38 as opcode */
		{ M64, E_NOTSUP, 6, { 0x62, 0xf4, 0x7c, 0x48, 0x10, 0xc1 } }, /* EVEX map 4 (APX) */
		{ M64, E_NOTSUP, 6, { 0x62, 0xf7, 0x7c, 0x48, 0x10, 0xc1 } }, /* EVEX map 7 */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		int r = insn_len(bads[i].b, bads[i].n, bads[i].mode);
		if (r != bads[i].want)
			fail_msg("bad case %zu: got %d, want %d", i, r, bads[i].want);
	}
}

/* 64-bit near branches take rel32 whatever the operand-size prefix (Intel
 * behaviour, SDM Vol. 2 CALL/JMP; objdump -M intel64 agrees). */
static void test_branch_opsize_64(void **state)
{
	(void)state;
	static const u8 call16[] = { 0x66, 0xe8, 1, 2, 3, 4 };
	static const u8 jcc16[] = { 0x66, 0x0f, 0x84, 1, 2, 3, 4 };
	assert_int_equal(insn_len(call16, sizeof(call16), M64), 6);
	assert_int_equal(insn_len(jcc16, sizeof(jcc16), M64), 7);
	assert_int_equal(insn_len(call16, sizeof(call16), M32), 4);
	assert_int_equal(insn_len(jcc16, sizeof(jcc16), M32), 5);
}

/* Empty input and a lone prefix ask for more bytes. */
static void test_empty(void **state)
{
	(void)state;
	static const u8 b[] = { 0x66, 0x0f, 0x38 };
	assert_int_equal(insn_len(b, 0, M64), E_RANGE);
	assert_int_equal(insn_len(b, 1, M64), E_RANGE);
	assert_int_equal(insn_len(b, 3, M64), E_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_lengths),
		cmocka_unit_test(test_table_truncated),
		cmocka_unit_test(test_fifteen_byte_limit),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_branch_opsize_64),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests_name("insn_len", tests, NULL, NULL);
}
