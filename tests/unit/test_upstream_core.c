/*
 * test_upstream_core.c - the upstream connection's whole behaviour: every
 * state (the life cycle and the socket inside it) against every input,
 * first for the rules that must hold whatever happens, then row by row;
 * then the stories that matter: a reconnect storm, a Close that is never
 * answered, a server that never closes TCP, a dead peer, a message too
 * big, the server asking for patience, and shutdown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/upstream_core.h"
#include "upstream_feed.h"

#define T0 1000		/* when each machine was brought to its state */
#define T1 1100		/* when the input of a table row arrives */

static struct upstream_params
params(void)
{
	struct upstream_params p = {
		.connect_timeout_ms = 3000,
		.backoff = { .min_ms = 250, .max_ms = 30000 },
		.backoff_reset_ms = 10000,
		.close_timeout_ms = 2000,
		.drain_timeout_ms = 5000,
		.fin_timeout_ms = 1000,
		.ping_interval_ms = 10000,
		.pong_timeout_ms = 5000,
		.max_message_bytes = 1024,
		.slow_codes = { .ranges = { { 1008, 1008 } }, .count = 1 },
	};

	return p;
}

static struct upstream_output
at(struct upstream_core *c, enum upstream_event ev, uint64_t now)
{
	return feed(c, (struct upstream_input){ .ev = ev, .now = now,
						.queue_empty = true });
}

/* Every state worth telling apart: the life cycle x the socket. */
enum fixture {
	F_IDLE,			/* after one refused attempt; retry armed */
	F_RESOLVING,		/* connecting: a DNS query */
	F_TCP,			/* connecting: TCP under way */
	F_UPGRADING,		/* connecting: the upgrade request is out */
	F_OPEN,
	F_CLOSE_OWED,		/* closing: our Close decided, not written */
	F_CLOSE_SENT,		/* closing: our Close written */
	F_CLOSE_SEEN,		/* open: the server's Close came first */
	F_DROPPING,		/* closing: being dropped, no handshake */
	F_ENDED,		/* closing: lws closed it, no handshake */
	F_FIN_WAIT,		/* closing: waiting for the server's FIN */
	F_FIN_WAIT_DESTROYED,	/* ... and lws has destroyed its socket */
	F_DRAINING,		/* open, stopping, messages still queued */
	F_COUNT
};

static const char *const fixture_names[F_COUNT] = {
	"idle", "resolving", "tcp", "upgrading", "open", "close owed",
	"close sent", "close seen", "dropping", "ended", "fin wait",
	"fin wait, destroyed", "draining",
};

/* Where each fixture stands: the life cycle, the socket. */
static const struct {
	enum fsm_state fsm;
	enum wsock_state sock;
} fixture_states[F_COUNT] = {
	[F_IDLE] = { FSM_IDLE, WSOCK_NONE },
	[F_RESOLVING] = { FSM_CONNECTING, WSOCK_RESOLVING },
	[F_TCP] = { FSM_CONNECTING, WSOCK_CONNECTING },
	[F_UPGRADING] = { FSM_CONNECTING, WSOCK_UPGRADING },
	[F_OPEN] = { FSM_OPEN, WSOCK_OPEN },
	[F_CLOSE_OWED] = { FSM_CLOSING, WSOCK_CLOSE_OWED },
	[F_CLOSE_SENT] = { FSM_CLOSING, WSOCK_CLOSE_SENT },
	[F_CLOSE_SEEN] = { FSM_OPEN, WSOCK_CLOSE_SEEN },
	[F_DROPPING] = { FSM_CLOSING, WSOCK_DROPPING },
	[F_ENDED] = { FSM_CLOSING, WSOCK_ENDED },
	[F_FIN_WAIT] = { FSM_CLOSING, WSOCK_FIN_WAIT },
	[F_FIN_WAIT_DESTROYED] = { FSM_CLOSING, WSOCK_FIN_WAIT },
	[F_DRAINING] = { FSM_OPEN, WSOCK_OPEN },
};

static void
open_at(struct upstream_core *c, uint64_t now)
{
	at(c, UEV_START, now);
	feed(c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = now, .count = 1 });
	at(c, UEV_UPGRADING, now);
	at(c, UEV_ESTABLISHED, now);
}

static struct upstream_core
in_state(enum fixture f)
{
	struct upstream_core c;
	struct upstream_params p = params();

	upstream_core_init(&c, &p);
	switch (f) {
	case F_IDLE:
		at(&c, UEV_START, T0);
		at(&c, UEV_UNRESOLVED, T0);
		break;
	case F_RESOLVING:
		at(&c, UEV_START, T0);
		break;
	case F_TCP:
		at(&c, UEV_START, T0);
		feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = T0,
						  .count = 1 });
		break;
	case F_UPGRADING:
		at(&c, UEV_START, T0);
		feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = T0,
						  .count = 1 });
		at(&c, UEV_UPGRADING, T0);
		break;
	case F_OPEN:
		open_at(&c, T0);
		break;
	case F_CLOSE_OWED:
		open_at(&c, T0);
		at(&c, UEV_RESTART, T0);
		break;
	case F_CLOSE_SENT:
		open_at(&c, T0);
		at(&c, UEV_RESTART, T0);
		at(&c, UEV_WRITABLE, T0);
		break;
	case F_CLOSE_SEEN:
		open_at(&c, T0);
		feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE, .now = T0,
						  .code = 1000 });
		break;
	case F_DROPPING:
		at(&c, UEV_START, T0);
		feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = T0,
						  .count = 1 });
		at(&c, UEV_RESTART, T0);		/* dropped, no handshake */
		break;
	case F_ENDED:
		open_at(&c, T0);
		at(&c, UEV_CLOSED, T0);
		break;
	case F_FIN_WAIT:
		open_at(&c, T0);
		at(&c, UEV_RESTART, T0);
		at(&c, UEV_WRITABLE, T0);
		at(&c, UEV_CLOSED, T0);
		break;
	case F_FIN_WAIT_DESTROYED:
		open_at(&c, T0);
		at(&c, UEV_RESTART, T0);
		at(&c, UEV_WRITABLE, T0);
		at(&c, UEV_CLOSED, T0);
		at(&c, UEV_DESTROYED, T0);
		break;
	case F_DRAINING:
		open_at(&c, T0);
		feed(&c, (struct upstream_input){ .ev = UEV_SHUTDOWN, .now = T0 });
		break;
	case F_COUNT:
		break;
	}
	assert_int_equal(c.fsm.state, fixture_states[f].fsm);
	assert_int_equal(c.sock.state, fixture_states[f].sock);
	return c;
}

