/*
 * sockopt.h - TCP settings every connection of ours gets, upstream and
 * Redis alike: keepalive probes, so a silently vanished peer is noticed
 * even when nothing is being sent, and TCP_USER_TIMEOUT, so data the
 * peer never acknowledges cannot hold a connection open forever.
 */
#ifndef WSPUSHD_SOCKOPT_H
#define WSPUSHD_SOCKOPT_H

#include <stdbool.h>

struct config;

/* 0, or -1 with errno from the first setsockopt that failed. */
int sockopt_tune_tcp(int fd, const struct config *cfg);
/* Whether fd is a connected socket (TCP's handshake is done). */
bool sockopt_connected(int fd);

#endif
