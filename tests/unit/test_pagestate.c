/* Unit tests of the page-state encoding in EPT and NPT leaves
 * (mm/pagestate.c): round trips up to the largest slot and frame numbers,
 * that no software entry is ever present to the hardware, the transition
 * table, and the races the pager must survive, replayed step by step. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "mm/pagestate.h"
#include "mm/pt.h"
#include "fakemem.h"

#define EPT_RWX 0x7ull
#define EPT_UX BIT(10)     /* execute for user pages with mode-based exec control */
#define X86_P BIT(0)

static const struct pt_format *const fmts[] = { &pt_fmt_ept, &pt_fmt_npt };

/* Not present for the hardware: EPT bits 2:0 and 10 clear (SDM Vol. 3C
 * 29.3.2), x86/NPT P clear (APM Vol. 2 15.25.5 uses the 5.3 format). */
static void assert_not_present(const struct pt_format *f, u64 e)
{
	if (f == &pt_fmt_ept)
		assert_int_equal(e & (EPT_RWX | EPT_UX), 0);
	else
		assert_int_equal(e & X86_P, 0);
	assert_int_equal(e & f->present, 0);
	assert_true(pt_is_swap_entry(f, e));
}

static void test_swapped_round_trip(void **state)
{
	(void)state;
	static const u64 slots[] = { 0, 1, 2, 0x12345678, 1ull << 37, PAGESTATE_SLOT_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		for (size_t k = 0; k < ARRAY_SIZE(slots); k++) {
			u64 e = pagestate_make_swapped(fmts[i], slots[k]);
			assert_not_present(fmts[i], e);
			/* A swapped leaf is the engine's plain swap entry. */
			assert_int_equal(e, pt_make_swap_entry(fmts[i], slots[k]));
			struct pagestate_info in = pagestate_decode(fmts[i], e);
			assert_int_equal(in.state, PAGESTATE_SWAPPED);
			assert_int_equal(in.slot, slots[k]);
		}
	}
}

static void test_frame_states_round_trip(void **state)
{
	(void)state;
	static const u64 frames[] = { 0, 1, 0x1000, 0xabcdef, PAGESTATE_FRAME_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		for (size_t k = 0; k < ARRAY_SIZE(frames); k++) {
			hfn_t fr = { frames[k] };
			u64 wb = pagestate_make_writeback(fmts[i], fr);
			u64 si = pagestate_make_swapin(fmts[i], fr);
			assert_not_present(fmts[i], wb);
			assert_not_present(fmts[i], si);
			assert_int_not_equal(wb, si);
			struct pagestate_info a = pagestate_decode(fmts[i], wb);
			struct pagestate_info b = pagestate_decode(fmts[i], si);
			assert_int_equal(a.state, PAGESTATE_WRITEBACK);
			assert_int_equal(b.state, PAGESTATE_SWAPIN);
			assert_int_equal(a.frame.v, frames[k]);
			assert_int_equal(b.frame.v, frames[k]);
			/* Never confused with the swapped entry of the same number. */
			assert_int_not_equal(wb, pagestate_make_swapped(fmts[i], frames[k]));
		}
	}
}

static void test_present_and_zero(void **state)
{
	(void)state;
	void *m = fakemem_with_frames();
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct pt t;
		assert_int_equal(pt_create(&t, fmts[i], 1), 0);
		assert_int_equal(pagestate_decode(fmts[i], 0).state, PAGESTATE_NOT_PRESENT);
		u64 leaf = pt_make_leaf(&t, hpa(0x7654000), 1, PT_R | PT_W | PT_X);
		struct pagestate_info in = pagestate_decode(fmts[i], leaf);
		assert_int_equal(in.state, PAGESTATE_RESIDENT);
		assert_int_equal(in.frame.v, 0x7654);
		/* Read-only and A/D-carrying leaves are resident too. */
		leaf = pt_make_leaf(&t, hpa(0x1000), 1, PT_R) | fmts[i]->a_bit | fmts[i]->d_bit;
		assert_int_equal(pagestate_decode(fmts[i], leaf).state, PAGESTATE_RESIDENT);
		pt_destroy(&t);
	}
	fakemem_destroy(m);
}

static void test_invalid_entries(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		const struct pt_format *f = fmts[i];
		u64 bad[] = {
			pt_make_swap_entry(f, 3ull << PAGESTATE_TAG_SHIFT),        /* tag 3 */
			pt_make_swap_entry(f, (1ull << PAGESTATE_TAG_SHIFT) |
						  (PAGESTATE_FRAME_MAX + 1)),        /* frame too big */
			pt_make_swap_entry(f, 5) | BIT(52),                        /* stray bit */
			pt_make_swap_entry(f, 5) | BIT(10),                        /* EPT UX */
			0x5000,                                                    /* no marker */
		};
		for (size_t k = 0; k < ARRAY_SIZE(bad); k++)
			assert_int_equal(pagestate_decode(f, bad[k]).state, PAGESTATE_INVALID);
	}
}

