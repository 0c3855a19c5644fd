/* imr-searchd: options, the shared listening socket, the worker threads
 * (one event base, evhttp and index connection each) and the signals:
 * SIGTERM/SIGINT drain and exit 0, SIGHUP reopens the index. */
#include "searchd.h"
#include "imr/imr.h"
#include "imr/search.h"

#include <errno.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DRAIN_MS 500     /* time given to in-flight replies on SIGTERM */

/* One numeric setting: flag name, bounds, default, help. */
struct setting {
    const char *name;
    int min, max, def;
    size_t off;
    const char *help;
};

static const struct setting settings[] = {
    {"threads", 1, 64, 4, offsetof(struct opts, threads),
     "worker threads, each with its own index connection"},
    {"max-connections", 1, 100000, 512, offsetof(struct opts, max_conns),
     "open client connections at most"},
    {"timeout", 1, 3600, 30, offsetof(struct opts, timeout_s),
     "seconds a connection may stay idle or slow"},
    {"query-timeout-ms", 10, 600000, 5000, offsetof(struct opts, query_ms),
     "milliseconds one search may run"},
    {"max-uri", 256, 65536, 8192, offsetof(struct opts, max_uri),
     "bytes of request URI at most (longer: 414)"},
    {"max-response", 4096, 1 << 30, 16 << 20,
     offsetof(struct opts, max_response),
     "bytes of one response at most (larger: 400)"},
    {"rank-bound", 0, 100000000, IMR_SEARCH_RANK_BOUND,
     offsetof(struct opts, rank_bound),
     "rank by relevance only this many newest matches of\n"
     "                       a larger result (total and facets stay\n"
     "                       exact, the answer says so); 0: rank all"},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static void usage(FILE *f)
{
    size_t i;

    fprintf(f,
        "usage: imr-searchd --db FILE [--listen HOST:PORT] [--threads N]\n"
        "                   [options]\n"
        "Serves the IMR index FILE over HTTP/JSON:\n"
        "  GET /v1/search?q=&limit=&offset=&sort=relevance|date\n"
        "  GET /v1/facets?q=   GET /v1/determinations/{id}\n"
        "  GET /v1/health      GET /v1/stats\n"
        "options:\n"
        "  --db FILE            the index built by imr-index (required)\n"
        "  --listen HOST:PORT   address (default 127.0.0.1:8077; port 0\n"
        "                       picks a free port, logged at start)\n"
        "  --token TOKEN        require \"Authorization: Bearer TOKEN\"\n"
        "                       (also $IMR_SEARCHD_TOKEN); needed to listen\n"
        "                       on a non-loopback address\n"
        "  --insecure-public    allow a non-loopback address without token\n"
        "  --user NAME          drop privileges to NAME after binding\n");
    for (i = 0; i < N_SETTINGS; i++)
        fprintf(f, "  --%-19s%s (%d..%d, default %d)\n", settings[i].name,
                settings[i].help, settings[i].min, settings[i].max,
                settings[i].def);
    fprintf(f,
        "  -n, --check          check the options and the index, exit\n"
        "  -v, --verbose        debug log (includes query texts)\n"
        "  -h, --help           this help\n"
        "Signals: SIGTERM/SIGINT finish in-flight requests and exit 0;\n"
        "SIGHUP reopens the index (a changed file is noticed within a\n"
        "second without it).\n");
}

static int is_loopback(const char *host);

/* "HOST:PORT", ":PORT", "PORT" or "[v6]:PORT". */
static int parse_listen(const char *s, struct opts *o)
{
    const char *colon = strrchr(s, ':');
    const char *port = colon ? colon + 1 : s;
    size_t hl = colon ? (size_t)(colon - s) : 0;

    if (colon != NULL && hl > 0) {
        if (s[0] == '[' && s[hl - 1] == ']') {
            s++;
            hl -= 2;
        }
        if (hl >= sizeof(o->host))
            return -1;
        memcpy(o->host, s, hl);
        o->host[hl] = '\0';
    }
    return imr_parse_int(port, 0, 65535, &o->port);
}

static void parse_opts(int argc, char **argv, struct opts *o, int *check)
{
    enum { OPT_DB = 256, OPT_LISTEN, OPT_TOKEN, OPT_INSECURE, OPT_USER,
           OPT_SETTING };
    struct option lo[N_SETTINGS + 9];
    size_t i;
    int c, idx;

    memset(o, 0, sizeof(*o));
    snprintf(o->host, sizeof(o->host), "127.0.0.1");
    o->port = 8077;
    for (i = 0; i < N_SETTINGS; i++) {
        *(int *)((char *)o + settings[i].off) = settings[i].def;
        lo[i].name = settings[i].name;
        lo[i].has_arg = required_argument;
        lo[i].flag = NULL;
        lo[i].val = OPT_SETTING + (int)i;
    }
    lo[i++] = (struct option){"db", required_argument, NULL, OPT_DB};
    lo[i++] = (struct option){"listen", required_argument, NULL, OPT_LISTEN};
    lo[i++] = (struct option){"token", required_argument, NULL, OPT_TOKEN};
    lo[i++] = (struct option){"insecure-public", no_argument, NULL,
                              OPT_INSECURE};
    lo[i++] = (struct option){"user", required_argument, NULL, OPT_USER};
    lo[i++] = (struct option){"check", no_argument, NULL, 'n'};
    lo[i++] = (struct option){"verbose", no_argument, NULL, 'v'};
    lo[i++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[i] = (struct option){NULL, 0, NULL, 0};
    *check = 0;
    while ((c = getopt_long(argc, argv, "nvh", lo, &idx)) != -1) {
        if (c >= OPT_SETTING && c < OPT_SETTING + (int)N_SETTINGS) {
            const struct setting *st = &settings[c - OPT_SETTING];

            if (imr_parse_int(optarg, st->min, st->max,
                          (int *)((char *)o + st->off)) != 0) {
                fprintf(stderr, "imr-searchd: --%s must be a number from "
                        "%d to %d\n", st->name, st->min, st->max);
                exit(2);
            }
            continue;
        }
        switch (c) {
        case OPT_DB:
            o->db = optarg;
            break;
        case OPT_LISTEN:
            if (parse_listen(optarg, o) != 0) {
                fprintf(stderr, "imr-searchd: --listen expects HOST:PORT, "
                        "got \"%s\"\n", optarg);
                exit(2);
            }
            break;
        case OPT_TOKEN:
            o->token = optarg;
            break;
        case OPT_INSECURE:
            o->insecure_public = 1;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case 'n':
            *check = 1;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "imr-searchd: unexpected argument \"%s\"\n",
                argv[optind]);
        usage(stderr);
        exit(2);
    }
    if (o->db == NULL) {
        fprintf(stderr, "imr-searchd: --db FILE is required\n");
        usage(stderr);
        exit(2);
    }
    if (o->token == NULL && getenv("IMR_SEARCHD_TOKEN") != NULL &&
        *getenv("IMR_SEARCHD_TOKEN") != '\0')
        o->token = getenv("IMR_SEARCHD_TOKEN");
    if (o->token != NULL && strlen(o->token) < 16) {
        fprintf(stderr, "imr-searchd: the token needs 16 characters or "
                "more\n");
        exit(2);
    }
    if (!is_loopback(o->host) && o->token == NULL && !o->insecure_public) {
        fprintf(stderr, "imr-searchd: listening on %s (not loopback) needs "
                "--token TOKEN, or --insecure-public to serve anyone\n",
                o->host);
        exit(2);
    }
}

/* 1 when HOST names only loopback addresses (127.0.0.0/8, ::1,
 * localhost); "" and wildcards are not loopback. */
static int is_loopback(const char *host)
{
    struct addrinfo hints, *res = NULL, *ai;
    int loop = 1;

    if (host[0] == '\0')
        return 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return 1;    /* cannot resolve: open_listener fails on it anyway */
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *a = (const void *)ai->ai_addr;

            if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
                loop = 0;
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const void *)ai->ai_addr;

            if (!IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
                loop = 0;
        } else {
            loop = 0;
        }
    }
    freeaddrinfo(res);
    return loop;
}

