/*
 * A resolver of the test program's own. No test may send a query off the
 * machine, yet libuv's and curl's resolver threads call getaddrinfo(), and
 * glibc hands even names under .invalid (which RFC 6761 asks resolvers to
 * refuse at once) to the DNS server. A program that includes this header
 * therefore defines getaddrinfo() and freeaddrinfo(): an executable's symbols
 * come first in the lookup order, so the resolver threads call these.
 *
 * The names of the table given to resolver_use() are answered from it; any
 * other name under .test or .invalid does not exist (EAI_NONAME); every other
 * name goes to the C library as a numeric host only, so a literal address
 * works and nothing is ever looked up.
 *
 * The two functions are external (they must be, to stand in for the C
 * library's): include this header in one file of a program only.
 */
#ifndef GW_RESOLVER_TESTUTIL_H
#define GW_RESOLVER_TESTUTIL_H

#include <dlfcn.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#define FAKE_NAME_MAX_ADDRESSES 4

/* One name of the table: an error, or its addresses in order. */
struct fake_name {
    const char *name; /* NULL ends the table */
    int error;        /* EAI_* to answer, or 0 to answer the addresses */
    const char *addresses[FAKE_NAME_MAX_ADDRESSES + 1]; /* IPv4 or IPv6 literals, NULL-ended */
    unsigned delay_ms;                                  /* the answer comes after so long */
};

static const struct fake_name *_Atomic resolver_table;
static atomic_int resolver_lookup_count;
/* ai_canonname of the lists made here, which tells freeaddrinfo they are ours. */
static char resolver_tag[] = "gwyliwr-test";

/* Answers from `table` (borrowed, NULL-name ended) from now on. */
static inline void resolver_use(const struct fake_name *table)
{
    atomic_store(&resolver_table, table);
}

/* How many lookups were answered here, whatever the answer. */
static inline int resolver_lookups(void)
{
    return atomic_load(&resolver_lookup_count);
}

struct resolver_ai {
    struct addrinfo ai;
    struct sockaddr_storage addr;
};

/* A list of the literals allowed by hints, or EAI_NODATA when none is. */
static inline int resolver_list(const char *const *literals, const char *service,
                                const struct addrinfo *hints, struct addrinfo **res)
{
    int family = hints ? hints->ai_family : AF_UNSPEC;
    int port = service ? atoi(service) : 0;
    struct addrinfo *head = NULL, **tail = &head;
    for (size_t i = 0; literals[i]; i++) {
        struct resolver_ai *f = calloc(1, sizeof(*f));
        if (!f)
            abort();
        if (uv_ip4_addr(literals[i], port, (struct sockaddr_in *)&f->addr) == 0) {
            f->ai.ai_addrlen = sizeof(struct sockaddr_in);
        } else if (uv_ip6_addr(literals[i], port, (struct sockaddr_in6 *)&f->addr) == 0) {
            f->ai.ai_addrlen = sizeof(struct sockaddr_in6);
        } else {
            abort();
        }
        f->ai.ai_family = f->addr.ss_family;
        if (family != AF_UNSPEC && family != f->ai.ai_family) {
            free(f);
            continue;
        }
        f->ai.ai_socktype = SOCK_STREAM;
        f->ai.ai_protocol = IPPROTO_TCP;
        f->ai.ai_addr = (struct sockaddr *)&f->addr;
        f->ai.ai_canonname = resolver_tag;
        *tail = &f->ai;
        tail = &f->ai.ai_next;
    }
    if (!head)
        return EAI_NODATA;
    *res = head;
    return 0;
}

static inline bool resolver_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The table's entry for `node`, or NULL. */
static inline const struct fake_name *resolver_find(const char *node)
{
    const struct fake_name *table = atomic_load(&resolver_table);
    for (size_t i = 0; table && table[i].name; i++)
        if (strcmp(table[i].name, node) == 0)
            return &table[i];
    return NULL;
}

typedef int (*resolver_getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                                       struct addrinfo **);
typedef void (*resolver_freeaddrinfo_fn)(struct addrinfo *);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    const struct fake_name *fake = node ? resolver_find(node) : NULL;
    if (fake) {
        atomic_fetch_add(&resolver_lookup_count, 1);
        if (fake->delay_ms)
            nanosleep(&(struct timespec){.tv_sec = fake->delay_ms / 1000,
                                         .tv_nsec = (long)(fake->delay_ms % 1000) * 1000000L},
                      NULL);
        if (fake->error)
            return fake->error;
        return resolver_list(fake->addresses, service, hints, res);
    }
    if (node && (resolver_ends_with(node, ".invalid") || resolver_ends_with(node, ".test"))) {
        atomic_fetch_add(&resolver_lookup_count, 1);
        return EAI_NONAME;
    }
    struct addrinfo numeric = hints ? *hints : (struct addrinfo){.ai_family = AF_UNSPEC};
    numeric.ai_flags |= AI_NUMERICHOST;
    resolver_getaddrinfo_fn real;
    *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, &numeric, res);
}

void freeaddrinfo(struct addrinfo *ai)
{
    if (ai && ai->ai_canonname == resolver_tag) {
        while (ai) {
            struct addrinfo *next = ai->ai_next;
            free(ai);
            ai = next;
        }
        return;
    }
    resolver_freeaddrinfo_fn real;
    *(void **)&real = dlsym(RTLD_NEXT, "freeaddrinfo");
    real(ai);
}

#endif
