/*
 * The signals a long-running program of ours reacts to (SIGTERM, SIGINT,
 * SIGHUP, SIGUSR1), read on its event loop and never delivered any other way.
 *
 * gw_signals_block() blocks them in the calling thread. Called first thing,
 * before the process has any other thread, it makes every thread created
 * later (libuv's pool, the RRD writer, libcurl's resolver threads) inherit the
 * blocked mask: none of these signals can then interrupt a thread, run a
 * handler or take its default action. They wait, pending, until the loop reads
 * them from a signalfd (gw_signals_start). Nothing ever puts a default action
 * back, so a signal that arrives while the program stops, even after the
 * reader is closed, cannot kill it: it stays pending and is discarded when the
 * process exits. (libuv's uv_signal_t, by contrast, restores SIG_DFL when the
 * last handle of a signal closes.)
 *
 * Children: uv_spawn gives a child default actions and an empty mask (libuv
 * resets both in the child before exec). A child made with fork() inherits
 * the blocked mask through exec: call gw_signals_unblock() in it first.
 */
#ifndef GW_SIGNALS_H
#define GW_SIGNALS_H

#include <uv.h>

struct gw_signals;

/* Called on the loop for each signal read; `signum` is one of the four above. */
typedef void (*gw_signals_cb)(void *data, int signum);

/*
 * Blocks SIGTERM, SIGINT, SIGHUP and SIGUSR1 in the calling thread (see
 * above: call it before any thread exists). Returns 0 or a negative errno.
 */
int gw_signals_block(void);

/* Unblocks them in the calling thread: for a forked child, before exec. */
void gw_signals_unblock(void);

/*
 * Reads the blocked signals on `loop` through a signalfd and calls cb(data,
 * signum) for each, on the loop. Two signals of the same kind sent before the
 * first is read count once (the kernel keeps one pending). The reader keeps
 * the loop alive until gw_signals_stop. On success returns 0 and sets *out;
 * returns a negative errno (nothing to stop) when the signalfd or its poll
 * handle cannot be made.
 */
int gw_signals_start(uv_loop_t *loop, gw_signals_cb cb, void *data, struct gw_signals **out);

/*
 * Stops reading: signals that arrive from now on stay pending (and harmless)
 * until the process exits. The memory and the descriptor are released in a
 * close callback, so run the loop once more before uv_loop_close(). NULL does
 * nothing.
 */
void gw_signals_stop(struct gw_signals *s);

#endif