/* An input of kind ev at T1, as a table row sends it. */
static struct upstream_input
row_input(enum upstream_event ev)
{
	return (struct upstream_input){
		.ev = ev, .now = T1, .queue_empty = true, .count = 2,
		.len = 10, .final = true, .code = 1000, .why = "because",
	};
}

/* A rule that must hold, named with the state and input that broke it. */
#define RULE(cond) do {							\
	if (!(cond))							\
		fail_msg("%s + %s: %s", fixture_names[f],		\
			 upstream_event_name(ev), #cond);		\
} while (0)

/* The rules no input may break, in any state. */
static void
check_invariants(enum fixture f, enum upstream_event ev,
		 const struct upstream_core *before,
		 const struct upstream_core *c, const struct upstream_output *out)
{
	const uint64_t *dl = c->timers.at;
	bool live = wsock_live(&c->sock);
	unsigned a = out->actions;

	/* One socket: a new attempt only out of idle, with none alive. */
	if (a & UACT_RESOLVE) {
		RULE(before->fsm.state == FSM_IDLE);
		RULE(!wsock_live(&before->sock));
		RULE(c->sock.state == WSOCK_RESOLVING);
	}
	/* Idle means no socket, and nothing a socket needs is armed. */
	RULE((c->fsm.state == FSM_IDLE) == !live);
	if (c->fsm.state == FSM_IDLE)
		RULE(dl[DL_CONNECT] == 0 && dl[DL_CLOSE] == 0 &&
		     dl[DL_STABLE] == 0 && dl[DL_FIN] == 0 &&
		     dl[DL_HEARTBEAT] == 0);
	/* Only an open connection waits to be stable or pings. */
	if (c->fsm.state != FSM_OPEN)
		RULE(dl[DL_STABLE] == 0 && dl[DL_HEARTBEAT] == 0);
	/* A retry is pending only while idle; closing is always bounded. */
	if (dl[DL_RETRY] != 0)
		RULE(c->fsm.state == FSM_IDLE);
	if (c->fsm.state == FSM_CLOSING)
		RULE(dl[DL_CLOSE] != 0 || dl[DL_FIN] != 0);
	/* Only a writable socket writes, and a Close at most once. */
	if (ev != UEV_WRITABLE)
		RULE((a & (UACT_WRITE_CLOSE | UACT_WRITE_DATA | UACT_WRITE_PING)) == 0);
	if (a & UACT_WRITE_CLOSE)
		RULE(before->sock.state == WSOCK_CLOSE_OWED);
	/* The transitions told are the ones that happened. */
	if (out->ntrans > 0) {
		RULE(out->trans[0].from == before->fsm.state);
		RULE(out->trans[out->ntrans - 1].to == c->fsm.state);
	} else {
		RULE(before->fsm.state == c->fsm.state);
	}
	/* Exit only once stopped and the socket gone. */
	if (a & UACT_EXIT)
		RULE(c->fsm.stopping && !live);
}

static void
test_every_state_and_input_keeps_the_rules(void **state)
{
	(void)state;
	for (enum fixture f = 0; f < F_COUNT; f++) {
		for (enum upstream_event ev = 0; ev < UEV_COUNT; ev++) {
			struct upstream_core c = in_state(f);
			struct upstream_core before = c;
			struct upstream_output out = feed(&c, row_input(ev));

			check_invariants(f, ev, &before, &c, &out);
		}
	}
}

/*
 * Row by row: from a state, an input, the life-cycle state and the
 * socket's state after, and the actions (the rows that do something;
 * every other pair leaves both states as they were, checked below).
 */
struct row {
	enum fixture from;
	enum upstream_event ev;
	enum fsm_state to;
	enum wsock_state sock;
	unsigned actions;
};

