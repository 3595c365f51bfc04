/* Choosing the vendor half of the vCPU interface at boot. */
#include "core/vcpu.h"
#include "core/cpufeat.h"
#include "core/log.h"

const struct vcpu_ops *vcpu_ops;

/* Weak while the vendor halves are being written in parallel; both are
 * linked into every image once they exist. */
extern const struct vcpu_ops vmx_ops __attribute__((weak));
extern const struct vcpu_ops svm_ops __attribute__((weak));

int vcpu_select(void)
{
	const struct cpufeat *cf = cpufeat();
	const struct vcpu_ops *ops = NULL;

	if (cf->vmx.usable && &vmx_ops)
		ops = &vmx_ops;
	else if (cf->svm.usable && &svm_ops)
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
