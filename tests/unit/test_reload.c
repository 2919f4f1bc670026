/*
 * test_reload.c - which changes reconnect what.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/config_keys.h"
#include "wspushd/reload.h"
#include "wspushd/strlist.h"

static void
base(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->url_text = "wss://a.example/x";
	c->redis_url_text = "redis://127.0.0.1:6379";
	c->status_key = "wspushd:status";
	c->status_ttl_ms = 30000;
}

static void
add(struct strlist *l, const char *s)
{
	l->items = realloc(l->items, (l->count + 1) * sizeof(*l->items));
	l->items[l->count++] = (char *)s;
}

static void
test_nothing_changed(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	a.connect_timeout_ms = 3000;
	b.connect_timeout_ms = 5000;	/* applies at once: no reconnect */
	reload_plan(&a, &b, &p);
	assert_false(p.upstream || p.redis || p.subscriptions || p.status || p.metrics);
}

static void
test_upstream_changes(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	b.url_text = "wss://b.example/x";
	reload_plan(&a, &b, &p);
	assert_true(p.upstream);
	assert_false(p.redis);

	base(&b);
	add(&b.headers, "Authorization: Bearer new");
	reload_plan(&a, &b, &p);
	assert_true(p.upstream);
	free(b.headers.items);

	base(&b);
	b.tls_insecure = true;
	reload_plan(&a, &b, &p);
	assert_true(p.upstream);
}

static void
test_channels_as_sets(void **state)
{
	struct config a, b;
	struct reload_plan p;
	const char *out[4];

	(void)state;
	base(&a);
	base(&b);
	add(&a.channels, "x");
	add(&a.channels, "y");
	add(&b.channels, "y");
	add(&b.channels, "x");
	reload_plan(&a, &b, &p);
	assert_false(p.subscriptions);	/* same set, other order */

	add(&b.channels, "z");
	reload_plan(&a, &b, &p);
	assert_true(p.subscriptions);
	assert_false(p.redis);
	assert_int_equal(strlist_minus(&b.channels, &a.channels, out), 1);
	assert_string_equal(out[0], "z");
	assert_int_equal(strlist_minus(&a.channels, &b.channels, out), 0);
	free(a.channels.items);
	free(b.channels.items);
}

static void
test_redis_and_status(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	b.redis_url_text = "redis://10.0.0.1:6379";
	reload_plan(&a, &b, &p);
	assert_true(p.redis);
	assert_false(p.upstream);

	base(&b);
	b.status_key = NULL;
	b.metrics_listen = "127.0.0.1:9477";
	reload_plan(&a, &b, &p);
	assert_true(p.status);
	assert_true(p.metrics);
}

/* Every channel replaced at once: the sets differ in all their items. */
static void
test_channels_all_replaced(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	add(&a.channels, "x");
	add(&a.channels, "y");
	add(&b.channels, "p");
	add(&b.channels, "q");
	reload_plan(&a, &b, &p);
	assert_true(p.subscriptions);
	assert_false(p.upstream || p.redis || p.status || p.metrics);
	free(a.channels.items);
	free(b.channels.items);
}

/* What the key table says a change needs is what the plan asks for. */
static void
test_plan_follows_the_key_table(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	b.subprotocol = "chat.v2";
	reload_plan(&a, &b, &p);
	assert_int_equal(cfg_keys[UP_SUBPROTOCOL].reload, RELOAD_UPSTREAM);
	assert_true(p.upstream);

	base(&b);
	b.redis.password = "new";	/* from password_file */
	reload_plan(&a, &b, &p);
	assert_true(p.redis);
	assert_false(p.upstream);

	base(&b);
	b.redis.user = "acl-user";
	reload_plan(&a, &b, &p);
	assert_true(p.redis);

	base(&b);
	b.status_ttl_ms = 60000;
	reload_plan(&a, &b, &p);
	assert_true(p.status);

	/* Keys read where they are used apply at once. */
	base(&b);
	b.queue_max_messages = 7;
	b.log_level = 7;
	b.dns_servers = "192.0.2.1:53";
	b.slow_retry_codes.count = 1;
	reload_plan(&a, &b, &p);
	assert_false(p.upstream || p.redis || p.subscriptions || p.status ||
		     p.metrics);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_changed),
		cmocka_unit_test(test_upstream_changes),
		cmocka_unit_test(test_channels_as_sets),
		cmocka_unit_test(test_redis_and_status),
		cmocka_unit_test(test_channels_all_replaced),
		cmocka_unit_test(test_plan_follows_the_key_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
