/*
 * cluster_slot.h - what a Redis Cluster client must know about keys and
 * redirections.  Pure.
 *
 *  - A key lives in slot CRC16(key) mod 16384, where only the part
 *    between the first "{" and the next "}" counts when it is not
 *    empty (a hash tag: "{ws}:a" and "{ws}:b" share a slot).
 *  - Which argument of a command is its key (the first, for the
 *    commands wspushd sends), or none: such a command may go to any
 *    node.
 *  - "-MOVED 3999 127.0.0.1:6381": the slot lives there now; "-ASK ...":
 *    ask there this once, after ASKING (a slot being migrated).
 */
#ifndef WSPUSHD_CLUSTER_SLOT_H
#define WSPUSHD_CLUSTER_SLOT_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_SLOTS 16384

uint16_t cluster_slot(const char *key, size_t len);

/* The index of the key among argv[0..argc-1], or -1: no key. */
int cluster_key_arg(int argc, const char *const *argv);

enum cluster_redirect_kind {
	CLUSTER_NOT_REDIRECTED,
	CLUSTER_MOVED,
	CLUSTER_ASK,
};

struct cluster_redirect {
	uint16_t slot;
	char ip[46];		/* without brackets */
	uint16_t port;
};

/* An error reply's text (without the "-"): a redirection, and where to. */
enum cluster_redirect_kind cluster_redirect_parse(const char *err, size_t len,
						  struct cluster_redirect *out);

#endif
