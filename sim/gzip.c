#include "gzip.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "util/xalloc.h"

/* RFC 1952: magic, deflate, no flags, no time, no extra flags, Unix. */
static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
#define TRAILER_LEN 8

struct sim_gzip_stream {
    unsigned char *block; /* one SIM_GZIP_BLOCK of the body, raw deflate, full flush */
    size_t block_len;
    uint64_t n_blocks;
    unsigned char *tail; /* the rest of the body, raw deflate, final */
    size_t tail_len;
    unsigned char trailer[TRAILER_LEN];
    uint64_t size; /* of the whole gzip stream */
};

/* zlib failing on memory it was given is a broken invariant, not a state. */
static void zcheck(int rc, const char *what)
{
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        fprintf(stderr, "gwyliwr-sim: zlib %s failed (%d)\n", what, rc);
        abort();
    }
}

/*
 * Compresses `len` bytes with `flush` (Z_FULL_FLUSH or Z_FINISH) into a new
 * buffer; windowBits as deflateInit2 takes them (-15 raw, 31 gzip).
 */
static unsigned char *deflate_all(const void *data, size_t len, int window_bits, int flush,
                                  size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    zcheck(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
           "deflateInit2");
    /* deflateBound covers Z_FINISH; a full flush adds its empty stored block. */
    size_t cap = deflateBound(&zs, (uLong)len) + 16;
    unsigned char *out = gw_xmalloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    zcheck(deflate(&zs, flush), "deflate");
    if (zs.avail_in != 0 || zs.avail_out == 0) {
        fprintf(stderr, "gwyliwr-sim: zlib output larger than its bound\n");
        abort();
    }
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

char *sim_gzip(const char *data, size_t len, size_t *out_len)
{
    return (char *)deflate_all(data, len, 15 + 16, Z_FINISH, out_len);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The CRC of `n` copies of a block whose own CRC is `one`, by doubling. */
static uLong crc_repeated(uLong one, uint64_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0), power = one;
    z_off_t power_len = SIM_GZIP_BLOCK;
    for (; n; n >>= 1) {
        if (n & 1)
            crc = crc32_combine(crc, power, power_len);
        if (n > 1) {
            power = crc32_combine(power, power, power_len);
            power_len *= 2;
        }
    }
    return crc;
}

struct sim_gzip_stream *sim_gzip_stream_new(uint64_t size, sim_gzip_fill_fn fill)
{
    struct sim_gzip_stream *z = gw_xcalloc(1, sizeof(*z));
    char *plain = gw_xmalloc(SIM_GZIP_BLOCK);
    z->n_blocks = size / SIM_GZIP_BLOCK;
    uLong crc = crc32(0L, Z_NULL, 0);
    if (z->n_blocks) {
        fill(plain, 0, SIM_GZIP_BLOCK);
        z->block = deflate_all(plain, SIM_GZIP_BLOCK, -15, Z_FULL_FLUSH, &z->block_len);
        crc = crc_repeated(crc32(0L, (const Bytef *)plain, SIM_GZIP_BLOCK), z->n_blocks);
    }
    size_t rest = (size_t)(size % SIM_GZIP_BLOCK);
    fill(plain, z->n_blocks * SIM_GZIP_BLOCK, rest);
    z->tail = deflate_all(plain, rest, -15, Z_FINISH, &z->tail_len);
    crc = crc32_combine(crc, crc32(0L, (const Bytef *)plain, (uInt)rest), (z_off_t)rest);
    free(plain);
    put_le32(z->trailer, (uint32_t)crc);
    put_le32(z->trailer + 4, (uint32_t)size); /* ISIZE: the size modulo 2^32 */
    z->size = sizeof(gzip_header) + z->n_blocks * z->block_len + z->tail_len + TRAILER_LEN;
    return z;
}

uint64_t sim_gzip_stream_size(const struct sim_gzip_stream *z)
{
    return z->size;
}

size_t sim_gzip_stream_read(const struct sim_gzip_stream *z, uint64_t pos, char *buf, size_t max)
{
    size_t done = 0;
    while (done < max && pos < z->size) {
        const unsigned char *src;
        uint64_t avail;
        uint64_t blocks_end = sizeof(gzip_header) + z->n_blocks * z->block_len;
        if (pos < sizeof(gzip_header)) {
            src = gzip_header + pos;
            avail = sizeof(gzip_header) - pos;
        } else if (pos < blocks_end) {
            uint64_t off = (pos - sizeof(gzip_header)) % z->block_len;
            src = z->block + off;
            avail = z->block_len - off;
        } else if (pos < blocks_end + z->tail_len) {
            src = z->tail + (pos - blocks_end);
            avail = blocks_end + z->tail_len - pos;
        } else {
            src = z->trailer + (pos - blocks_end - z->tail_len);
            avail = z->size - pos;
        }
        size_t n = avail < max - done ? (size_t)avail : max - done;
        memcpy(buf + done, src, n);
        done += n;
        pos += n;
    }
    return done;
}

void sim_gzip_stream_free(struct sim_gzip_stream *z)
{
    if (!z)
        return;
    free(z->block);
    free(z->tail);
    free(z);
}
