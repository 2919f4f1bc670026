/*
 * wsock.c - see wsock.h.
 */
#include "wspushd/wsock.h"

static const char *const names[WSOCK_STATE_COUNT] = {
	[WSOCK_NONE] = "none",
	[WSOCK_RESOLVING] = "resolving",
	[WSOCK_CONNECTING] = "connecting",
	[WSOCK_UPGRADING] = "upgrading",
	[WSOCK_OPEN] = "open",
	[WSOCK_CLOSE_OWED] = "close owed",
	[WSOCK_CLOSE_SENT] = "close sent",
	[WSOCK_CLOSE_SEEN] = "close seen",
	[WSOCK_DROPPING] = "dropping",
	[WSOCK_ENDED] = "ended",
	[WSOCK_FIN_WAIT] = "waiting for FIN",
};

const char *
wsock_state_name(enum wsock_state s)
{
	return (unsigned)s < WSOCK_STATE_COUNT ? names[s] : "?";
}

/* The glue's wsi exists: a kill can reach it. */
static bool
has_wsi(const struct wsock *w)
{
	switch (w->state) {
	case WSOCK_CONNECTING:
	case WSOCK_UPGRADING:
	case WSOCK_OPEN:
	case WSOCK_CLOSE_OWED:
	case WSOCK_CLOSE_SENT:
	case WSOCK_CLOSE_SEEN:
	case WSOCK_DROPPING:
	case WSOCK_ENDED:
		return true;
	case WSOCK_FIN_WAIT:
		return !w->destroyed;
	default:
		return false;
	}
}

static unsigned
gone(struct wsock *w)
{
	w->state = WSOCK_NONE;
	w->destroyed = false;
	return WSOCK_GONE;
}

void
wsock_attempt(struct wsock *w)
{
	w->state = WSOCK_RESOLVING;
	w->close_code = 0;
	w->destroyed = false;
}

void
wsock_connecting(struct wsock *w)
{
	if (w->state == WSOCK_RESOLVING)
		w->state = WSOCK_CONNECTING;
}

void
wsock_upgrading(struct wsock *w)
{
	if (w->state == WSOCK_CONNECTING)
		w->state = WSOCK_UPGRADING;
}

void
wsock_open(struct wsock *w)
{
	if (w->state == WSOCK_CONNECTING || w->state == WSOCK_UPGRADING)
		w->state = WSOCK_OPEN;
}

unsigned
wsock_close(struct wsock *w, uint16_t code)
{
	if (w->state != WSOCK_OPEN)
		return WSOCK_NOTHING;	/* already closing, or nothing to close */
	w->state = WSOCK_CLOSE_OWED;
	w->close_code = code;
	return WSOCK_WANT_WRITE;
}

unsigned
wsock_drop(struct wsock *w)
{
	if (w->state == WSOCK_RESOLVING) {
		gone(w);
		return WSOCK_CANCEL_QUERY | WSOCK_GONE;
	}
	if (w->state == WSOCK_FIN_WAIT)
		/* Only the FIN wait holds it: end that; or kill what is left. */
		return w->destroyed ? WSOCK_END_FIN_WAIT : WSOCK_KILL;
	if (!has_wsi(w))
		return WSOCK_NOTHING;
	w->state = WSOCK_DROPPING;
	return WSOCK_KILL;
}

unsigned
wsock_writable(struct wsock *w)
{
	switch (w->state) {
	case WSOCK_OPEN:
		return WSOCK_WRITE_DATA;
	case WSOCK_CLOSE_OWED:
		/* Exactly once: a second -1 from WRITEABLE resets the socket. */
		w->state = WSOCK_CLOSE_SENT;
		return WSOCK_WRITE_CLOSE;
	default:
		return WSOCK_NOTHING;
	}
}

void
wsock_peer_close(struct wsock *w)
{
	switch (w->state) {
	case WSOCK_OPEN:
	case WSOCK_CLOSE_OWED:	/* lws answers the server's Close itself */
	case WSOCK_CLOSE_SENT:
		w->state = WSOCK_CLOSE_SEEN;
		break;
	default:
		break;
	}
}

unsigned
wsock_closed(struct wsock *w)
{
	switch (w->state) {
	case WSOCK_CLOSE_SENT:
	case WSOCK_CLOSE_SEEN:
		/* A Close went one way or both: let the server close TCP first. */
		w->state = WSOCK_FIN_WAIT;
		return WSOCK_START_FIN_WAIT;
	case WSOCK_CONNECTING:
	case WSOCK_UPGRADING:
	case WSOCK_OPEN:
	case WSOCK_CLOSE_OWED:
		w->state = WSOCK_ENDED;
		return WSOCK_NOTHING;
	default:
		/* Dropping: nobody to wait for. */
		return WSOCK_NOTHING;
	}
}

unsigned
wsock_destroyed(struct wsock *w)
{
	if (w->state == WSOCK_NONE)
		return WSOCK_NOTHING;
	if (w->state == WSOCK_FIN_WAIT) {
		w->destroyed = true;	/* gone when the FIN wait ends */
		return WSOCK_NOTHING;
	}
	return gone(w);
}

unsigned
wsock_fin_done(struct wsock *w)
{
	if (w->state != WSOCK_FIN_WAIT)
		return WSOCK_NOTHING;
	if (w->destroyed)
		return gone(w);
	w->state = WSOCK_ENDED;		/* the wsi's destruction ends it */
	return WSOCK_NOTHING;
}

unsigned
wsock_failed_early(struct wsock *w)
{
	if (w->state != WSOCK_RESOLVING && w->state != WSOCK_CONNECTING)
		return WSOCK_NOTHING;
	return gone(w);
}

bool
wsock_live(const struct wsock *w)
{
	return w->state != WSOCK_NONE;
}

bool
wsock_carrying(const struct wsock *w)
{
	return w->state == WSOCK_OPEN;
}

const char *
wsock_phase(const struct wsock *w, bool tls, bool tcp_up)
{
	switch (w->state) {
	case WSOCK_RESOLVING:
		return "DNS resolution";
	case WSOCK_CONNECTING:
		if (!tcp_up)
			return "the TCP connect";
		return tls ? "the TLS handshake" : "the HTTP upgrade";
	case WSOCK_UPGRADING:
		return "the HTTP upgrade";
	default:
		return "connecting";
	}
}