/* Drops root privileges to USER (its groups too). Exits on failure. */
static void drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (pw == NULL)
        fatalx("--user %s: no such user", user);
    if (setgroups(0, NULL) != 0 && getuid() == 0)
        fatalx("--user: setgroups: %s", strerror(errno));
    if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        fatalx("--user %s: cannot switch user: %s", user, strerror(errno));
    if (pw->pw_uid != 0 && setuid(0) == 0)
        fatalx("--user %s: privileges could be regained", user);
    log_info("running as user %s (uid %d)", user, (int)pw->pw_uid);
}

static evutil_socket_t open_listener(struct opts *o)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[16], host[NI_MAXHOST], serv[NI_MAXSERV];
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    evutil_socket_t fd = -1;
    int one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(port, sizeof(port), "%d", o->port);
    rc = getaddrinfo(o->host, port, &hints, &res);
    if (rc != 0)
        fatalx("--listen %s: %s", o->host, gai_strerror(rc));
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 1024) == 0)
            break;
        evutil_closesocket(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        fatalx("cannot listen on %s:%d: %s", o->host, o->port,
               strerror(errno));
    evutil_make_socket_nonblocking(fd);
    evutil_make_socket_closeonexec(fd);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
                    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        log_info("listening on %s:%s (%d threads)", host, serv, o->threads);
    return fd;
}

