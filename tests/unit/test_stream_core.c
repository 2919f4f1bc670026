/*
 * test_stream_core.c - the stream reader's rules: the group first, our
 * own pending entries next (again after every return of Redis), one read
 * at a time and never more than the queue takes, backoff after a failed
 * command, and nothing after stop; then the IDs and the ack FIFO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/stream_acks.h"
#include "wspushd/stream_core.h"
#include "wspushd/stream_id.h"

static const struct stream_params P = {
	.streams = 2, .batch = 100, .backoff = { 250, 30000 },
	.claim_every_ms = 30000,
};

static struct stream_output
feed(struct stream_core *c, enum stream_event ev, uint64_t now, size_t room,
     bool exhausted)
{
	struct stream_input in = { .ev = ev, .now = now, .room = room,
				   .exhausted = exhausted, .why = "boom" };
	struct stream_output out;

	stream_core_step(c, &in, &out);
	return out;
}

static void
test_group_then_history_then_new(void **state)
{
	struct stream_core c;
	struct stream_output out;

	(void)state;
	stream_core_init(&c, &P);
	out = feed(&c, SEV_CREATED, 1, 1000, false);	/* before up: stale */
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_UP, 1, 1000, false);
	assert_int_equal(out.actions, SACT_CREATE);
	assert_int_equal(c.state, SR_CREATING);
	out = feed(&c, SEV_CREATED, 2, 1000, false);
	assert_int_equal(out.actions, SACT_READ_HISTORY);
	assert_int_equal(out.count, 100);		/* the batch */
	out = feed(&c, SEV_READ, 3, 1000, false);	/* more pending */
	assert_int_equal(out.actions, SACT_READ_HISTORY);
	out = feed(&c, SEV_READ, 4, 1000, true);	/* none left */
	assert_int_equal(out.actions, SACT_READ_NEW);
	out = feed(&c, SEV_READ, 5, 1000, false);
	assert_int_equal(out.actions, SACT_READ_NEW);
	/* Redis goes and comes back: the group, and history, again. */
	feed(&c, SEV_DOWN, 6, 1000, false);
	assert_int_equal(c.state, SR_IDLE);
	out = feed(&c, SEV_READ, 7, 1000, false);	/* a late reply */
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_UP, 8, 1000, false);
	assert_int_equal(out.actions, SACT_CREATE);
	out = feed(&c, SEV_CREATED, 9, 1000, false);
	assert_int_equal(out.actions, SACT_READ_HISTORY);
}

static void
test_reads_never_exceed_the_room(void **state)
{
	struct stream_core c;
	struct stream_output out;

	(void)state;
	stream_core_init(&c, &P);
	feed(&c, SEV_UP, 1, 1000, false);
	out = feed(&c, SEV_CREATED, 1, 61, false);
	assert_int_equal(out.count, 30);		/* 61 / 2 streams */
	out = feed(&c, SEV_READ, 2, 1, true);		/* less than a stream each */
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.state, SR_FULL);
	out = feed(&c, SEV_ROOM, 3, 1, false);
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_ROOM, 4, 10, false);
	assert_int_equal(out.actions, SACT_READ_NEW);
	assert_int_equal(out.count, 5);
	/* One read at a time: room while reading asks for nothing more. */
	out = feed(&c, SEV_ROOM, 5, 1000, false);
	assert_int_equal(out.actions, 0);
}