static const struct row table[] = {
	{ F_IDLE, UEV_START, FSM_CONNECTING, WSOCK_RESOLVING, UACT_RESOLVE },
	{ F_IDLE, UEV_SHUTDOWN, FSM_IDLE, WSOCK_NONE, UACT_EXIT },
	{ F_RESOLVING, UEV_RESOLVED, FSM_CONNECTING, WSOCK_CONNECTING,
	  UACT_CONNECT },
	{ F_RESOLVING, UEV_UNRESOLVED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_RESOLVING, UEV_RESTART, FSM_IDLE, WSOCK_NONE,
	  UACT_CANCEL_QUERY | UACT_REWIND | UACT_RETRY },
	{ F_RESOLVING, UEV_SHUTDOWN, FSM_IDLE, WSOCK_NONE,
	  UACT_CANCEL_QUERY | UACT_REWIND | UACT_EXIT },
	{ F_TCP, UEV_NO_SOCKET, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_SAY_FAILED | UACT_RETRY },
	{ F_TCP, UEV_UPGRADING, FSM_CONNECTING, WSOCK_UPGRADING, 0 },
	{ F_TCP, UEV_CONNECT_ERROR, FSM_CLOSING, WSOCK_CONNECTING, 0 },
	{ F_TCP, UEV_ESTABLISHED, FSM_OPEN, WSOCK_OPEN, UACT_CONNECTED },
	{ F_TCP, UEV_CLOSED, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_TCP, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_TCP, UEV_RESTART, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_TCP, UEV_SHUTDOWN, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_UPGRADING, UEV_CONNECT_ERROR, FSM_CLOSING, WSOCK_UPGRADING, 0 },
	{ F_UPGRADING, UEV_ESTABLISHED, FSM_OPEN, WSOCK_OPEN, UACT_CONNECTED },
	{ F_UPGRADING, UEV_CLOSED, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_UPGRADING, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_UPGRADING, UEV_RESTART, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_UPGRADING, UEV_SHUTDOWN, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_OPEN, UEV_CONNECT_ERROR, FSM_CLOSING, WSOCK_OPEN, 0 },
	{ F_OPEN, UEV_WRITABLE, FSM_OPEN, WSOCK_OPEN, UACT_WRITE_DATA },
	{ F_OPEN, UEV_RECEIVED, FSM_OPEN, WSOCK_OPEN, UACT_COUNT_RX },
	{ F_OPEN, UEV_PEER_CLOSE, FSM_OPEN, WSOCK_CLOSE_SEEN, 0 },
	{ F_OPEN, UEV_CLOSED, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_OPEN, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_OPEN, UEV_RESTART, FSM_CLOSING, WSOCK_CLOSE_OWED, UACT_WANT_WRITE },
	{ F_OPEN, UEV_SHUTDOWN, FSM_CLOSING, WSOCK_CLOSE_OWED,
	  UACT_WANT_WRITE },
	{ F_CLOSE_OWED, UEV_WRITABLE, FSM_CLOSING, WSOCK_CLOSE_SENT,
	  UACT_WRITE_CLOSE },
	{ F_CLOSE_OWED, UEV_PEER_CLOSE, FSM_CLOSING, WSOCK_CLOSE_SEEN, 0 },
	{ F_CLOSE_OWED, UEV_CLOSED, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_CLOSE_OWED, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_CLOSE_SENT, UEV_PEER_CLOSE, FSM_CLOSING, WSOCK_CLOSE_SEEN, 0 },
	{ F_CLOSE_SENT, UEV_CLOSED, FSM_CLOSING, WSOCK_FIN_WAIT,
	  UACT_START_FIN_WAIT },
	{ F_CLOSE_SENT, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_CLOSE_SEEN, UEV_CONNECT_ERROR, FSM_CLOSING, WSOCK_CLOSE_SEEN, 0 },
	{ F_CLOSE_SEEN, UEV_CLOSED, FSM_CLOSING, WSOCK_FIN_WAIT,
	  UACT_START_FIN_WAIT },
	{ F_CLOSE_SEEN, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_CLOSE_SEEN, UEV_RESTART, FSM_CLOSING, WSOCK_CLOSE_SEEN, 0 },
	{ F_CLOSE_SEEN, UEV_SHUTDOWN, FSM_CLOSING, WSOCK_CLOSE_SEEN, 0 },
	{ F_DROPPING, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_ENDED, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_FIN_WAIT, UEV_FIN_DONE, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_FIN_WAIT_DESTROYED, UEV_FIN_DONE, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_DRAINING, UEV_CONNECT_ERROR, FSM_CLOSING, WSOCK_OPEN, 0 },
	{ F_DRAINING, UEV_WRITABLE, FSM_OPEN, WSOCK_OPEN, UACT_WRITE_DATA },
	{ F_DRAINING, UEV_WRITTEN, FSM_CLOSING, WSOCK_CLOSE_OWED,
	  UACT_WANT_WRITE },
	{ F_DRAINING, UEV_RECEIVED, FSM_OPEN, WSOCK_OPEN, UACT_COUNT_RX },
	{ F_DRAINING, UEV_PEER_CLOSE, FSM_OPEN, WSOCK_CLOSE_SEEN, 0 },
	{ F_DRAINING, UEV_CLOSED, FSM_CLOSING, WSOCK_ENDED, 0 },
	{ F_DRAINING, UEV_DESTROYED, FSM_IDLE, WSOCK_NONE,
	  UACT_REWIND | UACT_RETRY },
	{ F_DRAINING, UEV_RESTART, FSM_CLOSING, WSOCK_CLOSE_OWED,
	  UACT_WANT_WRITE },
	{ F_DRAINING, UEV_SHUTDOWN, FSM_CLOSING, WSOCK_CLOSE_OWED,
	  UACT_WANT_WRITE },
	/* Fenced (a lost lease): dropped at once, whatever the state. */
	{ F_IDLE, UEV_FENCE, FSM_IDLE, WSOCK_NONE, 0 },
	{ F_RESOLVING, UEV_FENCE, FSM_IDLE, WSOCK_NONE,
	  UACT_CANCEL_QUERY | UACT_REWIND },
	{ F_TCP, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_UPGRADING, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_OPEN, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_CLOSE_OWED, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_CLOSE_SENT, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_CLOSE_SEEN, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_DROPPING, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_ENDED, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
	{ F_FIN_WAIT, UEV_FENCE, FSM_CLOSING, WSOCK_FIN_WAIT, UACT_KILL },
	{ F_FIN_WAIT_DESTROYED, UEV_FENCE, FSM_CLOSING, WSOCK_FIN_WAIT,
	  UACT_END_FIN_WAIT },
	{ F_DRAINING, UEV_FENCE, FSM_CLOSING, WSOCK_DROPPING, UACT_KILL },
};

static const struct row *
find_row(enum fixture f, enum upstream_event ev)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].from == f && table[i].ev == ev)
			return &table[i];
	return NULL;
}

/* Actions that only log, or that every pair may give: not in the rows. */
#define QUIET (UACT_HEALTHY | UACT_SAY_TOO_BIG | UACT_SAY_DEAD)