/* Runs in a worker after SIGTERM: stop accepting, let replies flush. */
static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timeval tv = {0, DRAIN_MS * 1000};

    (void)fd;
    (void)what;
    if (w->bound != NULL)
        evconnlistener_disable(evhttp_bound_socket_get_listener(w->bound));
    event_base_loopexit(w->base, &tv);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    http_worker_start(w);
    event_base_dispatch(w->base);
    return NULL;
}

/* Options, socket, workers; then waits for signals until SIGTERM. */
int main(int argc, char **argv)
{
    struct server srv;
    struct worker *w;
    sigset_t set;
    char err[IMR_ERR_LEN];
    int check, sig, i, started = 0;
    struct imr_search *probe = NULL;

    parse_opts(argc, argv, &srv.o, &check);
    log_init(srv.o.verbose);
    if (!sqlite3_compileoption_used("ENABLE_FTS5"))
        fatalx("this SQLite lacks FTS5");
    if (imr_search_open(srv.o.db, &probe, err) != IMR_OK) {
        if (check)
            fatalx("%s", err);
        log_warnx("index not available yet (%s); answering 503 until it "
                  "is", err);
    }
    imr_search_close(probe);
    imr_search_rank_bound(srv.o.rank_bound);
    if (check) {
        printf("configuration OK\n");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (evthread_use_pthreads() != 0)
        fatalx("libevent without thread support");
    srv.fd = -1;
    atomic_init(&srv.reload_gen, 0);
    atomic_init(&srv.conns, 0);
    atomic_init(&srv.requests, 0);
    srv.started = time(NULL);
    srv.fd = open_listener(&srv.o);
    if (srv.o.user != NULL)
        drop_privileges(srv.o.user);
    if (srv.o.token == NULL && srv.o.insecure_public &&
        !is_loopback(srv.o.host))
        log_warnx("--insecure-public: anyone who reaches %s may query",
                  srv.o.host);
    srv.w = calloc((size_t)srv.o.threads, sizeof(*srv.w));
    if (srv.w == NULL)
        fatalx("out of memory");
    for (i = 0; i < srv.o.threads; i++) {
        w = &srv.w[i];
        w->idx = i;
        w->srv = &srv;
        w->base = event_base_new();
        if (w->base == NULL || http_worker_init(w) != 0)
            fatalx("cannot start worker %d", i);
        w->stop_ev = event_new(w->base, -1, 0, stop_cb, w);
        if (w->stop_ev == NULL)
            fatalx("out of memory");
        /* open the index before the first request */
        w->last_check = 0;
    }
    for (i = 0; i < srv.o.threads; i++) {
        if (pthread_create(&srv.w[i].tid, NULL, worker_main, &srv.w[i]) != 0)
            break;
        started++;
    }
    if (started < srv.o.threads)
        log_warnx("only %d of %d threads started", started, srv.o.threads);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            atomic_fetch_add(&srv.reload_gen, 1);
            log_info("SIGHUP: reopening the index");
            continue;
        }
        log_info("%s: finishing in-flight requests",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    for (i = 0; i < started; i++)
        event_active(srv.w[i].stop_ev, 0, 0);
    for (i = 0; i < started; i++)
        pthread_join(srv.w[i].tid, NULL);
    for (i = 0; i < srv.o.threads; i++) {
        w = &srv.w[i];
        event_free(w->stop_ev);
        http_worker_free(w);
        event_base_free(w->base);
    }
    evutil_closesocket(srv.fd);
    free(srv.w);
    log_info("stopped after %ld requests", atomic_load(&srv.requests));
    return 0;
}
