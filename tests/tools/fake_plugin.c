/*
 * A Nagios-style plugin that misbehaves on request, for the exec check's
 * tests (the well-behaved cases use real Monitoring Plugins):
 *
 *   fake_plugin signals            OK when no signal is blocked or ignored,
 *                                  CRITICAL naming them otherwise
 *   fake_plugin flood BYTES        a status line, then BYTES more of output
 *   fake_plugin hang [ignore-term] prints a line, then waits for ever
 *                                  (optionally deaf to SIGTERM)
 *   fake_plugin orphan             leaves a child holding its output open,
 *                                  and exits 0; perfdata child=<its pid>
 *   fake_plugin exit N [TEXT]      prints TEXT (may hold \n), exits N
 *   fake_plugin abort              dies of SIGABRT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report_signals(void)
{
    sigset_t blocked;
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    char list[512] = "";
    for (int sig = 1; sig < 32; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction sa;
        sigaction(sig, NULL, &sa);
        const char *how = sigismember(&blocked, sig) ? "blocked"
                          : sa.sa_handler == SIG_IGN ? "ignored"
                                                     : NULL;
        if (how) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof(list) - n, " SIG%s %s", sigabbrev_np(sig), how);
        }
    }
    if (list[0]) {
        printf("CRITICAL - signals not at their defaults:%s\n", list);
        return 2;
    }
    printf("OK - every signal at its default | pid=%d\n", (int)getpid());
    return 0;
}

static int flood(long long bytes)
{
    printf("OK - flooding | bytes=%lldB\n", bytes);
    static char line[4096];
    memset(line, 'x', sizeof(line));
    line[sizeof(line) - 1] = '\n';
    while (bytes > 0) {
        size_t n = bytes < (long long)sizeof(line) ? (size_t)bytes : sizeof(line);
        if (fwrite(line, 1, n, stdout) != n)
            return 3;
        bytes -= (long long)n;
    }
    return 0;
}

static _Noreturn void hang(int ignore_term)
{
    if (ignore_term)
        signal(SIGTERM, SIG_IGN);
    printf("waiting for ever%s\n", ignore_term ? ", deaf to SIGTERM" : "");
    fflush(stdout);
    for (;;)
        pause();
}

static int orphan(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        return 3;
    if (child == 0) {
        sleep(60);
        _exit(0);
    }
    printf("OK - left a child behind | child=%d\n", (int)child);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "signals") == 0)
        return report_signals();
    if (argc == 3 && strcmp(argv[1], "flood") == 0)
        return flood(atoll(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "hang") == 0)
        hang(argc == 3 && strcmp(argv[2], "ignore-term") == 0);
    if (argc == 2 && strcmp(argv[1], "orphan") == 0)
        return orphan();
    if (argc >= 3 && strcmp(argv[1], "exit") == 0) {
        if (argc == 4)
            fputs(argv[3], stdout);
        return atoi(argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "abort") == 0)
        abort();
    fprintf(stderr, "usage: fake_plugin signals|flood BYTES|hang [ignore-term]|orphan|"
                    "exit N [TEXT]|abort\n");
    return 3;
}