static void
test_every_row(void **state)
{
	(void)state;
	for (enum fixture f = 0; f < F_COUNT; f++) {
		for (enum upstream_event ev = 0; ev < UEV_COUNT; ev++) {
			struct upstream_core c = in_state(f);
			struct upstream_core before = c;
			const struct row *r = find_row(f, ev);
			struct upstream_output out;

			if (ev == UEV_TICK)
				continue;	/* nothing is due at T1: see below */
			out = feed(&c, row_input(ev));
			if (r == NULL) {
				RULE(c.fsm.state == before.fsm.state);
				RULE(c.sock.state == before.sock.state);
				/* A connect is refused in every state but idle. */
				RULE((out.actions & ~(unsigned)QUIET) ==
				     (ev == UEV_START ? UACT_REFUSED : 0));
				continue;
			}
			RULE(c.fsm.state == r->to);
			RULE(c.sock.state == r->sock);
			if ((out.actions & ~(unsigned)QUIET) != r->actions)
				fail_msg("%s + %s: actions %#x, expected %#x",
					 fixture_names[f], upstream_event_name(ev),
					 out.actions & ~(unsigned)QUIET, r->actions);
		}
	}
}

/* Nothing is due at T1 in any state: a tick then does nothing. */
static void
test_an_early_tick_does_nothing(void **state)
{
	(void)state;
	for (int f = 0; f < F_COUNT; f++) {
		struct upstream_core c = in_state((enum fixture)f);
		struct upstream_core before = c;
		struct upstream_output out = at(&c, UEV_TICK, T1);

		assert_int_equal(out.actions, 0);
		assert_int_equal(c.fsm.state, before.fsm.state);
		assert_int_equal(c.sock.state, before.sock.state);
	}
}

/* ---- stories ------------------------------------------------------------ */

/*
 * A reconnect storm: the upstream refuses 60 times in a row.  Every
 * attempt starts only once the previous socket is gone, no delay is over
 * backoff_max, and the attempts walk the addresses.
 */
static void
test_reconnect_storm_never_overlaps_and_backs_off(void **state)
{
	struct upstream_params p = params();
	struct upstream_core c;
	struct upstream_output out;
	uint64_t now = T0;
	uint32_t addresses[3] = { 0 };

	(void)state;
	upstream_core_init(&c, &p);
	out = at(&c, UEV_START, now);
	for (int i = 0; i < 60; i++) {
		assert_true(out.actions & UACT_RESOLVE);
		out = feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED,
							.now = now, .count = 3 });
		assert_true(out.actions & UACT_CONNECT);
		addresses[out.address]++;
		/* Restarts and connects while the attempt lives: refused. */
		out = at(&c, UEV_START, now);
		assert_int_equal(out.actions & UACT_RESOLVE, 0);
		out = feed(&c, (struct upstream_input){ .ev = UEV_CONNECT_ERROR,
							.now = now, .why = "refused" });
		assert_int_equal(c.fsm.state, FSM_CLOSING);
		out = at(&c, UEV_CLOSED, now);
		assert_int_equal(out.actions & UACT_RESOLVE, 0);
		out = feed(&c, (struct upstream_input){ .ev = UEV_DESTROYED, .now = now,
							.random = (uint64_t)i * 7919 });
		assert_int_equal(c.fsm.state, FSM_IDLE);
		assert_true(out.actions & UACT_RETRY);
		assert_int_equal(out.failures, (uint32_t)i + 1);
		assert_true(out.retry_in_ms <= p.backoff.max_ms);
		assert_int_equal(out.deadline, now + out.retry_in_ms);
		now = out.deadline;
		out = at(&c, UEV_TICK, now);
	}
	/* Each of the three addresses was dialled in turn. */
	assert_int_equal(addresses[0], 20);
	assert_int_equal(addresses[1], 20);
	assert_int_equal(addresses[2], 20);
}

/* The first attempt after a stable connection dials the first address. */
static void
test_stable_connection_forgets_failures(void **state)
{
	struct upstream_core c = in_state(F_IDLE);
	struct upstream_output out;

	(void)state;
	assert_int_equal(c.fsm.failures, 1);
	out = at(&c, UEV_TICK, T0 + 30000);		/* retry */
	assert_true(out.actions & UACT_RESOLVE);
	feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = T0 + 30000,
					  .count = 2 });
	at(&c, UEV_ESTABLISHED, T0 + 30000);
	out = at(&c, UEV_TICK, T0 + 30000 + 10000);	/* stable */
	assert_true(out.actions & UACT_HEALTHY);
	assert_int_equal(c.fsm.failures, 0);
}

/* Our Close is never answered: dropped at close_timeout, then retried. */
static void
test_close_never_answered_is_dropped(void **state)
{
	struct upstream_core c = in_state(F_CLOSE_SENT);
	struct upstream_output out;

	(void)state;
	assert_int_equal(c.timers.at[DL_CLOSE], T0 + 2000);
	out = at(&c, UEV_TICK, T0 + 1999);
	assert_int_equal(out.actions, 0);
	out = at(&c, UEV_TICK, T0 + 2000);
	assert_int_equal(out.actions, UACT_KILL);
	assert_int_equal(c.sock.state, WSOCK_DROPPING);
	at(&c, UEV_CLOSED, T0 + 2000);
	out = at(&c, UEV_DESTROYED, T0 + 2000);
	assert_int_equal(c.fsm.state, FSM_IDLE);
	/* A restart is no failure: the next attempt is due at once. */
	assert_int_equal(c.fsm.failures, 0);
	assert_int_equal(out.deadline, T0 + 2000);
	out = at(&c, UEV_TICK, T0 + 2000);
	assert_true(out.actions & UACT_RESOLVE);
}

