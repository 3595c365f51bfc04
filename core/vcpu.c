/* Choosing the vendor half of the vCPU interface at boot. */
#include "core/vcpu.h"
#include "core/cpufeat.h"
#include "core/guest_gprs_asm.h"
#include "core/log.h"

const struct vcpu_ops *vcpu_ops;

#define GPRS_CHECK(f, off) \
	_Static_assert(offsetof(struct guest_gprs, f) == (off), "guest_gprs." #f)
GPRS_CHECK(rax, G_RAX); GPRS_CHECK(rbx, G_RBX); GPRS_CHECK(rcx, G_RCX);
GPRS_CHECK(rdx, G_RDX); GPRS_CHECK(rsi, G_RSI); GPRS_CHECK(rdi, G_RDI);
GPRS_CHECK(rbp, G_RBP); GPRS_CHECK(r8, G_R8); GPRS_CHECK(r9, G_R9);
GPRS_CHECK(r10, G_R10); GPRS_CHECK(r11, G_R11); GPRS_CHECK(r12, G_R12);
GPRS_CHECK(r13, G_R13); GPRS_CHECK(r14, G_R14); GPRS_CHECK(r15, G_R15);

int vcpu_select(void)
{
	const struct cpufeat *cf = cpufeat();
	const struct vcpu_ops *ops = NULL;

	if (cf->vmx.usable)
		ops = &vmx_ops;
	else if (cf->svm.usable)
		ops = &svm_ops;
	if (!ops) {
		pr_err("no usable VMX or SVM on this CPU: guests cannot run");
		return E_NOTSUP;
	}
	int rc = ops->cpu_enable();
	if (rc < 0) {
		pr_err("%s: could not be enabled (%d): guests cannot run", ops->name, rc);
		return rc;
	}
	vcpu_ops = ops;
	pr_info("vcpu: using %s", ops->name);
	return 0;
}