static void make_big_slot(void *arg)
{
	(void)arg;
	pagestate_make_swapped(&pt_fmt_ept, PAGESTATE_SLOT_MAX + 1);
}

static void make_big_frame(void *arg)
{
	(void)arg;
	pagestate_make_writeback(&pt_fmt_npt, (hfn_t){ PAGESTATE_FRAME_MAX + 1 });
}

static void test_out_of_range_panics(void **state)
{
	(void)state;
	assert_true(fakemem_panics(make_big_slot, NULL));
	assert_true(fakemem_panics(make_big_frame, NULL));
}

static void test_transition_table(void **state)
{
	(void)state;
	/* want[from][to], the table of docs/pager.md. */
	static const bool want[PAGESTATE_NSTATES][PAGESTATE_NSTATES] = {
		[PAGESTATE_NOT_PRESENT] = { [PAGESTATE_RESIDENT] = true },
		[PAGESTATE_RESIDENT] = { [PAGESTATE_NOT_PRESENT] = true,
					 [PAGESTATE_WRITEBACK] = true, [PAGESTATE_SWAPPED] = true,
					 [PAGESTATE_PROTECTED] = true },
		[PAGESTATE_PROTECTED] = { [PAGESTATE_RESIDENT] = true, [PAGESTATE_WRITEBACK] = true },
		[PAGESTATE_WRITEBACK] = { [PAGESTATE_RESIDENT] = true, [PAGESTATE_SWAPPED] = true,
					  [PAGESTATE_NOT_PRESENT] = true },
		[PAGESTATE_SWAPPED] = { [PAGESTATE_SWAPIN] = true },
		[PAGESTATE_SWAPIN] = { [PAGESTATE_RESIDENT] = true, [PAGESTATE_SWAPPED] = true },
	};
	for (int a = 0; a < PAGESTATE_NSTATES; a++)
		for (int b = 0; b < PAGESTATE_NSTATES; b++)
			assert_int_equal(pagestate_transition_ok((enum pagestate)a, (enum pagestate)b),
					 want[a][b]);
	assert_false(pagestate_transition_ok(PAGESTATE_NSTATES, PAGESTATE_RESIDENT));
}

/* Access sampling without EPT A/D bits: the protected state names its
 * frame, is never present to the hardware, and frame 0 is not one. */
static void test_protected_entry(void **state)
{
	(void)state;
	const struct pt_format *fmts[] = { &pt_fmt_ept, &pt_fmt_npt };
	for (int i = 0; i < 2; i++) {
		u64 e = pagestate_make_protected(fmts[i], (hfn_t){ 0x12345 });
		struct pagestate_info in = pagestate_decode(fmts[i], e);
		assert_int_equal(in.state, PAGESTATE_PROTECTED);
		assert_int_equal(in.frame.v, 0x12345);
		assert_false(e & fmts[i]->present);
		assert_int_equal(pagestate_fault_action(in.state), PAGESTATE_FAULT_UNPROTECT);
		u64 zero = pt_make_swap_entry(fmts[i], 3ull << PAGESTATE_TAG_SHIFT);
		assert_int_equal(pagestate_decode(fmts[i], zero).state, PAGESTATE_INVALID);
	}
}

static void test_fault_actions(void **state)
{
	(void)state;
	assert_int_equal(pagestate_fault_action(PAGESTATE_NOT_PRESENT), PAGESTATE_FAULT_ZERO);
	assert_int_equal(pagestate_fault_action(PAGESTATE_RESIDENT), PAGESTATE_FAULT_RETRY);
	assert_int_equal(pagestate_fault_action(PAGESTATE_WRITEBACK), PAGESTATE_FAULT_RECLAIM);
	assert_int_equal(pagestate_fault_action(PAGESTATE_SWAPPED), PAGESTATE_FAULT_SWAPIN);
	assert_int_equal(pagestate_fault_action(PAGESTATE_SWAPIN), PAGESTATE_FAULT_WAIT);
	assert_int_equal(pagestate_fault_action(PAGESTATE_INVALID), PAGESTATE_FAULT_BROKEN);
	assert_string_equal(pagestate_name(PAGESTATE_SWAPIN), "swap-in");
	assert_string_equal(pagestate_name(PAGESTATE_NSTATES), "?");
}