/* The server answers our Close but never closes TCP. */
static void
test_server_that_never_closes_tcp(void **state)
{
	struct upstream_core c = in_state(F_CLOSE_SENT);
	struct upstream_output out;

	(void)state;
	feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE, .now = T0,
					  .code = 1000 });
	out = at(&c, UEV_CLOSED, T0 + 10);
	assert_true(out.actions & UACT_START_FIN_WAIT);
	assert_int_equal(c.timers.at[DL_FIN], T0 + 10 + 1000);
	out = at(&c, UEV_DESTROYED, T0 + 20);
	/* lws is done with it, but the socket still counts. */
	assert_int_equal(c.fsm.state, FSM_CLOSING);
	assert_true(wsock_live(&c.sock));
	out = at(&c, UEV_START, T0 + 30);
	assert_true(out.actions & UACT_REFUSED);
	/* fin_timeout (1s) ends first, before the close deadline (2s). */
	assert_true(c.timers.at[DL_FIN] < c.timers.at[DL_CLOSE]);
	out = at(&c, UEV_TICK, T0 + 1010);
	assert_int_equal(out.actions, UACT_END_FIN_WAIT);
	out = at(&c, UEV_FIN_DONE, T0 + 1011);
	assert_int_equal(c.fsm.state, FSM_IDLE);
	assert_false(wsock_live(&c.sock));
	assert_true(out.actions & UACT_RETRY);
}

/* fin_timeout = 0: nothing to wait for after a clean close. */
static void
test_no_fin_wait_when_fin_timeout_is_zero(void **state)
{
	struct upstream_core c = in_state(F_CLOSE_SENT);
	struct upstream_params p = params();
	struct upstream_output out;

	(void)state;
	p.fin_timeout_ms = 0;
	upstream_core_set_params(&c, &p);
	out = at(&c, UEV_CLOSED, T0);
	assert_int_equal(out.actions & UACT_START_FIN_WAIT, 0);
	assert_int_equal(c.sock.state, WSOCK_ENDED);
	out = at(&c, UEV_DESTROYED, T0);
	assert_int_equal(c.fsm.state, FSM_IDLE);
}

/* Pings go ahead of data; a missing pong drops the connection. */
static void
test_dead_peer_is_dropped_after_a_ping(void **state)
{
	struct upstream_core c = in_state(F_OPEN);
	struct upstream_output out;

	(void)state;
	assert_int_equal(c.timers.at[DL_HEARTBEAT], T0 + 10000);
	/* Stable at the same moment: one due deadline per tick, in order. */
	out = at(&c, UEV_TICK, T0 + 10000);
	assert_int_equal(out.actions, UACT_HEALTHY);
	assert_int_equal(out.deadline, T0 + 10000);
	out = at(&c, UEV_TICK, T0 + 10000);
	assert_int_equal(out.actions, UACT_WANT_WRITE);
	out = at(&c, UEV_WRITABLE, T0 + 10001);
	assert_int_equal(out.actions, UACT_WRITE_PING | UACT_WRITE_DATA);
	/* Written once: the next writable writes data only. */
	out = at(&c, UEV_WRITABLE, T0 + 10002);
	assert_int_equal(out.actions, UACT_WRITE_DATA);
	assert_int_equal(c.timers.at[DL_HEARTBEAT], T0 + 10001 + 5000);
	out = at(&c, UEV_TICK, T0 + 15001);
	assert_true(out.actions & UACT_SAY_DEAD);
	assert_true(out.actions & UACT_KILL);
	assert_string_equal(out.text, "no pong within 5000ms of a ping");
	assert_int_equal(c.fsm.state, FSM_CLOSING);
}

/* A pong, or with liveness = any any frame, is a sign of life. */
static void
test_sign_of_life_clears_the_deadline(void **state)
{
	struct upstream_core c = in_state(F_OPEN);
	struct upstream_params p = params();

	(void)state;
	at(&c, UEV_TICK, T0 + 10000);
	at(&c, UEV_TICK, T0 + 10000);
	at(&c, UEV_WRITABLE, T0 + 10000);
	assert_true(c.live.alive_by != 0);
	at(&c, UEV_PONG, T0 + 10050);
	assert_int_equal(c.live.alive_by, 0);

	c = in_state(F_OPEN);
	at(&c, UEV_TICK, T0 + 10000);
	at(&c, UEV_TICK, T0 + 10000);
	at(&c, UEV_WRITABLE, T0 + 10000);
	at(&c, UEV_RECEIVED, T0 + 10050);
	assert_true(c.live.alive_by != 0);	/* liveness = pong */
	p.any_frame_is_alive = true;
	upstream_core_set_params(&c, &p);
	at(&c, UEV_RECEIVED, T0 + 10060);
	assert_int_equal(c.live.alive_by, 0);
}

/* A server message over max_message_size: 1009, read on at a bounded rate. */
static void
test_message_too_big_closes_with_1009(void **state)
{
	struct upstream_core c = in_state(F_OPEN);
	struct upstream_output out;

	(void)state;
	/* Fragments add up; a final one starts the count again. */
	out = feed(&c, (struct upstream_input){ .ev = UEV_RECEIVED, .now = T1,
						.len = 1000, .final = true });
	assert_int_equal(out.actions, UACT_COUNT_RX);
	out = feed(&c, (struct upstream_input){ .ev = UEV_RECEIVED, .now = T1,
						.len = 1000 });
	assert_int_equal(out.actions, UACT_COUNT_RX);
	out = feed(&c, (struct upstream_input){ .ev = UEV_RECEIVED, .now = T1,
						.len = 25 });
	assert_int_equal(out.actions, UACT_COUNT_RX | UACT_SAY_TOO_BIG |
				      UACT_THROTTLE_RX | UACT_WANT_WRITE);
	assert_string_equal(out.text, "server message over 1024 bytes (max_message_size)");
	out = at(&c, UEV_WRITABLE, T1);
	assert_int_equal(out.actions, UACT_WRITE_CLOSE);
	assert_int_equal(out.close_code, FSM_CLOSE_TOO_BIG);
	assert_string_equal(upstream_close_reason(out.close_code), "message too big");
	/* What still comes is not counted against us. */
	out = feed(&c, (struct upstream_input){ .ev = UEV_RECEIVED, .now = T1,
						.len = 5000 });
	assert_int_equal(out.actions, 0);
}

