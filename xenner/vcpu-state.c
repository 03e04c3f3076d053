// SPDX-License-Identifier: MIT
/*
 * A vCPU's KVM state for save and restore, in the order KVM wants it
 * back (as QEMU does): special registers before the LAPIC, the LAPIC
 * before the MSRs (a TSC deadline is ignored unless the LAPIC timer is
 * in deadline mode), the TSC before the deadline.  Only the MSRs this
 * KVM can read are kept; each is probed on its own.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "save.h"
#include "xenner/log.h"

static const uint32_t msr_list[] = {
	0x10,	    /* TSC: first, the deadline is relative to it */
	0x174,	    /* SYSENTER_CS */
	0x175,	    /* SYSENTER_ESP */
	0x176,	    /* SYSENTER_EIP */
	0x277,	    /* PAT */
	0x1a0,	    /* MISC_ENABLE */
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SYSCALL_MASK */
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000103, /* TSC_AUX */
	0x4b564d01, /* KVM_SYSTEM_TIME_NEW: kvmclock */
	0x6e0,	    /* TSC_DEADLINE: after TSC and the LAPIC */
};
_Static_assert(sizeof(msr_list) / sizeof(msr_list[0]) <= SAVE_MAX_MSRS,
	       "SAVE_MAX_MSRS");

struct msrs1 {
	struct kvm_msrs m;
	struct kvm_msr_entry e[SAVE_MAX_MSRS];
};

#define GET(req, p, what)                                                      \
	do {                                                                   \
		if (ioctl(v->fd, req, p) < 0) {                                \
			log_err("vcpu%u: cannot read its %s: %s", v->id, what, \
				strerror(errno));                              \
			return -errno;                                         \
		}                                                              \
	} while (0)

int vcpu_state_get(struct vcpu *v, struct save_vcpu *s)
{
	struct msrs1 m;

	memset(s, 0, sizeof(*s));
	s->id = v->id;
	GET(KVM_GET_REGS, &s->regs, "registers");
	GET(KVM_GET_SREGS, &s->sregs, "special registers");
	GET(KVM_GET_FPU, &s->fpu, "FPU state");
	s->has_xsave = ioctl(v->fd, KVM_GET_XSAVE, &s->xsave) == 0;
	if (s->has_xsave)
		GET(KVM_GET_XCRS, &s->xcrs, "XCRs");
	GET(KVM_GET_LAPIC, &s->lapic, "LAPIC");
	GET(KVM_GET_VCPU_EVENTS, &s->events, "pending events");
	GET(KVM_GET_MP_STATE, &s->mp, "MP state");
	for (unsigned i = 0; i < sizeof(msr_list) / sizeof(msr_list[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.m.nmsrs = 1;
		m.e[0].index = msr_list[i];
		if (ioctl(v->fd, KVM_GET_MSRS, &m) == 1)
			s->msrs[s->nr_msrs++] = m.e[0];
	}
	return 0;
}

#define SET(req, p, what)                                                      \
	do {                                                                   \
		if (ioctl(v->fd, req, p) < 0) {                                \
			log_err("vcpu%u: cannot load its saved %s: %s", v->id, \
				what, strerror(errno));                        \
			return -errno;                                         \
		}                                                              \
	} while (0)

int vcpu_state_set(struct vcpu *v, const struct save_vcpu *s)
{
	struct msrs1 m = {.m.nmsrs = s->nr_msrs};
	int n;

	if (s->nr_msrs > SAVE_MAX_MSRS)
		return -EINVAL;
	SET(KVM_SET_SREGS, &s->sregs, "special registers");
	SET(KVM_SET_REGS, &s->regs, "registers");
	if (s->has_xsave) {
		SET(KVM_SET_XSAVE, &s->xsave, "XSAVE state");
		SET(KVM_SET_XCRS, &s->xcrs, "XCRs");
	} else {
		SET(KVM_SET_FPU, &s->fpu, "FPU state");
	}
	SET(KVM_SET_LAPIC, &s->lapic, "LAPIC");
	memcpy(m.e, s->msrs, s->nr_msrs * sizeof(m.e[0]));
	n = ioctl(v->fd, KVM_SET_MSRS, &m);
	if (n != (int)s->nr_msrs) {
		log_err("vcpu%u: KVM took %d of its %u saved MSRs (stopped at "
			"%#x)",
			v->id, n, s->nr_msrs,
			n >= 0 && n < (int)s->nr_msrs ? s->msrs[n].index : 0);
		return -EINVAL;
	}
	SET(KVM_SET_VCPU_EVENTS, &s->events, "pending events");
	SET(KVM_SET_MP_STATE, &s->mp, "MP state");
	return 0;
}

int vcpu_state_settle(struct vcpu *v)
{
	int rc;

	/* KVM completes the I/O first, then sees immediate_exit */
	v->run->immediate_exit = 1;
	rc = ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	if (rc < 0 && errno != EINTR) {
		log_err("vcpu%u: cannot finish its last exit: %s", v->id,
			strerror(errno));
		return -errno;
	}
	return 0;
}
