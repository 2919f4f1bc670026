/*
 * test_lease_core.c - the fleet lease, state by state: who claims and
 * when, what makes a leader, what fences one (a lost lease, renewals
 * that did not come back in time, a reply too late to trust), and the
 * release at shutdown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/lease_core.h"

#define TTL 10000
#define T0 1000000

static struct lease_output
feed(struct lease_core *c, enum lease_event ev, uint64_t now, uint64_t term)
{
	struct lease_input in = { .ev = ev, .now = now, .term = term, .why = "x" };
	struct lease_output out;

	lease_core_step(c, &in, &out);
	return out;
}

static struct lease_core
standby(void)
{
	struct lease_params p;
	struct lease_core c;

	lease_params_for(TTL, &p);
	lease_core_init(&c, &p, T0);
	return c;
}

/* A leader whose claim left at T0 and came back at once, term 7. */
static struct lease_core
leader(void)
{
	struct lease_core c = standby();

	feed(&c, LEV_TICK, T0, 0);
	feed(&c, LEV_WON, T0 + 1, 7);
	return c;
}

static void
test_params(void **state)
{
	struct lease_params p;

	(void)state;
	lease_params_for(10000, &p);
	assert_int_equal(p.renew_ms, 3333);
	assert_int_equal(p.poll_ms, 500);
	assert_int_equal(p.margin_ms, 2000);
	lease_params_for(1000, &p);
	assert_int_equal(p.poll_ms, 100);
	assert_int_equal(p.margin_ms, 200);
	lease_params_for(100, &p);
	assert_int_equal(p.poll_ms, 50);
	/* Two renewals fit before the fence, whatever the TTL. */
	for (uint64_t ttl = 100; ttl <= 3600000; ttl *= 3) {
		lease_params_for(ttl, &p);
		assert_true(2 * p.renew_ms < ttl - p.margin_ms);
	}
}

static void
test_standby_claims_at_once_then_every_poll(void **state)
{
	struct lease_core c = standby();
	struct lease_output out;

	(void)state;
	assert_int_equal(lease_core_deadline(&c), T0);
	out = feed(&c, LEV_TICK, T0, 0);
	assert_int_equal(out.actions, LACT_CLAIM);
	/* One command at a time: no timer while it is out. */
	assert_int_equal(lease_core_deadline(&c), 0);
	out = feed(&c, LEV_TICK, T0 + 5000, 0);
	assert_int_equal(out.actions, 0);
	out = feed(&c, LEV_HELD, T0 + 3, 0);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.to, LEASE_STANDBY);
	assert_int_equal(lease_core_deadline(&c), T0 + 3 + 500);
	out = feed(&c, LEV_TICK, T0 + 100, 0);
	assert_int_equal(out.actions, 0);	/* early */
	out = feed(&c, LEV_TICK, T0 + 503, 0);
	assert_int_equal(out.actions, LACT_CLAIM);
	/* A failure (Redis down): the same poll. */
	out = feed(&c, LEV_FAILED, T0 + 510, 0);
	assert_int_equal(out.actions, 0);
	assert_int_equal(lease_core_deadline(&c), T0 + 1010);
}

static void
test_a_won_claim_leads_with_its_term(void **state)
{
	struct lease_core c = standby();
	struct lease_output out;

	(void)state;
	feed(&c, LEV_TICK, T0, 0);
	out = feed(&c, LEV_WON, T0 + 20, 7);
	assert_int_equal(out.actions, LACT_LEAD);
	assert_int_equal(out.term, 7);
	assert_int_equal(out.from, LEASE_STANDBY);
	assert_int_equal(out.to, LEASE_LEADER);
	/* Measured from when the claim left, not when it came back. */
	assert_int_equal(c.fence_at, T0 + TTL - 2000);
	assert_int_equal(lease_core_deadline(&c), T0 + 3333);
}

static void
test_leader_renews_every_third(void **state)
{
	struct lease_core c = leader();
	struct lease_output out;

	(void)state;
	out = feed(&c, LEV_TICK, T0 + 3333, 0);
	assert_int_equal(out.actions, LACT_RENEW);
	out = feed(&c, LEV_RENEWED, T0 + 3340, 0);
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.fence_at, T0 + 3333 + TTL - 2000);
	assert_int_equal(lease_core_deadline(&c), T0 + 6666);
	/* Ten renewals in a row: never fenced. */
	for (int i = 2; i < 12; i++) {
		uint64_t t = T0 + (uint64_t)i * 3333;

		out = feed(&c, LEV_TICK, t, 0);
		assert_int_equal(out.actions, LACT_RENEW);
		out = feed(&c, LEV_RENEWED, t + 5, 0);
		assert_int_equal(out.actions, 0);
		assert_int_equal(c.role, LEASE_LEADER);
	}
}

static void
test_leader_that_lost_the_key_fences(void **state)
{
	struct lease_core c = leader();
	struct lease_output out;

	(void)state;
	feed(&c, LEV_TICK, T0 + 3333, 0);
	out = feed(&c, LEV_LOST, T0 + 3334, 0);
	assert_int_equal(out.actions, LACT_FENCE);
	assert_int_equal(out.to, LEASE_STANDBY);
	assert_string_equal(out.why, "the lease is held by another instance");
	/* And competes again as a standby. */
	assert_int_equal(lease_core_deadline(&c), T0 + 3334 + 500);
	out = feed(&c, LEV_TICK, T0 + 3834, 0);
	assert_int_equal(out.actions, LACT_CLAIM);
}