/* Retry-After and a slow close code are floors for the next delay. */
static void
test_server_asks_for_patience(void **state)
{
	struct upstream_core c = in_state(F_TCP);
	struct upstream_output out;

	(void)state;
	feed(&c, (struct upstream_input){ .ev = UEV_CONNECT_ERROR, .now = T1,
					  .floor_ms = 7000, .why = "HTTP 503" });
	out = at(&c, UEV_DESTROYED, T1);
	assert_int_equal(out.retry_in_ms, 7000);

	c = in_state(F_OPEN);
	out = feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE, .now = T1,
						.code = 1008 });
	assert_true(out.slow_retry);
	at(&c, UEV_CLOSED, T1);
	at(&c, UEV_FIN_DONE, T1);
	out = at(&c, UEV_DESTROYED, T1);
	assert_int_equal(out.retry_in_ms, 30000);
	/* Used up: the one after is the plain backoff again. */
	assert_int_equal(c.retry.floor_ms, 0);

	c = in_state(F_OPEN);
	out = feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE, .now = T1,
						.code = 1001 });
	assert_false(out.slow_retry);
}

/* A connect that takes too long names the phase it was in. */
static void
test_connect_timeout_names_the_phase(void **state)
{
	struct upstream_core c = in_state(F_TCP);
	struct upstream_output out;

	(void)state;
	out = feed(&c, (struct upstream_input){ .ev = UEV_TICK, .now = T0 + 3000,
						.tcp_up = false });
	assert_true(out.actions & UACT_SAY_FAILED);
	assert_true(out.actions & UACT_KILL);
	assert_string_equal(out.text, "timed out after 3000ms during the TCP connect");

	c = in_state(F_RESOLVING);
	out = at(&c, UEV_TICK, T0 + 3000);
	assert_string_equal(out.text, "timed out after 3000ms during DNS resolution");
	assert_true(out.actions & UACT_CANCEL_QUERY);
	assert_int_equal(c.fsm.state, FSM_IDLE);
}

/* The library reported the attempt's end before our connect call did. */
static void
test_failed_attempt_reported_twice_counts_once(void **state)
{
	struct upstream_core c = in_state(F_TCP);
	struct upstream_output out;

	(void)state;
	at(&c, UEV_CONNECT_ERROR, T1);
	out = at(&c, UEV_DESTROYED, T1);
	assert_int_equal(out.failures, 1);
	out = at(&c, UEV_NO_SOCKET, T1);
	assert_int_equal(out.actions, 0);
	assert_int_equal(c.fsm.failures, 1);
}

/* Shutdown with messages queued: drain, then a 1001 Close, then exit. */
static void
test_shutdown_drains_then_closes(void **state)
{
	struct upstream_core c = in_state(F_DRAINING);
	struct upstream_output out;

	(void)state;
	assert_int_equal(c.timers.at[DL_DRAIN], T0 + 5000);
	out = feed(&c, (struct upstream_input){ .ev = UEV_WRITTEN, .now = T1,
						.unsent = true });
	assert_int_equal(out.actions, UACT_WANT_WRITE);		/* more queued */
	out = at(&c, UEV_WRITTEN, T1);
	assert_int_equal(c.fsm.state, FSM_CLOSING);
	out = at(&c, UEV_WRITABLE, T1);
	assert_int_equal(out.close_code, FSM_CLOSE_GOING_AWAY);
	assert_int_equal(c.timers.at[DL_CLOSE], T1 + 2000);	/* close_timeout */
	at(&c, UEV_PEER_CLOSE, T1);
	out = at(&c, UEV_CLOSED, T1);
	out = at(&c, UEV_DESTROYED, T1);
	assert_int_equal(out.actions, 0);
	out = at(&c, UEV_FIN_DONE, T1);
	assert_int_equal(out.actions, UACT_REWIND | UACT_EXIT);
	assert_int_equal(upstream_core_deadline(&c), 0);
}

/* Late in the drain, a Close gets what is left of it, not close_timeout. */
static void
test_close_late_in_the_drain_gets_what_is_left(void **state)
{
	struct upstream_core c = in_state(F_DRAINING);

	(void)state;
	at(&c, UEV_WRITTEN, T0 + 4000);			/* drained at last */
	assert_int_equal(c.sock.state, WSOCK_CLOSE_OWED);
	assert_int_equal(c.timers.at[DL_CLOSE], T0 + 5000);	/* not + 2000 */
}

/* The drain time runs out with messages queued: said, then closed. */
static void
test_drain_time_over(void **state)
{
	struct upstream_core c = in_state(F_DRAINING);
	struct upstream_output out;

	(void)state;
	c.timers.at[DL_HEARTBEAT] = 0;
	c.live.ping_at = 0;
	out = feed(&c, (struct upstream_input){ .ev = UEV_TICK, .now = T0 + 5000 });
	assert_true(out.actions & UACT_SAY_UNDRAINED);
	assert_true(out.actions & UACT_WANT_WRITE);
	/* A Close past the drain time still gets a moment. */
	assert_int_equal(c.timers.at[DL_CLOSE], T0 + 5000 + 250);
}

/* Shutdown while a retry is pending exits at once. */
static void
test_shutdown_while_idle_exits(void **state)
{
	struct upstream_core c = in_state(F_IDLE);
	struct upstream_output out;

	(void)state;
	out = at(&c, UEV_SHUTDOWN, T1);
	assert_int_equal(out.actions, UACT_EXIT);
	assert_int_equal(upstream_core_deadline(&c), 0);
	out = at(&c, UEV_START, T1);
	assert_true(out.actions & UACT_REFUSED);
}

/* ---- at least once -------------------------------------------------------- */

static struct upstream_output
pong(struct upstream_core *c, uint64_t now, uint64_t seq, bool unsent,
     bool queue_empty)
{
	struct upstream_input in = { .ev = UEV_PONG, .now = now, .unsent = unsent,
				     .queue_empty = queue_empty,
				     .len = CONFIRM_PING_BYTES };

	confirm_encode(seq, in.pong);
	return feed(c, in);
}

