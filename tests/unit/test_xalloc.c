/*
 * test_xalloc.c - allocation that cannot fail, and wiping secrets.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "wspushd/xalloc.h"

static void
test_copies(void **state)
{
	char *s;
	int *v;

	(void)state;
	s = xstrdup("secret");
	assert_string_equal(s, "secret");
	free(s);
	s = xstrndup("secret", 3);
	assert_string_equal(s, "sec");
	free(s);
	s = xstrndup("ab", 10);
	assert_string_equal(s, "ab");
	free(s);
	s = xasprintf("%s:%d", "host", 80);
	assert_string_equal(s, "host:80");
	free(s);

	v = xmalloc(sizeof(*v));
	*v = 1;
	v = xreallocarray(v, 4, sizeof(*v));
	v[3] = 4;
	assert_int_equal(v[0], 1);
	free(v);
}

static void
test_wipe(void **state)
{
	char s[] = "sekrit";

	(void)state;
	wipe(s);
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(s[i], 0);
	wipe(NULL);
	wipe_free(xstrdup("sekrit"));
	wipe_free(NULL);
}

/* A product past SIZE_MAX is out of memory, never a short buffer. */
static void
test_overflow_aborts(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Silence "out of memory" in the test's output. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(2);
		xreallocarray(NULL, SIZE_MAX / 2, 4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* AddressSanitizer refuses such a request itself, and exits 1. */
	if (WIFEXITED(status))
		assert_int_not_equal(WEXITSTATUS(status), 0);
	else
		assert_int_equal(WTERMSIG(status), SIGABRT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_overflow_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
