/*
 * test_ws_frame.c - frame encoding against RFC 6455's own example, the
 * three length forms, word-wise masking against the byte-wise
 * definition at every length and alignment, and masking keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/ws_frame.h"

/* RFC 6455 section 5.7: a single-frame masked text message "Hello". */
static void
test_rfc6455_example(void **state)
{
	static const unsigned char want[] = {
		0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
		0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	unsigned char out[32];
	struct ws_frame_info f;

	(void)state;
	assert_int_equal(ws_frame_encode(out, "Hello", 5, false, key),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_true(ws_frame_parse(out, sizeof(want), &f));
	assert_int_equal(f.header_len, 6);
	assert_int_equal(f.payload_len, 5);
	assert_int_equal(f.opcode, WS_OPCODE_TEXT);
	assert_true(f.fin);
	assert_true(f.masked);
}

static void
test_length_forms(void **state)
{
	static const struct { size_t len, header; unsigned char b1; } cases[] = {
		{ 0, 6, 0x80 }, { 125, 6, 0x80 | 125 }, { 126, 8, 0x80 | 126 },
		{ 65535, 8, 0x80 | 126 }, { 65536, 14, 0x80 | 127 },
		{ 1000000, 14, 0x80 | 127 },
	};
	static const unsigned char key[4] = { 1, 2, 3, 4 };
	unsigned char *src = calloc(1, 1000000), *out = malloc(1000000 + 14);

	(void)state;
	assert_non_null(src);
	assert_non_null(out);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ws_frame_info f;
		size_t n = ws_frame_encode(out, src, cases[k].len, true, key);

		assert_int_equal(ws_frame_header_len(cases[k].len), cases[k].header);
		assert_int_equal(n, cases[k].header + cases[k].len);
		assert_int_equal(out[0], 0x82);
		assert_int_equal(out[1], cases[k].b1);
		/* A header cut short is not a header. */
		assert_false(ws_frame_parse(out, cases[k].header - 1, &f));
		assert_true(ws_frame_parse(out, cases[k].header, &f));
		assert_int_equal(f.header_len, cases[k].header);
		assert_int_equal(f.payload_len, cases[k].len);
		assert_int_equal(f.opcode, WS_OPCODE_BINARY);
		assert_memory_equal(out + f.header_len - 4, key, 4);
	}
	/* The extended lengths, byte by byte (network order). */
	ws_frame_encode(out, src, 126, false, key);
	assert_memory_equal(out, "\x81\xfe\x00\x7e\x01\x02\x03\x04", 8);
	ws_frame_encode(out, src, 65535, false, key);
	assert_memory_equal(out, "\x81\xfe\xff\xff\x01\x02\x03\x04", 8);
	ws_frame_encode(out, src, 65536, false, key);
	assert_memory_equal(out, "\x81\xff\x00\x00\x00\x00\x00\x01\x00\x00"
			    "\x01\x02\x03\x04", 14);
	free(src);
	free(out);
}

static void
test_mask_matches_definition(void **state)
{
	static const unsigned char key[4] = { 0xde, 0xad, 0xbe, 0xef };
	unsigned char src[80], dst[80], back[80];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 31 + 5);
	for (size_t align = 0; align < 8; align++) {
		for (size_t len = 0; len + align <= 64; len++) {
			ws_mask(dst + align, src + align, len, key);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(dst[align + i],
						 src[align + i] ^ key[i & 3]);
			/* Masking twice gives the original, in place too. */
			memcpy(back, dst, sizeof(back));
			ws_mask(back + align, back + align, len, key);
			assert_memory_equal(back + align, src + align, len);
		}
	}
}

static void
test_mask_keys(void **state)
{
	struct ws_mask_keys k;
	unsigned char key[4], first[4];
	int same = 0;

	(void)state;
	ws_mask_keys_init(&k);
	assert_int_equal(ws_mask_keys_next(&k, first), 0);
	/* Past one pool refill; keys are random, so repeats are rare. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(ws_mask_keys_next(&k, key), 0);
		same += memcmp(key, first, 4) == 0;
	}
	assert_true(same < 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6455_example),
		cmocka_unit_test(test_length_forms),
		cmocka_unit_test(test_mask_matches_definition),
		cmocka_unit_test(test_mask_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
