/*
 * test_config_relay_id.c - what a configuration relays, as the relay
 * lock names it: the same relay whatever the file's path or the order
 * of the flags, told apart by the upstream and by each input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/relay_id.h"
#include "config_harness.h"

static void
build(struct relay_id *id, struct run *r)
{
	assert_int_equal(r->rc, 0);
	relay_id_build(&r->cfg, id);
	run_free(r);
}

static bool
same(const struct relay_id *a, const struct relay_id *b)
{
	if (strcmp(a->upstream, b->upstream) != 0 ||
	    a->inputs.count != b->inputs.count)
		return false;
	for (size_t i = 0; i < a->inputs.count; i++)
		if (!strlist_has(&b->inputs, a->inputs.items[i]))
			return false;
	return true;
}

static void
test_names(void **state)
{
	struct run r;
	struct relay_id id;

	(void)state;
	load(&r, "--url", "WSS://Up.Example/ws?x=1", "--channel", "a",
	     "--pattern", "p.*", "--stream", "s", "--group", "g",
	     "--redis", "redis://Cache.Example:6380/2", NULL);
	build(&id, &r);
	assert_string_equal(id.upstream, "wss://up.example:443/ws?x=1");
	assert_int_equal(id.inputs.count, 3);
	assert_string_equal(id.inputs.items[0], "channel a @ cache.example:6380");
	assert_string_equal(id.inputs.items[1], "pattern p.* @ cache.example:6380");
	assert_string_equal(id.inputs.items[2],
			    "stream s group g @ cache.example:6380/2");
	relay_id_free(&id);

	load(&r, "--url", "ws://[::1]:9000/", "--channel", "a",
	     "--redis", "unix:///run/redis.sock", NULL);
	build(&id, &r);
	assert_string_equal(id.upstream, "ws://[::1]:9000/");
	assert_string_equal(id.inputs.items[0], "channel a @ unix:/run/redis.sock");
	relay_id_free(&id);
}

/* A copy of the file elsewhere, flags in another order: the same relay. */
static void
test_same_relay_wherever_it_is_written(void **state)
{
	struct run r;
	struct relay_id a, b, c;
	const char *one, *two;

	(void)state;
	one = write_file("one.conf", "[upstream]\nurl = ws://up.example/ws\n"
			 "[redis]\nchannel = x\nchannel = y\n");
	two = write_file("two.conf", "[redis]\nchannel = y\nchannel = x\n"
			 "[upstream]\nurl = ws://UP.example:80/ws\n");
	load(&r, "-c", one, NULL);
	build(&a, &r);
	load(&r, "-c", two, NULL);
	build(&b, &r);
	load(&r, "--channel", "y", "--url", "ws://up.example/ws",
	     "--channel", "x", NULL);
	build(&c, &r);
	assert_true(same(&a, &b));
	assert_true(same(&a, &c));
	relay_id_free(&a);
	relay_id_free(&b);
	relay_id_free(&c);
}

/* Pub/Sub ignores the database; a stream lives in one. */
static void
test_what_tells_relays_apart(void **state)
{
	struct run r;
	struct relay_id a, b;

	(void)state;
	load(&r, "--url", "ws://up/ws", "--channel", "x",
	     "--redis", "redis://127.0.0.1/1", NULL);
	build(&a, &r);
	load(&r, "--url", "ws://up/ws", "--channel", "x",
	     "--redis", "redis://127.0.0.1/2", NULL);
	build(&b, &r);
	assert_true(same(&a, &b));
	relay_id_free(&a);
	relay_id_free(&b);

	load(&r, "--url", "ws://up/ws", "--stream", "s",
	     "--redis", "redis://127.0.0.1/1", NULL);
	build(&a, &r);
	load(&r, "--url", "ws://up/ws", "--stream", "s",
	     "--redis", "redis://127.0.0.1/2", NULL);
	build(&b, &r);
	assert_false(same(&a, &b));
	relay_id_free(&a);
	relay_id_free(&b);

	/* With Sentinel, the master's name is Redis, not url's host. */
	load(&r, "--url", "ws://up/ws", "--channel", "x", "-c",
	     write_file("s1.conf", "[redis]\nsentinel = a\nmaster = m\n"
			"url = redis://one\n"), NULL);
	build(&a, &r);
	load(&r, "--url", "ws://up/ws", "--channel", "x", "-c",
	     write_file("s2.conf", "[redis]\nsentinel = b\nmaster = m\n"
			"url = redis://two\n"), NULL);
	build(&b, &r);
	assert_true(same(&a, &b));
	assert_string_equal(a.inputs.items[0], "channel x @ sentinel:m");
	relay_id_free(&a);
	relay_id_free(&b);

	load(&r, "--url", "ws://up/ws", "--channel", "x", NULL);
	build(&a, &r);
	load(&r, "--url", "ws://up/other", "--channel", "x", NULL);
	build(&b, &r);
	assert_string_not_equal(a.upstream, b.upstream);
	relay_id_free(&a);
	relay_id_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_names, cleanup_files),
		cmocka_unit_test_teardown(test_same_relay_wherever_it_is_written,
					  cleanup_files),
		cmocka_unit_test_teardown(test_what_tells_relays_apart,
					  cleanup_files),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