static u64 leaf_at(const struct pt_format *f, u64 frame_hpa)
{
	struct pt t = { .fmt = f };
	return pt_make_leaf(&t, hpa(frame_hpa), 1, PT_R | PT_W | PT_X);
}

static void illegal_replace(void *arg)
{
	u64 *leaf = arg, expected = *leaf;
	if (pagestate_replace(&pt_fmt_ept, leaf, &expected, pagestate_make_swapped(&pt_fmt_ept, 1)))
		_exit(0);
}

static void test_replace(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_fmt_ept;
	u64 leaf = 0, expected = 0;
	/* NOT_PRESENT -> SWAPPED is not a transition: panic. */
	assert_true(fakemem_panics(illegal_replace, &leaf));
	assert_true(pagestate_replace(f, &leaf, &expected, leaf_at(f, 0x5000)));
	/* The CPU sets the dirty bit between the pager's read and its write:
	 * the exchange fails and hands back the value with D set. */
	expected = leaf;
	leaf |= f->d_bit;
	u64 wb = pagestate_make_writeback(f, (hfn_t){ 5 });
	assert_false(pagestate_replace(f, &leaf, &expected, wb));
	assert_int_equal(expected, leaf);
	assert_true(expected & f->d_bit);    /* dirtiness is not lost */
	assert_true(pagestate_replace(f, &leaf, &expected, wb));
	assert_int_equal(leaf, wb);
}

/* A fault during writeback takes the frame back; the writer's completion
 * then fails its exchange and must not free the frame. */
static void test_race_fault_during_writeback(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		const struct pt_format *f = fmts[i];
		u64 leaf = leaf_at(f, 0x42000), exp = leaf;
		u64 wb = pagestate_make_writeback(f, (hfn_t){ 0x42 });
		assert_true(pagestate_replace(f, &leaf, &exp, wb));
		/* vCPU faults: the entry says where the frame is. */
		struct pagestate_info in = pagestate_decode(f, leaf);
		assert_int_equal(pagestate_fault_action(in.state), PAGESTATE_FAULT_RECLAIM);
		assert_int_equal(in.frame.v, 0x42);
		u64 fault_exp = wb;
		assert_true(pagestate_replace(f, &leaf, &fault_exp, leaf_at(f, in.frame.v << 12)));
		/* Writer finishes: WRITEBACK -> SWAPPED loses the race. */
		u64 writer_exp = wb;
		assert_false(pagestate_replace(f, &leaf, &writer_exp,
					       pagestate_make_swapped(f, 7)));
		assert_int_equal(pagestate_decode(f, writer_exp).state, PAGESTATE_RESIDENT);
		assert_int_equal(pagestate_decode(f, leaf).frame.v, 0x42);
	}
}

/* Two vCPUs fault on the same swapped page: the first starts the read into
 * a frame it names in the entry; the second finds that frame and waits. */
static void test_race_double_fault_swapin(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		const struct pt_format *f = fmts[i];
		u64 sw = pagestate_make_swapped(f, 1234), leaf = sw;
		u64 exp1 = leaf, exp2 = leaf;
		u64 si = pagestate_make_swapin(f, (hfn_t){ 0x99 });
		assert_int_equal(pagestate_fault_action(pagestate_decode(f, leaf).state),
				 PAGESTATE_FAULT_SWAPIN);
		/* Both decided "swap in"; only one exchange wins. */
		assert_true(pagestate_replace(f, &leaf, &exp1, si));
		assert_false(pagestate_replace(f, &leaf, &exp2,
					       pagestate_make_swapin(f, (hfn_t){ 0x77 })));
		struct pagestate_info in = pagestate_decode(f, exp2);
		assert_int_equal(pagestate_fault_action(in.state), PAGESTATE_FAULT_WAIT);
		assert_int_equal(in.frame.v, 0x99);
		/* The read completes and maps the frame the entry named. */
		u64 exp = si;
		assert_true(pagestate_replace(f, &leaf, &exp, leaf_at(f, 0x99000)));
		assert_int_equal(pagestate_decode(f, leaf).state, PAGESTATE_RESIDENT);
		/* A failed read puts the slot back instead. */
		leaf = si;
		exp = si;
		assert_true(pagestate_replace(f, &leaf, &exp, sw));
		assert_int_equal(pagestate_decode(f, leaf).slot, 1234);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swapped_round_trip),
		cmocka_unit_test(test_frame_states_round_trip),
		cmocka_unit_test(test_present_and_zero),
		cmocka_unit_test(test_invalid_entries),
		cmocka_unit_test(test_out_of_range_panics),
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_fault_actions),
		cmocka_unit_test(test_protected_entry),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_race_fault_during_writeback),
		cmocka_unit_test(test_race_double_fault_swapin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
