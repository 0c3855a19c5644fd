/* imr-searchd: shared types and the functions of each file. */
#ifndef SEARCHD_H
#define SEARCHD_H
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <jansson.h>

struct server;

/* Settings, from the command line (main.c). */
struct opts {
    const char *db;          /* index file (required) */
    char host[256];          /* listen address, default 127.0.0.1 */
    int port;                /* default 8077; 0 picks a free port */
    int threads;             /* worker threads, default 4 */
    int max_conns;           /* open connections at most, default 512 */
    int timeout_s;           /* read/write timeout per connection, 30 */
    int query_ms;            /* time one search may take, 5000 */
    int max_uri;             /* bytes of request URI, 8192 */
    int verbose;             /* -v: debug log (query texts) */
    int max_response;        /* bytes of one response body, 16 MB */
    const char *token;       /* --token: bearer token required, or NULL */
    int insecure_public;     /* --insecure-public: no token off loopback */
    const char *user;        /* --user: drop privileges to this user */
    int rank_bound;          /* --rank-bound: candidates ranked, 0 = all */
};

/* A worker's access-log lines not yet written (log.c): one write(2) per
 * ACCESS_FLUSH_MS (the worker's timer) or per full buffer, instead of a
 * locked write per request; written out when the worker stops. */
#define ACCESS_FLUSH_MS 100
struct access_buf {
    char *p;
    size_t n, cap;
};

/* One worker thread: its own event base, evhttp and index connection. */
struct worker {
    int idx;
    pthread_t tid;
    struct server *srv;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *stop_ev;         /* activated by main on SIGTERM */
    struct imr_search *ix;         /* NULL while the index cannot open */
    unsigned gen;                  /* reload generation it has */
    time_t last_check;             /* second of the last stat() */
    dev_t dev;                     /* identity of the open index file */
    ino_t ino;
    struct timespec mtime;
    off_t size;
    struct event *drop_ev;         /* asks it to close an index file
                                      that was replaced (http.c) */
    struct evhttp_connection **conns;   /* open connections (for limit) */
    size_t n_conns, cap_conns;
    struct access_buf acc;         /* its access-log lines (log.c) */
    struct event *acc_ev;          /* writes them every ACCESS_FLUSH_MS */
};

struct server {
    struct opts o;
    evutil_socket_t fd;            /* the shared listening socket */
    struct worker *w;
    atomic_uint reload_gen;        /* bumped by SIGHUP */
    atomic_int conns;              /* open connections, all workers */
    atomic_long requests;          /* served since start */
    time_t started;
};

/* http.c */
int http_worker_init(struct worker *w);    /* 0 or -1 (logged) */
void http_worker_start(struct worker *w);  /* opens its index at start */
void http_worker_free(struct worker *w);

/* render.c */
struct evbuffer;
int render_json(struct evbuffer *buf, const json_t *j);  /* 0 / -1 */
json_t *render_error(const char *code, const char *message);
const char *render_reason(int status);

/* log.c */
void log_init(int verbose);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void log_access(struct access_buf *ab, int worker, const char *method,
                const char *path, int status, size_t bytes, double ms);
void log_access_flush(struct access_buf *ab);
void log_access_free(struct access_buf *ab);
int log_verbose(void);

#endif
