/*
 * test_fdlimit.c - the descriptor budget, counted in this very process:
 * what is left moves by one per descriptor opened below the limit, not
 * at all for one above it, and the soft limit is raised to the hard one.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "wspushd/fdlimit.h"

static struct rlimit saved;

static int
save_limit(void **state)
{
	return getrlimit(RLIMIT_NOFILE, &saved);
}

static int
restore_limit(void **state)
{
	return setrlimit(RLIMIT_NOFILE, &saved);
}

static void
set_soft(rlim_t soft)
{
	struct rlimit rl = saved;

	rl.rlim_cur = soft;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static void
test_left_counts_descriptors_below_the_limit(void **state)
{
	int64_t before, after;
	int fd;

	set_soft(64);
	assert_int_equal(fdlimit_soft(), 64);
	before = fdlimit_left();
	/* stdin, stdout, stderr at least are open. */
	assert_true(before > 0 && before <= 61);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0 && fd < 64);
	after = fdlimit_left();
	close(fd);
	assert_int_equal(after, before - 1);
	assert_int_equal(fdlimit_left(), before);
}

static void
test_descriptors_above_the_limit_do_not_count(void **state)
{
	int64_t before;
	int fd;

	set_soft(saved.rlim_cur);
	/* Put a descriptor at 200, then lower the limit under it. */
	fd = fcntl(0, F_DUPFD_CLOEXEC, 200);
	assert_true(fd >= 200);
	set_soft(64);
	before = fdlimit_left();
	close(fd);
	assert_int_equal(fdlimit_left(), before);
}

static void
test_none_left(void **state)
{
	int fds[64], n = 0, fd;

	set_soft(64);
	/* Take every number below the limit; then not even /proc opens. */
	while (n < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fds[n++] = fd;
	assert_int_equal(fdlimit_left(), 0);
	close(fds[--n]);
	assert_int_equal(fdlimit_left(), 1);
	while (n > 0)
		close(fds[--n]);
}

static void
test_raise_reaches_the_hard_limit(void **state)
{
	uint64_t was = 0, now = 0;

	if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max < 32)
		skip();
	set_soft(32);
	assert_int_equal(fdlimit_raise(&was, &now), 0);
	assert_int_equal(was, 32);
	assert_int_equal(now, saved.rlim_max);
	assert_int_equal(fdlimit_soft(), saved.rlim_max);
	/* Already there: nothing to do, and it says so. */
	assert_int_equal(fdlimit_raise(&was, &now), 0);
	assert_int_equal(was, saved.rlim_max);
	assert_int_equal(now, saved.rlim_max);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_left_counts_descriptors_below_the_limit,
						save_limit, restore_limit),
		cmocka_unit_test_setup_teardown(test_descriptors_above_the_limit_do_not_count,
						save_limit, restore_limit),
		cmocka_unit_test_setup_teardown(test_none_left, save_limit, restore_limit),
		cmocka_unit_test_setup_teardown(test_raise_reaches_the_hard_limit,
						save_limit, restore_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
