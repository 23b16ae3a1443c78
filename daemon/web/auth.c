#include "web/auth.h"

#include <crypt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hash.h"
#include "util/xalloc.h"

#define REMEMBERED 16
#define HEADER_MAX 512

struct gw_auth {
    pthread_mutex_t lock;
    /* Basic credentials verified against a hash, and the users text they were verified under. */
    struct {
        char header[HEADER_MAX];
        uint64_t users_hash;
        bool used;
    } seen[REMEMBERED];
    size_t next;
};

struct gw_auth *gw_auth_new(void)
{
    struct gw_auth *a = gw_xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

void gw_auth_free(struct gw_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a);
}

bool gw_auth_required(const char *token, const char *users)
{
    return (token && *token) || (users && *users);
}

/* Equal strings, in a time that depends only on their lengths. */
static bool same(const char *a, size_t na, const char *b, size_t nb)
{
    unsigned char diff = na != nb;
    size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int b64(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 into out (NUL-terminated); false when malformed or too long. */
static bool decode(const char *in, char *out, size_t size)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        int v = b64(*in);
        if (v < 0)
            return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= size)
                return false;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return memchr(out, '\0', n) == NULL;
}

/* Whether user:password matches a line of `users`. */
static bool user_ok(const char *users, const char *user, size_t user_len, const char *password)
{
    bool ok = false;
    const char *line = users;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        const char *colon = memchr(line, ':', len);
        if (colon && line[0] != '#' && same(line, (size_t)(colon - line), user, user_len)) {
            char stored[256];
            size_t slen = len - (size_t)(colon - line) - 1;
            if (slen < sizeof(stored)) {
                memcpy(stored, colon + 1, slen);
                stored[slen] = '\0';
                if (stored[0] == '$') {
                    struct crypt_data data;
                    memset(&data, 0, sizeof(data));
                    const char *h = crypt_r(password, stored, &data);
                    ok |= h && h[0] != '*' && same(h, strlen(h), stored, slen);
                } else {
                    ok |= same(stored, slen, password, strlen(password));
                }
            }
        }
        line += len;
        while (*line == '\n' || *line == '\r' || *line == ' ')
            line++;
    }
    return ok;
}

static bool basic_ok(struct gw_auth *a, const char *users, const char *header, const char *b64text)
{
    if (strlen(header) >= HEADER_MAX)
        return false;
    uint64_t uh = gw_hash_str(users);
    bool remembered = false;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < REMEMBERED; i++)
        remembered |= a->seen[i].used && a->seen[i].users_hash == uh &&
                      same(a->seen[i].header, strlen(a->seen[i].header), header, strlen(header));
    pthread_mutex_unlock(&a->lock);
    if (remembered)
        return true;
    char plain[HEADER_MAX];
    if (!decode(b64text, plain, sizeof(plain)))
        return false;
    char *colon = strchr(plain, ':');
    if (!colon)
        return false;
    bool ok = user_ok(users, plain, (size_t)(colon - plain), colon + 1);
    explicit_bzero(plain, sizeof(plain));
    if (ok) {
        pthread_mutex_lock(&a->lock);
        size_t i = a->next++ % REMEMBERED;
        strcpy(a->seen[i].header, header);
        a->seen[i].users_hash = uh;
        a->seen[i].used = true;
        pthread_mutex_unlock(&a->lock);
    }
    return ok;
}

bool gw_auth_check(struct gw_auth *a, const char *token, const char *users,
                   const char *authorization)
{
    if (!gw_auth_required(token, users))
        return true;
    if (!authorization)
        return false;
    if (token && *token && strncasecmp(authorization, "Bearer ", 7) == 0) {
        const char *given = authorization + 7;
        while (*given == ' ')
            given++;
        return same(given, strlen(given), token, strlen(token));
    }
    if (users && *users && strncasecmp(authorization, "Basic ", 6) == 0) {
        const char *text = authorization + 6;
        while (*text == ' ')
            text++;
        return basic_ok(a, users, authorization, text);
    }
    return false;
}
