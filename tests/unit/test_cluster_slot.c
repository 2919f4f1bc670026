/*
 * test_cluster_slot.c - Redis Cluster's key slots (hash tags included),
 * which argument is a command's key, and -MOVED / -ASK as Redis writes
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/cluster_slot.h"

static uint16_t
slot(const char *key)
{
	return cluster_slot(key, strlen(key));
}

static void
test_slots(void **state)
{
	(void)state;
	/* CRC16/XMODEM of "123456789" is 0x31C3. */
	assert_int_equal(slot("123456789"), 0x31C3 & 16383);
	/* As CLUSTER KEYSLOT answers. */
	assert_int_equal(slot("foo"), 12182);
	assert_int_equal(slot("somekey"), 11058);
	assert_int_equal(slot(""), 0);
	/* Hash tags: the first {...} that is not empty. */
	assert_int_equal(slot("{foo}:a"), 12182);
	assert_int_equal(slot("x{foo}y{bar}"), 12182);
	assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
	assert_int_equal(slot("{}foo"), cluster_slot("{}foo", 5));
	assert_true(slot("{}foo") != slot("foo"));	/* empty tag: the whole key */
	assert_int_equal(slot("{foo"), cluster_slot("{foo", 4));
	/* A key with a NUL in it counts every byte. */
	assert_true(cluster_slot("a\0b", 3) != cluster_slot("a", 1));
}

static void
test_key_args(void **state)
{
	const char *xack[] = { "XACK", "s", "g", "1-1" };
	const char *eval[] = { "EVAL", "return 1", "2", "k1", "k2", "a" };
	const char *eval0[] = { "EVAL", "return 1", "0" };
	const char *read[] = { "XREADGROUP", "GROUP", "g", "c", "COUNT", "5",
			       "BLOCK", "2000", "STREAMS", "s1", ">" };
	const char *info[] = { "XINFO", "GROUPS", "s" };
	const char *group[] = { "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM" };
	const char *ping[] = { "PING" };
	const char *publish[] = { "PUBLISH", "ch", "x" };

	(void)state;
	assert_int_equal(cluster_key_arg(4, xack), 1);
	assert_int_equal(cluster_key_arg(6, eval), 3);
	assert_int_equal(cluster_key_arg(3, eval0), -1);
	assert_int_equal(cluster_key_arg(11, read), 9);
	assert_int_equal(cluster_key_arg(3, info), 2);
	assert_int_equal(cluster_key_arg(6, group), 2);
	assert_int_equal(cluster_key_arg(1, ping), -1);
	assert_int_equal(cluster_key_arg(3, publish), -1);
}

static void
test_redirects(void **state)
{
	struct cluster_redirect r;
	static const char *const not_redirects[] = {
		"ERR unknown command", "MOVED", "MOVED 16384 1.2.3.4:5",
		"MOVED x 1.2.3.4:5", "MOVED 1 1.2.3.4", "MOVED 1 1.2.3.4:0",
		"MOVED 1 :7000", "ASK 1 1.2.3.4:99999", "MOVEDX 1 1.2.3.4:5",
	};

	(void)state;
	assert_int_equal(cluster_redirect_parse("MOVED 3999 127.0.0.1:6381",
						25, &r), CLUSTER_MOVED);
	assert_int_equal(r.slot, 3999);
	assert_string_equal(r.ip, "127.0.0.1");
	assert_int_equal(r.port, 6381);
	assert_int_equal(cluster_redirect_parse("ASK 0 ::1:7000", 14, &r),
			 CLUSTER_ASK);
	assert_string_equal(r.ip, "::1");
	assert_int_equal(r.port, 7000);
	assert_int_equal(cluster_redirect_parse("ASK 16383 [::1]:7001", 20, &r),
			 CLUSTER_ASK);
	assert_string_equal(r.ip, "::1");
	assert_int_equal(r.slot, 16383);
	for (size_t i = 0; i < sizeof(not_redirects) / sizeof(*not_redirects); i++)
		if (cluster_redirect_parse(not_redirects[i],
					   strlen(not_redirects[i]), &r) !=
		    CLUSTER_NOT_REDIRECTED)
			fail_msg("taken as a redirection: %s", not_redirects[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_key_args),
		cmocka_unit_test(test_redirects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
