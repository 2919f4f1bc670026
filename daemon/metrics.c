/*
 * metrics.c - see metrics.h.
 *
 * The listening socket is ours (listener.h), not lws': lws 4.1.6's
 * listener spins at 100% CPU when accept() fails with EMFILE.  Each
 * accepted connection is handed to lws' HTTP server on a vhost that
 * does not listen, exactly as lws' own listener would have done it.
 *
 * Ownership: the caller owns struct metrics until metrics_free(), the
 * vhost after that.  lws_vhost_destroy() only starts the end: lws still
 * calls us back for the connections it closes, and frees the vhost
 * later.  The vhost's finalize callback is the one moment nothing can
 * call us any more, so that is where the struct is freed.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "wspushd/listener.h"
#include "wspushd/log.h"
#include "wspushd/config.h"
#include "wspushd/metrics.h"
#include "wspushd/metrics_text.h"
#include "wspushd/watch.h"

#define METRICS_PROTOCOL_NAME "wspushd-metrics"
#define METRICS_PATH "/metrics"

/*
 * Seconds a client has to send its request headers, and to keep an
 * idle keep-alive connection.  A scraper asks at once; anything slower
 * is a stuck or hostile client that would hold one of the few slots.
 */
#define METRICS_TIMEOUT_S 5

/* Body bytes per write: every write is small, and the loop moves on. */
#define METRICS_CHUNK 1024

struct metrics {
	struct lws_vhost *vh;		/* NULL once lws freed it */
	struct listener *listener;	/* NULL after metrics_free */
	struct metrics_source src;	/* render NULL after metrics_free */
	unsigned clients;		/* connections open now */
	bool released;			/* metrics_free() ran: the vhost owns us */
	char where[INET6_ADDRSTRLEN + 8];	/* "127.0.0.1:9477", "[::1]:9477" */
	struct log_repeat refused_log;
};

/*
 * One request and its response.  lws allocates it zeroed
 * (per_session_data_size) only once a request has arrived, so a
 * connection that never sends one has none: user is NULL in its
 * callbacks.
 */
struct session {
	bool close_after;	/* close instead of waiting for another request */
	char *body;		/* the response body still to send, or NULL */
	size_t len;
	size_t sent;
};

static int metrics_callback(struct lws *wsi, enum lws_callback_reasons reason,
			    void *user, void *in, size_t len);

/*
 * The first is what lws gives accepted connections (and the vhost-wide
 * callbacks); the listening socket is a watch on this vhost.
 */
