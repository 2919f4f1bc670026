/*
 * lws_log.h - libwebsockets' own log lines, through our logger.
 *
 * lws logs process-wide, through one function; this module is it.  Its
 * lines get our priorities and repeat suppression (lws repeats the same
 * complaint on every failed attempt), and a certificate's refusal, which
 * lws states only here, is handed to tls.h for the connection's error.
 */
#ifndef WSPUSHD_LWS_LOG_H
#define WSPUSHD_LWS_LOG_H

/*
 * Route lws' lines at our level (LOG_ERR .. LOG_DEBUG); call before
 * lws_create_context(), and again when the level changes.
 */
void lws_log_route(int level);

#endif