static struct upstream_output
written_upto(struct upstream_core *c, uint64_t now, uint64_t seq, bool unsent)
{
	return feed(c, (struct upstream_input){ .ev = UEV_WRITTEN, .now = now,
						.sent_seq = seq, .unsent = unsent });
}

/* An open connection that confirms, its queue starting at message 100. */
static struct upstream_core
confirming(void)
{
	struct upstream_params p = params();
	struct upstream_core c;

	p.confirm_interval_ms = 100;
	p.ping_interval_ms = 0;
	upstream_core_init(&c, &p);
	at(&c, UEV_START, T0);
	feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = T0, .count = 1 });
	feed(&c, (struct upstream_input){ .ev = UEV_ESTABLISHED, .now = T0,
					  .sent_seq = 100, .unsent = true });
	return c;
}

/*
 * Written messages are confirmed by the Pong of a ping that followed
 * them: at once when nothing else waits, else at most every interval.
 */
static void
test_pongs_confirm_what_their_ping_followed(void **state)
{
	struct upstream_core c = confirming();
	struct upstream_output out;

	(void)state;
	out = at(&c, UEV_WRITABLE, T0);
	assert_int_equal(out.actions, UACT_WRITE_DATA);		/* nothing to confirm */
	assert_true(out.keep_written);
	/* 100..104 written, nothing else waits: a ping at once. */
	out = written_upto(&c, T0, 105, false);
	assert_int_equal(out.actions, UACT_WANT_WRITE);
	out = at(&c, UEV_WRITABLE, T0 + 1);
	assert_int_equal(out.actions, UACT_WRITE_PING | UACT_WRITE_DATA);
	assert_int_equal(out.ping_seq, 105);
	/* More written while that ping is awaited: no second ping yet... */
	out = written_upto(&c, T0 + 2, 110, false);
	assert_int_equal(out.actions, 0);
	assert_int_equal(out.deadline, T0 + 1 + 100);
	/* ...its Pong confirms 100..104 and asks for the next at once. */
	out = pong(&c, T0 + 5, 105, false, false);
	assert_int_equal(out.actions, UACT_CONFIRM | UACT_WANT_WRITE);
	assert_int_equal(out.confirm_upto, 105);
	out = at(&c, UEV_WRITABLE, T0 + 6);
	assert_int_equal(out.ping_seq, 110);
	/* A stale, foreign or garbled Pong confirms nothing. */
	out = pong(&c, T0 + 7, 105, false, false);
	assert_int_equal(out.actions & UACT_CONFIRM, 0);
	out = pong(&c, T0 + 7, 111, false, false);
	assert_int_equal(out.actions & UACT_CONFIRM, 0);
	out = feed(&c, (struct upstream_input){ .ev = UEV_PONG, .now = T0 + 7,
						.len = 0 });
	assert_int_equal(out.actions & UACT_CONFIRM, 0);
	out = pong(&c, T0 + 8, 110, false, false);
	assert_int_equal(out.actions, UACT_CONFIRM);
	assert_int_equal(out.confirm_upto, 110);
	assert_int_equal(c.timers.at[DL_CONFIRM], 0);	/* nothing to confirm */
}

/* Under a steady backlog, pings go every confirm_interval, no more. */
static void
test_busy_connection_pings_at_the_interval(void **state)
{
	struct upstream_core c = confirming();
	struct upstream_output out;
	uint64_t seq = 100, pings = 0;

	(void)state;
	for (uint64_t t = T0; t < T0 + 1000; t += 5) {
		out = at(&c, UEV_WRITABLE, t);
		if (out.actions & UACT_WRITE_PING)
			pings++;
		seq += 50;
		written_upto(&c, t, seq, true);
		out = at(&c, UEV_TICK, t);	/* whatever is due */
	}
	/* One at once, then one per 100 ms over the second. */
	assert_true(pings >= 9 && pings <= 11);
}

/* The socket is lost: what it carried unconfirmed is sent again. */
static void
test_lost_connection_rewinds(void **state)
{
	struct upstream_core c = confirming();
	struct upstream_output out;

	(void)state;
	at(&c, UEV_WRITABLE, T0);
	written_upto(&c, T0, 150, false);
	at(&c, UEV_CLOSED, T0 + 10);
	out = at(&c, UEV_DESTROYED, T0 + 10);
	assert_true(out.actions & UACT_REWIND);
	assert_int_equal(c.fsm.state, FSM_IDLE);
	/* The next connection starts again from the first unconfirmed. */
	at(&c, UEV_TICK, out.deadline);
	feed(&c, (struct upstream_input){ .ev = UEV_RESOLVED, .now = out.deadline,
					  .count = 1 });
	out = feed(&c, (struct upstream_input){ .ev = UEV_ESTABLISHED,
						.now = out.deadline,
						.sent_seq = 100, .unsent = true });
	assert_true(out.actions & UACT_WANT_WRITE);
	assert_int_equal(c.confirm.written, 100);
	assert_int_equal(c.confirm.confirmed, 100);
}

/*
 * Our Close waits until what was written is confirmed: lws 4.1 passes no
 * Pong up once the Close is out.  A Pong that never comes meets the
 * close deadline.
 */