static const struct lws_protocols protocols[] = {
	{ METRICS_PROTOCOL_NAME, metrics_callback, sizeof(struct session), 0, 0,
	  NULL, 0 },
	{ WATCH_PROTOCOL_NAME, watch_protocol_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
drop_body(struct session *ss)
{
	if (ss == NULL)
		return;
	free(ss->body);
	ss->body = NULL;
	ss->len = ss->sent = 0;
}

/* The whole text, measured first, so any size fits. */
static char *
render_body(struct metrics *m, size_t *len)
{
	size_t need = m->src.render(m->src.arg, NULL, 0);
	char *body = malloc(need + 1);

	if (body == NULL)
		return NULL;
	*len = m->src.render(m->src.arg, body, need + 1);
	if (*len > need)	/* grew in between: send what was measured */
		*len = need;
	return body;
}

/*
 * Headers now, the body from WRITEABLE.  Takes body (malloc'd) in any
 * case.  Returns what the HTTP callback should return.
 */
/* The whole response is out: free it, then close or await the next. */
static int
response_done(struct lws *wsi, struct session *ss)
{
	drop_body(ss);
	if (ss->close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
respond(struct lws *wsi, struct session *ss, unsigned status, const char *type,
	char *body, size_t len, bool head)
{
	unsigned char hdr[LWS_PRE + 512];
	unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
	static const char allow[] = "GET, HEAD";

	drop_body(ss);
	ss->body = body;
	ss->len = len;
	if (body == NULL ||
	    lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    (status == HTTP_STATUS_METHOD_NOT_ALLOWED &&
	     lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
					 (const unsigned char *)allow,
					 (int)strlen(allow), &p, end)) ||
	    (ss->close_after &&
	     lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
					  (const unsigned char *)"close", 5,
					  &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!head) {
		/* Also a client that stops reading gives its slot back. */
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, METRICS_TIMEOUT_S);
		lws_callback_on_writable(wsi);
		return 0;
	}
	return response_done(wsi, ss);
}

static int
respond_text(struct lws *wsi, struct session *ss, unsigned status,
	     const char *text, bool head)
{
	return respond(wsi, ss, status, "text/plain; charset=utf-8",
		       strdup(text), strlen(text), head);
}

/*
 * /healthz: 200 while the upstream connection is open; /readyz: 200
 * while messages can come in (subscribed).  503 otherwise, saying why.
 */
static int
answer_probe(struct metrics *m, struct lws *wsi, struct session *ss,
	     bool ready, bool head)
{
	char why[256];
	bool ok = m->src.probe(m->src.arg, ready, why, sizeof(why) - 1);

	strcat(why, "\n");
	return respond_text(wsi, ss, ok ? HTTP_STATUS_OK :
			    HTTP_STATUS_SERVICE_UNAVAILABLE, why, head);
}

static int
request(struct metrics *m, struct lws *wsi, struct session *ss, const char *path)
{
	char *uri, *body;
	int method, ulen;
	size_t len = 0;
	bool found = strcmp(path, METRICS_PATH) == 0;

	if (m == NULL || m->src.render == NULL)
		return -1;	/* shutting down */
	method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
	/* Not the path itself: it is the client's text, newlines and all. */
	log_debug("metrics: %s of %s", method == LWSHUMETH_GET ? "GET" :
		  method == LWSHUMETH_HEAD ? "HEAD" : "another method",
		  found ? METRICS_PATH : "another path");
	if (method != LWSHUMETH_GET && method != LWSHUMETH_HEAD) {
		/* A body may follow; not reading it, the connection ends here. */
		ss->close_after = true;
		return respond_text(wsi, ss, HTTP_STATUS_METHOD_NOT_ALLOWED,
				    "method not allowed: use GET\n", false);
	}
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0)
		return answer_probe(m, wsi, ss, path[1] == 'r',
				    method == LWSHUMETH_HEAD);
	if (!found)
		return respond_text(wsi, ss, HTTP_STATUS_NOT_FOUND,
				    "not found: the metrics are at " METRICS_PATH
				    " (and /healthz, /readyz)\n",
				    method == LWSHUMETH_HEAD);
	body = render_body(m, &len);
	return respond(wsi, ss, HTTP_STATUS_OK, METRICS_CONTENT_TYPE, body, len,
		       method == LWSHUMETH_HEAD);
}

static int
write_body(struct lws *wsi, struct session *ss)
{
	unsigned char buf[LWS_PRE + METRICS_CHUNK];
	size_t n;
	bool last;

	if (ss->body == NULL)
		return 0;	/* a writable callback nobody asked for */
	n = ss->len - ss->sent;
	if (n > METRICS_CHUNK)
		n = METRICS_CHUNK;
	last = ss->sent + n == ss->len;
	/* lws_write() needs LWS_PRE bytes of its own before the data. */
	memcpy(buf + LWS_PRE, ss->body + ss->sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n,
		      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	ss->sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return response_done(wsi, ss);
}

/*
 * A new TCP connection, before lws makes anything of it.  lws has no
 * per-vhost bound on connections, so this is it: beyond the bound the
 * socket is closed at once.
 */
static int
admit(struct metrics *m)
{
	if (m->src.render == NULL)
		return 1;
	if (m->clients < METRICS_MAX_CLIENTS)
		return 0;
	log_repeated(&m->refused_log, LOG_WARNING,
		     "metrics: %u connections open on %s, refusing another",
		     m->clients, m->where);
	return 1;
}

/* From the listener: fd is ours, to serve or to close. */
static void
accepted(void *arg, int fd)
{
	struct metrics *m = arg;
	lws_sock_file_fd_type desc;
	int one = 1;

	if (admit(m)) {
		close(fd);
		return;
	}
	/* As lws' listener did: headers and body go out without delay. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	desc.sockfd = fd;
	/*
	 * What lws' own listener does with a connection it accepted, minus
	 * TLS.  On failure lws has closed fd and logged why.
	 */
	if (lws_adopt_descriptor_vhost(m->vh, LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP,
				       desc, NULL, NULL) == NULL)
		log_repeated(&m->refused_log, LOG_WARNING,
			     "metrics: libwebsockets could not take a connection "
			     "on %s", m->where);
}

/*
 * Counted per connection, not per session: a connection that sends
 * nothing has no session.  The mark is the wsi's opaque pointer, so
 * only connections counted here are ever uncounted.
 */
static void
client_opened(struct metrics *m, struct lws *wsi)
{
	if (m == NULL)
		return;
	lws_set_opaque_user_data(wsi, m);
	m->clients++;
}

static void
client_gone(struct metrics *m, struct lws *wsi)
{
	if (m == NULL || lws_get_opaque_user_data(wsi) != m)
		return;
	lws_set_opaque_user_data(wsi, NULL);
	m->clients--;
	/* Its descriptor is free now: worth accepting again if we were out. */
	listener_room(m->listener);
}

static int
metrics_callback(struct lws *wsi, enum lws_callback_reasons reason,
		 void *user, void *in, size_t len)
{
	struct metrics *m = lws_vhost_user(lws_get_vhost(wsi));
	struct session *ss = user;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		client_opened(m, wsi);
		break;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* WebSocket or h2c: a connection that would never end. */
		return -1;
	case LWS_CALLBACK_HTTP:
		if (ss == NULL)
			return -1;
		return request(m, wsi, ss, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return ss != NULL ? write_body(wsi, ss) : 0;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		/* The response was cut short, or the session is going. */
		drop_body(ss);
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* The definitive end of a connection. */
		drop_body(ss);
		client_gone(m, wsi);
		break;
	default:
		break;
	}
	return 0;
}

/* Called by lws just before it frees the vhost. */
static void
vhost_gone(struct lws_vhost *vh, void *arg)
{
	struct metrics *m = arg;

	m->vh = NULL;
	if (m->released)
		free(m);
}

union addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static socklen_t
parse_addr(const char *host, uint16_t port, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->v4.sin_addr) == 1) {
		a->v4.sin_family = AF_INET;
		a->v4.sin_port = htons(port);
		return sizeof(a->v4);
	}
	if (inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1) {
		a->v6.sin6_family = AF_INET6;
		a->v6.sin6_port = htons(port);
		return sizeof(a->v6);
	}
	return 0;
}

static struct lws_vhost *
create_vhost(struct lws_context *ctx, struct metrics *m)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.vhost_name = "metrics";
	/* A server that listens through us: see listener.h. */
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.timeout_secs = METRICS_TIMEOUT_S;
	info.timeout_secs_ah_idle = METRICS_TIMEOUT_S;
	info.keepalive_timeout = METRICS_TIMEOUT_S;
	info.user = m;
	info.finalize = vhost_gone;
	info.finalize_arg = m;
	return lws_create_vhost(ctx, &info);
}

