/*
 * watch.c - see watch.h.
 *
 * Two parties own a watch: the caller (until watch_remove) and lws (until
 * it reports the adopted descriptor closed).  The struct is freed when
 * both have let go, whichever is last.
 */
#include <errno.h>
#include <stdlib.h>

#include <libwebsockets.h>

#include "wspushd/log.h"
#include "wspushd/watch.h"

struct watch {
	struct lws *wsi;		/* NULL once lws closed it */
	const struct watch_ops *ops;
	void *arg;
	bool removed;			/* the caller let go */
	bool notify;			/* ...but wants closed() all the same */
	bool want_write;
};

struct watch *
watch_add(struct lws_vhost *vh, int fd, const struct watch_ops *ops, void *arg)
{
	lws_adopt_desc_t info = { 0 };
	struct watch *w;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->ops = ops;
	w->arg = arg;
	info.vh = vh;
	info.type = LWS_ADOPT_RAW_FILE_DESC;
	info.fd.filefd = fd;
	info.vh_prot_name = WATCH_PROTOCOL_NAME;
	info.opaque = w;
	w->wsi = lws_adopt_descriptor_vhost_via_info(&info);
	if (w->wsi == NULL) {
		/* For raw files lws leaves the descriptor to us on failure. */
		free(w);
		errno = EMFILE;
		return NULL;
	}
	return w;
}

void
watch_want_read(struct watch *w, bool on)
{
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

void
watch_remove(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->wsi == NULL) {
		free(w);
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
		free(w);
		return;
	}
	w->notify = true;
	watch_remove(w);
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
		w->wsi = NULL;
		if (w->removed) {
			if (w->notify && w->ops->closed != NULL)
				w->ops->closed(w->arg);
			free(w);
			break;
		}
		if (w->ops->closed != NULL)
			w->ops->closed(w->arg);
		break;
	default:
		break;
	}
	return 0;
}
