/*
 * watch.c - see watch.h.
 *
 * Two parties own a watch: the caller (until watch_remove) and lws (until
 * it reports the adopted descriptor closed).  The struct is freed when
 * both have let go, whichever is last.  A lent watch whose duplicate lws
 * dropped is the caller's alone until lost_sul adopts a fresh one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "wspushd/log.h"
#include "wspushd/watch.h"

struct watch {
	struct lws *wsi;		/* NULL once lws closed it */
	struct lws_vhost *vh;
	struct lws_context *ctx;
	const struct watch_ops *ops;
	void *arg;
	int lent_fd;			/* watch_lend(): the owner's; else -1 */
	int losses;			/* duplicates lws dropped by itself */
	lws_sorted_usec_list_t lost_sul;
	bool removed;			/* the caller let go */
	bool notify;			/* ...but wants closed() all the same */
	bool reporting;			/* inside lost_fired()'s calls */
	bool reading;
	bool want_write;
};

/* Put fd on the loop for w, as w wants it.  0, or -1 (fd not taken). */
static int
adopt(struct watch *w, int fd)
{
	lws_adopt_desc_t info = { 0 };

	info.vh = w->vh;
	info.type = LWS_ADOPT_RAW_FILE_DESC;
	info.fd.filefd = fd;
	info.vh_prot_name = WATCH_PROTOCOL_NAME;
	info.opaque = w;
	w->wsi = lws_adopt_descriptor_vhost_via_info(&info);
	if (w->wsi == NULL) {
		/* For raw files lws leaves the descriptor to us on failure. */
		errno = EMFILE;
		return -1;
	}
	w->ctx = lws_get_context(w->wsi);
	if (!w->reading)
		lws_rx_flow_control(w->wsi, 0);
	if (w->want_write)
		lws_callback_on_writable(w->wsi);
	return 0;
}

static struct watch *
watch_new(struct lws_vhost *vh, int lent_fd, const struct watch_ops *ops,
	  void *arg)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->vh = vh;
	w->ops = ops;
	w->arg = arg;
	w->lent_fd = lent_fd;
	w->reading = true;	/* lws polls an adopted descriptor for input */
	return w;
}

struct watch *
watch_add(struct lws_vhost *vh, int fd, const struct watch_ops *ops, void *arg)
{
	struct watch *w = watch_new(vh, -1, ops, arg);

	if (w != NULL && adopt(w, fd) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

struct watch *
watch_lend(struct lws_vhost *vh, int fd, const struct watch_ops *ops,
	   void *arg)
{
	struct watch *w = watch_new(vh, fd, ops, arg);
	int dupfd, e;

	if (w == NULL)
		return NULL;
	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd >= 0 && adopt(w, dupfd) == 0)
		return w;
	e = errno;
	if (dupfd >= 0)
		close(dupfd);
	free(w);
	errno = e;
	return NULL;
}

void
watch_want_read(struct watch *w, bool on)
{
	w->reading = on;
	if (w->wsi != NULL)
		lws_rx_flow_control(w->wsi, on ? 1 : 0);
}

void
watch_want_write(struct watch *w)
{
	w->want_write = true;
	if (w->wsi != NULL)
		lws_callback_on_writable(w->wsi);
}

/* The caller lets go of a watch lws no longer holds. */
static void
release(struct watch *w)
{
	if (w->reporting) {
		w->removed = true;	/* lost_fired() frees it */
		return;
	}
	if (w->ctx != NULL)
		lws_sul_cancel(&w->lost_sul);
	free(w);
}

void
watch_remove(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->wsi == NULL) {
		release(w);
		return;
	}
	/*
	 * We may be inside this very watch's callback, so the descriptor is
	 * closed on lws' next turn, not now.  Stop reading meanwhile so a
	 * readable-but-unread fd cannot spin the loop.
	 */
	w->removed = true;
	lws_rx_flow_control(w->wsi, 0);
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void
watch_remove_notify(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->wsi == NULL) {
		/* Already closed, and closed() already ran. */
		release(w);
		return;
	}
	w->notify = true;
	watch_remove(w);
}

/*
 * lws dropped a lent descriptor's duplicate: let the owner meet the
 * error through its own descriptor, then watch a fresh duplicate.
 */
static void
lost_fired(lws_sorted_usec_list_t *sul)
{
	struct watch *w = lws_container_of(sul, struct watch, lost_sul);
	int dupfd;

	if (++w->losses > WATCH_MAX_LOSSES) {
		log_debug("watch: descriptor %d keeps failing; not watched",
			  w->lent_fd);
		if (w->ops->closed != NULL)
			w->ops->closed(w->arg);	/* may free w */
		return;
	}
	w->reporting = true;
	if (w->reading && w->ops->readable != NULL)
		w->ops->readable(w->arg);
	if (!w->removed && w->want_write) {
		w->want_write = false;
		if (w->ops->writable != NULL)
			w->ops->writable(w->arg);
	}
	w->reporting = false;
	if (w->removed) {
		free(w);
		return;
	}
	dupfd = fcntl(w->lent_fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd >= 0 && adopt(w, dupfd) == 0)
		return;
	log_warn("watch: cannot watch descriptor %d again", w->lent_fd);
	if (dupfd >= 0)
		close(dupfd);
	if (w->ops->closed != NULL)
		w->ops->closed(w->arg);
}

static void
closed_by_lws(struct watch *w)
{
	w->wsi = NULL;
	if (w->removed) {
		if (w->notify && w->ops->closed != NULL)
			w->ops->closed(w->arg);
		free(w);
		return;
	}
	if (w->lent_fd >= 0) {
		log_debug("watch: descriptor %d: poll error, letting its owner "
			  "read it", w->lent_fd);
		/* Not from inside lws' close: the owner may open and close. */
		lws_sul_schedule(w->ctx, 0, &w->lost_sul, lost_fired, 0);
		return;
	}
	if (w->ops->closed != NULL)
		w->ops->closed(w->arg);
}

int
watch_protocol_callback(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len)
{
	struct watch *w = lws_get_opaque_user_data(wsi);

	if (w == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (!w->removed && w->ops->readable != NULL)
			w->ops->readable(w->arg);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (!w->removed && w->want_write) {
			w->want_write = false;
			if (w->ops->writable != NULL)
				w->ops->writable(w->arg);
		}
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		lws_set_opaque_user_data(wsi, NULL);
		closed_by_lws(w);
		break;
	default:
		break;
	}
	return 0;
}