struct metrics *
metrics_new(struct lws_context *ctx, const char *host, uint16_t port,
	    const struct metrics_source *src, char *err, size_t errlen)
{
	struct metrics *m;
	union addr a;
	socklen_t alen = parse_addr(host, port, &a);
	bool v4 = alen == sizeof(a.v4);

	if (alen == 0 || port == 0) {
		snprintf(err, errlen, "cannot listen on %s port %u: not a numeric "
			 "address and port", host, port);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->src = *src;
	snprintf(m->where, sizeof(m->where), v4 ? "%s:%u" : "[%s]:%u", host, port);
	m->vh = create_vhost(ctx, m);
	if (m->vh == NULL) {
		snprintf(err, errlen, "cannot listen on %s: libwebsockets could "
			 "not set up the server", m->where);
		free(m);
		return NULL;
	}
	/*
	 * Bound exactly as given: an IPv4 address never becomes the IPv6
	 * wildcard (lws' own listener did that without DISABLE_IPV6).
	 */
	m->listener = listener_new(ctx, m->vh, &a.sa, alen, "metrics", m->where,
				   METRICS_FD_RESERVE, accepted, m, err, errlen);
	if (m->listener == NULL) {
		int e = errno;

		metrics_free(m);
		errno = e;
		return NULL;
	}
	log_info("metrics: serving http://%s%s", m->where, METRICS_PATH);
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	m->src.render = NULL;
	m->src.arg = NULL;
	m->released = true;
	listener_free(m->listener);
	m->listener = NULL;
	if (m->vh == NULL) {
		free(m);	/* lws already freed the vhost */
		return;
	}
	/* May call vhost_gone(), and so free m, before it returns. */
	lws_vhost_destroy(m->vh);
}

int
metrics_start(struct lws_context *ctx, const struct config *cfg,
	      const struct metrics_source *src, struct metrics **out)
{
	char err[160];

	*out = NULL;
	if (cfg->metrics_listen == NULL)
		return 0;
	*out = metrics_new(ctx, cfg->metrics_host, cfg->metrics_port, src, err,
			   sizeof(err));
	if (*out == NULL && errno == EADDRINUSE) {
		log_err("%s: another process holds it; choose another [metrics] "
			"listen", err);
		return -EADDRINUSE;
	}
	if (*out == NULL) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}