static void
test_failure_backs_off_then_starts_over(void **state)
{
	struct stream_core c;
	struct stream_output out;

	(void)state;
	stream_core_init(&c, &P);
	feed(&c, SEV_UP, 1000, 1000, false);
	feed(&c, SEV_CREATED, 1000, 1000, false);
	out = feed(&c, SEV_FAILED, 1000, 1000, false);
	assert_int_equal(out.actions, SACT_REPORT);
	assert_string_equal(out.why, "boom");
	assert_int_equal(c.state, SR_BACKOFF);
	assert_true(out.retry_in_ms <= 250);
	assert_int_equal(out.deadline, 1000 + out.retry_in_ms);
	out = feed(&c, SEV_TICK, 999 + out.retry_in_ms, 1000, false);
	if (out.deadline > 999)
		assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_TICK, 1000 + 250, 1000, false);
	assert_int_equal(out.actions, SACT_CREATE);
	/* A read that works forgets the failures. */
	feed(&c, SEV_CREATED, 1300, 1000, false);
	feed(&c, SEV_READ, 1301, 1000, true);
	assert_int_equal(c.retry.failures, 0);
}

static void
test_claims_come_round_while_up(void **state)
{
	struct stream_core c;
	struct stream_output out;

	(void)state;
	stream_core_init(&c, &P);
	feed(&c, SEV_UP, 1000, 1000, false);
	assert_int_equal(stream_core_deadline(&c), 0);	/* not before the group */
	feed(&c, SEV_CREATED, 1000, 1000, false);
	assert_int_equal(stream_core_deadline(&c), 31000);
	out = feed(&c, SEV_TICK, 30999, 1000, false);
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_TICK, 31000, 61, false);
	assert_int_equal(out.actions, SACT_CLAIM);
	assert_int_equal(out.count, 30);		/* bounded like a read */
	assert_int_equal(stream_core_deadline(&c), 0);	/* one round at a time */
	feed(&c, SEV_CLAIMED, 31500, 1000, false);
	assert_int_equal(stream_core_deadline(&c), 61500);
	/* No room: the round looks again a second later, not at once. */
	out = feed(&c, SEV_TICK, 61500, 1, false);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.deadline, 62500);
	out = feed(&c, SEV_TICK, 62500, 10, false);
	assert_int_equal(out.actions, SACT_CLAIM);
	/* Redis down: no round until it is back and the group exists. */
	feed(&c, SEV_DOWN, 63000, 1000, false);
	assert_int_equal(stream_core_deadline(&c), 0);
}

/* A fleet's leader takes the group's pending entries before any read. */
static void
test_a_leader_takes_over_before_reading(void **state)
{
	struct stream_params p = P;
	struct stream_core c;
	struct stream_output out;

	(void)state;
	p.takeover = true;
	stream_core_init(&c, &p);
	out = feed(&c, SEV_TAKEN, 1, 1000, false);	/* stale */
	assert_int_equal(out.actions, 0);
	feed(&c, SEV_UP, 1, 1000, false);
	out = feed(&c, SEV_CREATED, 2, 1000, false);
	assert_int_equal(out.actions, SACT_TAKEOVER);
	assert_int_equal(c.state, SR_TAKEOVER);
	assert_string_equal(stream_state_name(SR_TAKEOVER), "takeover");
	/* No claim round and no read while it runs. */
	out = feed(&c, SEV_TICK, 40000, 1000, false);
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_ROOM, 40001, 1000, false);
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_CREATED, 40002, 1000, false);
	assert_int_equal(out.actions, 0);
	out = feed(&c, SEV_TAKEN, 40003, 1000, false);
	assert_int_equal(out.actions, SACT_READ_HISTORY);
	assert_int_equal(c.state, SR_HISTORY);
	out = feed(&c, SEV_TAKEN, 40004, 1000, false);	/* once only */
	assert_int_equal(out.actions, 0);
	/* A takeover that fails backs off, then starts over with it. */
	feed(&c, SEV_DOWN, 40005, 1000, false);
	feed(&c, SEV_UP, 40006, 1000, false);
	feed(&c, SEV_CREATED, 40007, 1000, false);
	out = feed(&c, SEV_FAILED, 40008, 1000, false);
	assert_int_equal(out.actions, SACT_REPORT);
	assert_int_equal(c.state, SR_BACKOFF);
	out = feed(&c, SEV_TICK, 40008 + out.retry_in_ms, 1000, false);
	assert_int_equal(out.actions, SACT_CREATE);
	out = feed(&c, SEV_CREATED, 50000, 1000, false);
	assert_int_equal(out.actions, SACT_TAKEOVER);
}

