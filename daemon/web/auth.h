/*
 * Who may read the web server: nobody needs to prove anything unless the
 * configuration gives a bearer token (daemon.web_token_file) or users
 * (daemon.web_users_file, lines of "user:password", the password in clear or
 * as a crypt(3) hash such as htpasswd -B makes: "$2y$..."). With either,
 * every request but /healthz must carry "Authorization: Bearer <token>" or
 * basic credentials of a listed user. Comparisons take the same time
 * whatever matches; a hash is verified once and remembered, so a browser's
 * repeated requests do not each pay for bcrypt.
 */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>

struct gw_auth;

/* A checker that remembers verified credentials. Caller frees. */
struct gw_auth *gw_auth_new(void);
void gw_auth_free(struct gw_auth *a);

/*
 * Whether `authorization` (the request's Authorization header, NULL when
 * absent) is accepted under `token` and `users` (borrowed; NULL or "" for
 * none). With neither configured everything is accepted. Any thread.
 */
bool gw_auth_check(struct gw_auth *a, const char *token, const char *users,
                   const char *authorization);

/* True when either a token or users are configured. */
bool gw_auth_required(const char *token, const char *users);

#endif