static void
test_close_waits_for_confirmation(void **state)
{
	struct upstream_core c = confirming();
	struct upstream_output out;

	(void)state;
	at(&c, UEV_WRITABLE, T0);
	written_upto(&c, T0, 130, false);
	out = at(&c, UEV_RESTART, T0 + 1);
	assert_true(out.actions & UACT_WANT_WRITE);
	out = at(&c, UEV_WRITABLE, T0 + 1);
	assert_int_equal(out.actions, UACT_WRITE_PING);
	assert_int_equal(out.ping_seq, 130);
	assert_int_equal(c.sock.state, WSOCK_CLOSE_OWED);
	out = at(&c, UEV_WRITABLE, T0 + 2);		/* Pong awaited */
	assert_int_equal(out.actions, 0);
	out = pong(&c, T0 + 3, 130, false, false);
	assert_int_equal(out.actions, UACT_CONFIRM | UACT_WANT_WRITE);
	assert_int_equal(out.confirm_upto, 130);
	out = at(&c, UEV_WRITABLE, T0 + 4);
	assert_int_equal(out.actions, UACT_WRITE_CLOSE);

	/* Nothing unconfirmed: the Close goes at once. */
	c = confirming();
	at(&c, UEV_RESTART, T0 + 1);
	out = at(&c, UEV_WRITABLE, T0 + 1);
	assert_int_equal(out.actions, UACT_WRITE_CLOSE);

	/*
	 * No Pong: at half the close deadline the Close goes anyway, and
	 * gets the other half; unanswered, the socket is dropped, and what
	 * was unconfirmed is sent again.
	 */
	c = confirming();
	at(&c, UEV_WRITABLE, T0);
	written_upto(&c, T0, 130, false);
	at(&c, UEV_RESTART, T0 + 1);
	at(&c, UEV_WRITABLE, T0 + 1);			/* the ping */
	out = at(&c, UEV_TICK, T0 + 1 + 1000);
	assert_int_equal(out.actions, UACT_WANT_WRITE);
	out = at(&c, UEV_WRITABLE, T0 + 1 + 1000);
	assert_int_equal(out.actions, UACT_WRITE_CLOSE);
	out = at(&c, UEV_TICK, T0 + 1 + 2000);
	assert_int_equal(out.actions, UACT_KILL);
	out = at(&c, UEV_DESTROYED, T0 + 2001);
	assert_true(out.actions & UACT_REWIND);

	/* The server's own Close proves nothing about what came before. */
	c = confirming();
	at(&c, UEV_WRITABLE, T0);
	written_upto(&c, T0, 130, false);
	out = feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE, .now = T0 + 2,
						.code = 1001 });
	assert_int_equal(out.actions & UACT_CONFIRM, 0);
}

/* Stopping: the drain is over only once everything is confirmed. */
static void
test_drain_waits_for_confirmation(void **state)
{
	struct upstream_core c = confirming();
	struct upstream_output out;

	(void)state;
	feed(&c, (struct upstream_input){ .ev = UEV_SHUTDOWN, .now = T0,
					  .unsent = true });
	at(&c, UEV_WRITABLE, T0);
	out = written_upto(&c, T0, 120, false);		/* all written */
	assert_int_equal(c.fsm.state, FSM_OPEN);
	assert_int_equal(out.actions, UACT_WANT_WRITE);	/* the ping */
	at(&c, UEV_WRITABLE, T0 + 1);
	out = pong(&c, T0 + 3, 120, false, false);
	assert_true(out.actions & UACT_CONFIRM);
	assert_int_equal(c.fsm.state, FSM_CLOSING);
	assert_int_equal(c.sock.state, WSOCK_CLOSE_OWED);
}

/* At most once: nothing is kept, and pings confirm nothing. */
static void
test_at_most_once_keeps_nothing(void **state)
{
	struct upstream_core c = in_state(F_OPEN);
	struct upstream_output out;

	(void)state;
	out = at(&c, UEV_WRITABLE, T1);
	assert_false(out.keep_written);
	out = written_upto(&c, T1, 150, false);
	assert_int_equal(out.actions, 0);
	out = pong(&c, T1, 150, false, true);
	assert_int_equal(out.actions, 0);
}

/* What the glue asks between steps. */
static void
test_questions(void **state)
{
	struct upstream_core c = in_state(F_OPEN);

	(void)state;
	assert_true(upstream_core_wants_data(&c));
	assert_true(upstream_core_reading(&c));
	c = in_state(F_CLOSE_OWED);
	assert_false(upstream_core_wants_data(&c));
	assert_true(upstream_core_reading(&c));
	c = in_state(F_IDLE);
	assert_false(upstream_core_reading(&c));
	assert_int_equal(upstream_core_retry_at(&c), c.timers.at[DL_RETRY]);
	assert_true(upstream_core_retry_at(&c) > T0);
	assert_string_equal(upstream_close_reason(1000), "reconnecting");
	assert_string_equal(upstream_event_name(UEV_COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_and_input_keeps_the_rules),
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_an_early_tick_does_nothing),
		cmocka_unit_test(test_reconnect_storm_never_overlaps_and_backs_off),
		cmocka_unit_test(test_stable_connection_forgets_failures),
		cmocka_unit_test(test_close_never_answered_is_dropped),
		cmocka_unit_test(test_server_that_never_closes_tcp),
		cmocka_unit_test(test_no_fin_wait_when_fin_timeout_is_zero),
		cmocka_unit_test(test_dead_peer_is_dropped_after_a_ping),
		cmocka_unit_test(test_sign_of_life_clears_the_deadline),
		cmocka_unit_test(test_message_too_big_closes_with_1009),
		cmocka_unit_test(test_server_asks_for_patience),
		cmocka_unit_test(test_connect_timeout_names_the_phase),
		cmocka_unit_test(test_failed_attempt_reported_twice_counts_once),
		cmocka_unit_test(test_shutdown_drains_then_closes),
		cmocka_unit_test(test_close_late_in_the_drain_gets_what_is_left),
		cmocka_unit_test(test_drain_time_over),
		cmocka_unit_test(test_shutdown_while_idle_exits),
		cmocka_unit_test(test_pongs_confirm_what_their_ping_followed),
		cmocka_unit_test(test_busy_connection_pings_at_the_interval),
		cmocka_unit_test(test_lost_connection_rewinds),
		cmocka_unit_test(test_close_waits_for_confirmation),
		cmocka_unit_test(test_drain_waits_for_confirmation),
		cmocka_unit_test(test_at_most_once_keeps_nothing),
		cmocka_unit_test(test_questions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