static void
test_stop_is_for_good(void **state)
{
	struct stream_core c;
	struct stream_output out;

	(void)state;
	stream_core_init(&c, &P);
	feed(&c, SEV_UP, 1, 1000, false);
	feed(&c, SEV_STOP, 2, 1000, false);
	for (int ev = 0; ev < SEV_COUNT; ev++) {
		out = feed(&c, (enum stream_event)ev, 3, 1000, true);
		assert_int_equal(out.actions, 0);
		assert_int_equal(c.state, SR_STOPPED);
	}
	assert_string_equal(stream_state_name(SR_STOPPED), "stopped");
}

static void
test_ids(void **state)
{
	struct stream_id a, b;
	char text[STREAM_ID_MAX];

	(void)state;
	assert_true(stream_id_parse("1700000000000-3", 15, &a));
	assert_int_equal(a.ms, 1700000000000ull);
	assert_int_equal(a.seq, 3);
	assert_true(stream_id_parse("5", 1, &b));
	assert_int_equal(b.seq, 0);
	assert_true(stream_id_cmp(&b, &a) < 0);
	assert_true(stream_id_cmp(&a, &a) == 0);
	assert_true(stream_id_parse("18446744073709551615-18446744073709551615", 41, &a));
	stream_id_format(&a, text);
	assert_string_equal(text, "18446744073709551615-18446744073709551615");
	assert_false(stream_id_parse("18446744073709551616-0", 22, &a));
	assert_false(stream_id_parse("-1", 2, &a));
	assert_false(stream_id_parse("1-", 2, &a));
	assert_false(stream_id_parse("1-x", 3, &a));
	assert_false(stream_id_parse("", 0, &a));
}

struct seen {
	uint64_t seqs[1024];
	int delivered[1024];
	size_t n;
};

static void
note(void *arg, const struct stream_ack *e, int delivered)
{
	struct seen *s = arg;

	s->seqs[s->n] = e->seq;
	s->delivered[s->n++] = delivered;
}

static void
test_acks_settle_in_queue_order(void **state)
{
	struct stream_acks a = { 0 };
	static struct seen s;
	struct stream_id id = { 1, 0 };
	size_t n;

	(void)state;
	/* More than one growth of the ring, with wrap-around. */
	for (uint64_t seq = 10; seq < 600; seq++) {
		id.seq = seq;
		assert_int_equal(stream_acks_push(&a, seq, (uint32_t)(seq & 1), &id), 0);
		if (seq % 100 == 0) {
			memset(&s, 0, sizeof(s));
			stream_acks_settle(&a, seq - 50, 0, note, &s);
			for (size_t i = 0; i + 1 < s.n; i++)
				assert_true(s.seqs[i] + 1 == s.seqs[i + 1]);
		}
	}
	memset(&s, 0, sizeof(s));
	/* Below 560: gone before (dropped); 560..579: delivered; the rest stay. */
	n = stream_acks_settle(&a, 580, 560, note, &s);
	assert_int_equal(n, s.n);
	assert_int_equal(n, 130);		/* 450..579 */
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.delivered[i], s.seqs[i] >= 560);
	assert_int_equal(s.seqs[s.n - 1], 579);
	assert_int_equal(stream_acks_count(&a), 20);
	stream_acks_free(&a);
	assert_int_equal(stream_acks_count(&a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_then_history_then_new),
		cmocka_unit_test(test_reads_never_exceed_the_room),
		cmocka_unit_test(test_failure_backs_off_then_starts_over),
		cmocka_unit_test(test_claims_come_round_while_up),
		cmocka_unit_test(test_a_leader_takes_over_before_reading),
		cmocka_unit_test(test_stop_is_for_good),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_acks_settle_in_queue_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
