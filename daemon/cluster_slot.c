/*
 * cluster_slot.c - see cluster_slot.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wspushd/cluster_slot.h"
#include "wspushd/hostport.h"

/* CRC16-CCITT (XMODEM), as the Redis Cluster specification gives it. */
static uint16_t
crc16(const char *buf, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)buf[i] << 8);
		for (int k = 0; k < 8; k++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 :
					 crc << 1);
	}
	return crc;
}

uint16_t
cluster_slot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len), *close;

	if (open != NULL) {
		size_t rest = len - (size_t)(open - key) - 1;

		close = memchr(open + 1, '}', rest);
		if (close != NULL && close > open + 1) {
			key = open + 1;
			len = (size_t)(close - open - 1);
		}
	}
	return (uint16_t)(crc16(key, len) & (CLUSTER_SLOTS - 1));
}

int
cluster_key_arg(int argc, const char *const *argv)
{
	const char *cmd = argc > 0 ? argv[0] : "";

	if (strcasecmp(cmd, "EVAL") == 0 || strcasecmp(cmd, "EVALSHA") == 0)
		return argc > 3 && strcmp(argv[2], "0") != 0 ? 3 : -1;
	if (strcasecmp(cmd, "XREADGROUP") == 0) {
		for (int i = 1; i + 1 < argc; i++)
			if (strcasecmp(argv[i], "STREAMS") == 0)
				return i + 1;
		return -1;
	}
	/* XINFO GROUPS key, XGROUP CREATE key ... */
	if (strcasecmp(cmd, "XINFO") == 0 || strcasecmp(cmd, "XGROUP") == 0)
		return argc > 2 ? 2 : -1;
	/* Any node answers these (PUBLISH reaches every node's subscribers). */
	if (strcasecmp(cmd, "PING") == 0 || strcasecmp(cmd, "PUBLISH") == 0 ||
	    strcasecmp(cmd, "CLUSTER") == 0 || strcasecmp(cmd, "ROLE") == 0 ||
	    strcasecmp(cmd, "ASKING") == 0 || strcasecmp(cmd, "AUTH") == 0 ||
	    strcasecmp(cmd, "SELECT") == 0)
		return -1;
	return argc > 1 ? 1 : -1;
}

enum cluster_redirect_kind
cluster_redirect_parse(const char *err, size_t len, struct cluster_redirect *out)
{
	enum cluster_redirect_kind kind;
	char text[128];
	const char *p, *colon;
	unsigned slot;
	int used = 0;

	if (len >= sizeof(text))
		return CLUSTER_NOT_REDIRECTED;
	memcpy(text, err, len);
	text[len] = '\0';
	if (strncmp(text, "MOVED ", 6) == 0)
		kind = CLUSTER_MOVED;
	else if (strncmp(text, "ASK ", 4) == 0)
		kind = CLUSTER_ASK;
	else
		return CLUSTER_NOT_REDIRECTED;
	p = text + (kind == CLUSTER_MOVED ? 6 : 4);
	if (sscanf(p, "%u %n", &slot, &used) != 1 || used == 0 ||
	    slot >= CLUSTER_SLOTS)
		return CLUSTER_NOT_REDIRECTED;
	p += used;
	colon = strrchr(p, ':');
	if (colon == NULL || colon == p ||
	    (size_t)(colon - p) >= sizeof(out->ip) ||
	    hostport_port(colon + 1, strlen(colon + 1), &out->port) < 0)
		return CLUSTER_NOT_REDIRECTED;
	/* An IPv6 address may come with or without brackets. */
	if (*p == '[' && colon[-1] == ']')
		snprintf(out->ip, sizeof(out->ip), "%.*s", (int)(colon - p) - 2,
			 p + 1);
	else
		snprintf(out->ip, sizeof(out->ip), "%.*s", (int)(colon - p), p);
	out->slot = (uint16_t)slot;
	return kind;
}