/* Redis stops answering: the leader fences at sent + ttl - margin. */
static void
test_leader_cut_off_fences_before_the_lease_can_pass(void **state)
{
	struct lease_core c = leader();
	struct lease_output out;

	(void)state;
	/* A renewal that never comes back. */
	out = feed(&c, LEV_TICK, T0 + 3333, 0);
	assert_int_equal(out.actions, LACT_RENEW);
	assert_int_equal(lease_core_deadline(&c), T0 + 8000);
	out = feed(&c, LEV_TICK, T0 + 7999, 0);
	assert_int_equal(out.actions, 0);
	out = feed(&c, LEV_TICK, T0 + 8000, 0);
	assert_int_equal(out.actions, LACT_FENCE);
	assert_string_equal(out.why, "the lease was not renewed in time");
	/* Its late reply makes no leader again. */
	out = feed(&c, LEV_RENEWED, T0 + 9000, 0);
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.role, LEASE_STANDBY);

	/* Failing renewals are retried every poll, up to the fence. */
	c = leader();
	feed(&c, LEV_TICK, T0 + 3333, 0);
	feed(&c, LEV_FAILED, T0 + 3400, 0);
	assert_int_equal(lease_core_deadline(&c), T0 + 3900);
	feed(&c, LEV_TICK, T0 + 7800, 0);
	feed(&c, LEV_FAILED, T0 + 7810, 0);
	assert_int_equal(lease_core_deadline(&c), T0 + 8000);
	out = feed(&c, LEV_TICK, T0 + 8000, 0);
	assert_int_equal(out.actions, LACT_FENCE);
	/* A renewal that succeeds late but before the fence saves it. */
	c = leader();
	feed(&c, LEV_TICK, T0 + 7000, 0);
	out = feed(&c, LEV_RENEWED, T0 + 7900, 0);
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.fence_at, T0 + 7000 + 8000);
	/* One that comes back later than the lease it renews could last
	 * (no tick came in between: a loop held up) fences. */
	c = leader();
	feed(&c, LEV_TICK, T0 + 3333, 0);
	out = feed(&c, LEV_RENEWED, T0 + 3333 + 8000, 0);
	assert_int_equal(out.actions, LACT_FENCE);
	assert_int_equal(c.role, LEASE_STANDBY);
}

static void
test_a_claim_answered_too_late_is_not_used(void **state)
{
	struct lease_core c = standby();
	struct lease_output out;

	(void)state;
	feed(&c, LEV_TICK, T0, 0);
	out = feed(&c, LEV_WON, T0 + 8000, 9);
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.role, LEASE_STANDBY);
	/* Claimed again at once: the key is ours, a new term. */
	out = feed(&c, LEV_TICK, T0 + 8000, 0);
	assert_int_equal(out.actions, LACT_CLAIM);
	out = feed(&c, LEV_WON, T0 + 8001, 10);
	assert_int_equal(out.actions, LACT_LEAD);
	assert_int_equal(out.term, 10);
}

static void
test_stop_releases_and_ends_everything(void **state)
{
	struct lease_core c = leader();
	struct lease_output out;

	(void)state;
	out = feed(&c, LEV_STOP, T0 + 10, 0);
	assert_int_equal(out.actions, LACT_RELEASE);
	assert_int_equal(out.to, LEASE_RELEASED);
	assert_int_equal(lease_core_deadline(&c), 0);
	for (int ev = 0; ev < LEV_COUNT; ev++) {
		out = feed(&c, (enum lease_event)ev, T0 + 20000, 3);
		assert_int_equal(out.actions, 0);
		assert_int_equal(c.role, LEASE_RELEASED);
	}
	/* A standby releases too: a fenced leader's key may be its own. */
	c = standby();
	out = feed(&c, LEV_STOP, T0, 0);
	assert_int_equal(out.actions, LACT_RELEASE);
}

/* Whatever comes, in whatever order: never a leader past its fence. */
static void
test_random_inputs_never_lead_past_the_fence(void **state)
{
	uint64_t seed = 88172645463325252ull;

	(void)state;
	for (int run = 0; run < 200; run++) {
		struct lease_core c = standby();
		uint64_t now = T0;
		bool leading = false;

		for (int i = 0; i < 500; i++) {
			struct lease_output out;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			now += seed % 1500;
			out = feed(&c, (enum lease_event)(seed >> 20) % LEV_STOP,
				   now, (uint64_t)i + 1);
			if (out.actions & LACT_LEAD)
				leading = true;
			if (out.actions & LACT_FENCE)
				leading = false;
			assert_true(leading == (c.role == LEASE_LEADER));
			if (c.role == LEASE_LEADER) {
				/* Never past sent + ttl - margin. */
				assert_true(now < c.fence_at);
				assert_true(c.fence_at <= c.asked_at + TTL - 2000);
				assert_true(lease_core_deadline(&c) <= c.fence_at);
			}
			assert_false((out.actions & LACT_LEAD) &&
				     (out.actions & LACT_FENCE));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_standby_claims_at_once_then_every_poll),
		cmocka_unit_test(test_a_won_claim_leads_with_its_term),
		cmocka_unit_test(test_leader_renews_every_third),
		cmocka_unit_test(test_leader_that_lost_the_key_fences),
		cmocka_unit_test(test_leader_cut_off_fences_before_the_lease_can_pass),
		cmocka_unit_test(test_a_claim_answered_too_late_is_not_used),
		cmocka_unit_test(test_stop_releases_and_ends_everything),
		cmocka_unit_test(test_random_inputs_never_lead_past_the_fence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
