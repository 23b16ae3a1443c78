/*
 * gzip bodies for routes with `gzip: true`, sent whatever the request's
 * Accept-Encoding says (as many CDNs and misconfigured servers do).
 *
 * A body given in full is compressed at once. A generated body of any size
 * (`size: 1GiB`) is a gzip bomb made cheaply: its bytes repeat every
 * SIM_GZIP_BLOCK, so one block compressed once with a full flush (which
 * makes it refer to nothing before it) is sent again and again, then the
 * rest, then gzip's trailer with the CRC of the whole computed by combining
 * CRCs. 1 GiB costs about 1 MiB on the wire and no more work than compressing
 * 1 MiB, whatever part of it the client reads.
 */
#ifndef SIM_GZIP_H
#define SIM_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* The period a generated body's bytes must repeat with (or divide). */
#define SIM_GZIP_BLOCK (1024u * 1024u)

/* Writes bytes pos .. pos+n of a generated body into buf. */
typedef void (*sim_gzip_fill_fn)(char *buf, uint64_t pos, size_t n);

/* `len` bytes of `data` as one gzip member. Returns a new buffer (caller frees); *out_len its
 * length. */
char *sim_gzip(const char *data, size_t len, size_t *out_len);

struct sim_gzip_stream;

/* The gzip form of a generated body of `size` bytes that `fill` writes. Caller frees. */
struct sim_gzip_stream *sim_gzip_stream_new(uint64_t size, sim_gzip_fill_fn fill);

/* Its length: the Content-Length to send. */
uint64_t sim_gzip_stream_size(const struct sim_gzip_stream *z);

/* Copies up to `max` of its bytes from `pos` into buf; returns how many (0 at the end). */
size_t sim_gzip_stream_read(const struct sim_gzip_stream *z, uint64_t pos, char *buf, size_t max);

/* NULL does nothing. */
void sim_gzip_stream_free(struct sim_gzip_stream *z);

#endif
