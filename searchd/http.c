/* imr-searchd routes: GET /v1/search, /v1/facets, /v1/determinations/{id},
 * /v1/health, /v1/stats. Every handler sends exactly one reply through
 * http_reply (which also writes the access log line). */
#include "searchd.h"
#include "imr/imr.h"
#include "imr/query.h"
#include "imr/search.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_LIMIT 10

struct req_ctx {
    struct worker *w;
    struct evhttp_request *req;
    struct timespec t0;
    const char *method;
    char path[256];        /* for the access log (no query string) */
};

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
           (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Sends BUF (taken; NULL or FAILED: a JSON out-of-memory error) with
 * STATUS, the JSON headers and the response size limit, and logs it. */
static void http_send(struct req_ctx *c, int status, struct evbuffer *buf,
                      int failed)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    size_t bytes = 0;

    if (buf == NULL || failed) {
        status = 500;
        if (buf != NULL) {
            evbuffer_drain(buf, evbuffer_get_length(buf));
            evbuffer_add_printf(buf, "{\"error\":{\"code\":\"internal\","
                                "\"message\":\"out of memory\"}}\n");
        }
    }
    evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
    evhttp_add_header(h, "Cache-Control", "no-store");
    if (buf != NULL &&
        evbuffer_get_length(buf) > (size_t)c->w->srv->o.max_response) {
        status = 400;
        evbuffer_drain(buf, evbuffer_get_length(buf));
        evbuffer_add_printf(buf, "{\"error\":{\"code\":\"response_too_"
                            "large\",\"message\":\"the answer is larger "
                            "than %d bytes; ask for fewer hits\"}}\n",
                            c->w->srv->o.max_response);
    }
    if (buf != NULL)
        bytes = evbuffer_get_length(buf);
    evhttp_send_reply(c->req, status, render_reason(status), buf);
    log_access(&c->w->acc, c->w->idx, c->method, c->path, status, bytes,
               elapsed_ms(&c->t0));
    atomic_fetch_add(&c->w->srv->requests, 1);
    if (buf != NULL)
        evbuffer_free(buf);
}

/* Sends J as compact JSON with STATUS; see http_send. */
static void http_reply(struct req_ctx *c, int status, json_t *j)
{
    struct evbuffer *buf = evbuffer_new();

    http_send(c, status, buf, buf == NULL || j == NULL ||
              render_json(buf, j) != 0);
}

/* Sends the JSON error {"error": {"code", "message"}} (plus EXTRA's
 * members when given, which it consumes). */
static void http_fail(struct req_ctx *c, int status, const char *code,
                      const char *msg, json_t *extra)
{
    json_t *e = render_error(code, msg);

    if (e != NULL && extra != NULL)
        json_object_update(json_object_get(e, "error"), extra);
    json_decref(extra);
    if (status == 405)
        evhttp_add_header(evhttp_request_get_output_headers(c->req),
                          "Allow", "GET, HEAD");
    http_reply(c, status, e);
    json_decref(e);
}

/* Index files open in this process. SQLite names the -wal and -shm files
 * after the path, and its locks are per process: a connection to a new
 * file renamed over the live one, opened while connections to the old
 * file are still open here, shares (and resets) the old file's wal-index
 * and reads pages wrongly ("database disk image is malformed"). So a
 * connection to another file opens only once no connection to the
 * previous one is left: the other workers are asked to drop theirs. */
static pthread_mutex_t ix_mu = PTHREAD_MUTEX_INITIALIZER;
static dev_t ix_dev;
static ino_t ix_ino;
static int ix_open;      /* connections open, all to ix_dev/ix_ino */

/* Counts a connection to the file ST about to be opened; waits (up to
 * WAIT_MS) while connections to another file are open. 0, or -1. */
static int ix_acquire(const struct stat *st, long wait_ms)
{
    struct timespec pause = {0, 2000000};
    long waited = 0;

    for (;;) {
        pthread_mutex_lock(&ix_mu);
        if (ix_open == 0 || (ix_dev == st->st_dev && ix_ino == st->st_ino)) {
            ix_dev = st->st_dev;
            ix_ino = st->st_ino;
            ix_open++;
            pthread_mutex_unlock(&ix_mu);
            return 0;
        }
        pthread_mutex_unlock(&ix_mu);
        if (waited >= wait_ms)
            return -1;
        nanosleep(&pause, NULL);
        waited += 2;
    }
}

static void ix_release(void)
{
    pthread_mutex_lock(&ix_mu);
    ix_open--;
    pthread_mutex_unlock(&ix_mu);
}

/* Closes W's index connection (if any). */
static void worker_drop(struct worker *w)
{
    if (w->ix == NULL)
        return;
    imr_search_close(w->ix);
    w->ix = NULL;
    ix_release();
}

/* Runs in a worker when another one found the index file replaced: drops
 * the connection to the old file; the next request opens the new one. */
static void drop_cb(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct stat st;

    (void)fd;
    (void)what;
    if (w->ix != NULL && stat(w->srv->o.db, &st) == 0 &&
        (st.st_dev != w->dev || st.st_ino != w->ino)) {
        worker_drop(w);
        log_info("worker %d: index %s replaced, old file closed", w->idx,
                 w->srv->o.db);
    }
}

/* The worker's index, reopened when SIGHUP was received or the file
 * changed (checked at most once a second). A failed reopen keeps the old
 * connection, so no request fails because of a rebuild; a file renamed
 * over the old one is opened once every worker has closed the old. */
static struct imr_search *worker_index(struct worker *w)
{
    unsigned gen = atomic_load(&w->srv->reload_gen);
    time_t now = time(NULL);
    struct stat st;
    struct imr_search *nx = NULL;
    char err[IMR_ERR_LEN];
    int changed, had, i;

    if (w->ix != NULL && gen == w->gen && now == w->last_check)
        return w->ix;
    w->last_check = now;
    if (stat(w->srv->o.db, &st) != 0) {
        if (w->ix == NULL)
            log_warn("index %s", w->srv->o.db);
        return w->ix;
    }
    changed = w->ix == NULL || gen != w->gen || st.st_dev != w->dev ||
              st.st_ino != w->ino || st.st_size != w->size ||
              st.st_mtim.tv_sec != w->mtime.tv_sec ||
              st.st_mtim.tv_nsec != w->mtime.tv_nsec;
    if (!changed)
        return w->ix;
    had = w->ix != NULL || gen != w->gen;
    if (w->ix != NULL && (st.st_dev != w->dev || st.st_ino != w->ino)) {
        log_info("worker %d: index %s replaced by another file", w->idx,
                 w->srv->o.db);
        worker_drop(w);
    }
    for (i = 0; i < w->srv->o.threads && w->srv->w != NULL; i++)
        if (&w->srv->w[i] != w && w->srv->w[i].drop_ev != NULL)
            event_active(w->srv->w[i].drop_ev, 0, 0);
    if (ix_acquire(&st, (long)w->srv->o.query_ms + 1000) != 0) {
        log_warnx("worker %d: the old index file is still in use",
                  w->idx);
        return w->ix;
    }
    if (imr_search_open(w->srv->o.db, &nx, err) != IMR_OK) {
        ix_release();
        log_warnx("worker %d: cannot open index %s: %s", w->idx,
                  w->srv->o.db, err);
        return w->ix;
    }
    if (had)
        log_info("worker %d: index %s reopened%s", w->idx, w->srv->o.db,
                 gen != w->gen ? " (SIGHUP)" : " (file changed)");
    worker_drop(w);
    w->ix = nx;
    imr_search_prepare(nx);     /* the store of this state, meanwhile */
    w->gen = gen;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->size = st.st_size;
    w->mtime = st.st_mtim;
    return w->ix;
}

/* Opens W's index as its thread starts (and so starts building the
 * in-memory store), instead of at the first request. */
void http_worker_start(struct worker *w)
{
    (void)worker_index(w);
}

/* Reads an unsigned number parameter NAME of Q into *OUT within [0, MAX].
 * Returns 0, or -1 when it is there but bad. */
static int param_num(struct evkeyvalq *q, const char *name, long max,
                     size_t *out)
{
    const char *v = evhttp_find_header(q, name);
    char *end;
    long n;

    if (v == NULL || *v == '\0')
        return 0;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < 0 || n > max)
        return -1;
    *out = (size_t)n;
    return 0;
}

/* Maps a library error to a status and an error code. */
static int status_of(int rc, const char **code)
{
    switch (rc) {
    case IMR_EINVAL:    *code = "bad_request"; return 400;
    case IMR_ENOTFOUND: *code = "not_found"; return 404;
    case IMR_ELIMIT:    *code = "timeout"; return 503;
    case IMR_EBUSY:     *code = "index_busy"; return 503;
    default:            *code = "internal"; return 500;
    }
}

static void handle_search(struct req_ctx *c, struct evkeyvalq *params,
                          int facets_only)
{
    struct imr_search_opts o = {DEFAULT_LIMIT, 0, IMR_SORT_RELEVANCE, 1, 1,
                                0};
    struct imr_query *q = NULL;
    struct imr_query_error qe;
    struct imr_search *ix;
    char err[IMR_ERR_LEN] = "";
    const char *text = evhttp_find_header(params, "q");
    const char *sort = evhttp_find_header(params, "sort"), *fv;
    const char *code = "internal";
    char *body = NULL, *qs, *ts;
    json_t *qj, *tj;
    struct evbuffer *buf;
    size_t n;
    int rc, status, failed;

    o.timeout_ms = c->w->srv->o.query_ms;
    if (text == NULL) {
        http_fail(c, 400, "bad_request", "missing parameter q (the query; "
                  "q= searches everything)", NULL);
        return;
    }
    if (strlen(text) > IMR_QUERY_MAX_LEN) {
        http_fail(c, 414, "query_too_long", "the query is longer than 4096 "
                  "bytes", NULL);
        return;
    }
    if (param_num(params, "limit", IMR_SEARCH_MAX_LIMIT, &o.limit) != 0) {
        http_fail(c, 400, "bad_request", "limit must be a number from 0 to "
                  "1000", NULL);
        return;
    }
    if (param_num(params, "offset", 10000000, &o.offset) != 0) {
        http_fail(c, 400, "bad_request", "offset must be a number from 0 "
                  "to 10000000", NULL);
        return;
    }
    if (sort != NULL && strcmp(sort, "relevance") != 0 &&
        strcmp(sort, "date") != 0) {
        http_fail(c, 400, "bad_request", "sort must be relevance or date",
                  NULL);
        return;
    }
    if (sort != NULL && strcmp(sort, "date") == 0)
        o.sort = IMR_SORT_DATE;
    if (facets_only)
        o.hits = 0;
    else if ((fv = evhttp_find_header(params, "facets")) != NULL) {
        if (strcmp(fv, "0") != 0 && strcmp(fv, "1") != 0) {
            http_fail(c, 400, "bad_request", "facets must be 0 or 1", NULL);
            return;
        }
        o.facets = fv[0] == '1';
    }
    rc = imr_query_parse(text, &q, &qe, err);
    if (rc != IMR_OK) {
        json_t *extra = NULL;

        if (rc == IMR_EINVAL || rc == IMR_ELIMIT)
            extra = json_pack("{s:I, s:s#}", "position",
                              (json_int_t)qe.pos, "near", text + qe.pos,
                              (int)(qe.len > 60 ? 60 : qe.len));
        log_debug("bad query: %s", err);
        http_fail(c, rc == IMR_ENOMEM ? 500 : 400, rc == IMR_ELIMIT ?
                  "query_too_complex" : rc == IMR_EINVAL ? "bad_query" :
                  "internal", err, extra);
        return;
    }
    log_debug("w%d q=%s", c->w->idx, text);
    ix = worker_index(c->w);
    if (ix == NULL) {
        imr_query_free(q);
        http_fail(c, 503, "index_unavailable", "the index cannot be opened "
                  "right now", NULL);
        return;
    }
    /* the answer as text (a repeated query's straight from the result
     * cache), then "query" and "took_ms" appended as its last members,
     * as json_object_set_new on the object would place them */
    rc = imr_search_run_text(ix, q, &o, &body, err);
    imr_query_free(q);
    if (rc != IMR_OK) {
        status = status_of(rc, &code);
        if (rc == IMR_EDB)
            log_warnx("search failed: %s", err);
        http_fail(c, status, code, err, NULL);
        return;
    }
    qj = json_string(text);
    tj = json_real(elapsed_ms(&c->t0));
    qs = qj != NULL ? json_dumps(qj, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) :
         NULL;
    ts = tj != NULL ? json_dumps(tj, JSON_ENCODE_ANY) : NULL;
    buf = evbuffer_new();
    n = strlen(body);
    failed = buf == NULL || qs == NULL || ts == NULL || n < 2 ||
             body[n - 1] != '}' ||
             evbuffer_add(buf, body, n - 1) != 0 ||
             evbuffer_add_printf(buf, "%s\"query\":%s,\"took_ms\":%s}\n",
                                 n > 2 ? "," : "", qs, ts) < 0;
    http_send(c, 200, buf, failed);
    json_decref(qj);
    json_decref(tj);
    free(qs);
    free(ts);
    free(body);
}

static void handle_determination(struct req_ctx *c, const char *id)
{
    struct imr_search *ix = worker_index(c->w);
    char err[IMR_ERR_LEN] = "";
    const char *code = "internal";
    json_t *res = NULL;
    int rc;

    if (*id == '\0' || strlen(id) > 200) {
        http_fail(c, 404, "not_found", "no such determination", NULL);
        return;
    }
    if (ix == NULL) {
        http_fail(c, 503, "index_unavailable", "the index cannot be opened "
                  "right now", NULL);
        return;
    }
    rc = imr_search_determination(ix, id, &res, err);
    if (rc != IMR_OK) {
        int status = status_of(rc, &code);

        http_fail(c, status, code, err, NULL);
        return;
    }
    http_reply(c, 200, res);
    json_decref(res);
}

static void handle_health(struct req_ctx *c)
{
    struct imr_search *ix = worker_index(c->w);
    json_t *j;

    if (ix == NULL) {
        http_fail(c, 503, "index_unavailable", "the index cannot be opened "
                  "right now", NULL);
        return;
    }
    j = json_pack("{s:s, s:s}", "status", "ok", "index", c->w->srv->o.db);
    http_reply(c, 200, j);
    json_decref(j);
}

static void handle_stats(struct req_ctx *c)
{
    struct imr_search *ix = worker_index(c->w);
    struct server *srv = c->w->srv;
    char err[IMR_ERR_LEN] = "";
    const char *code = "internal";
    json_t *j = NULL;
    int rc;

    if (ix == NULL) {
        http_fail(c, 503, "index_unavailable", "the index cannot be opened "
                  "right now", NULL);
        return;
    }
    rc = imr_search_stats(ix, &j, err);
    if (rc != IMR_OK) {
        int status = status_of(rc, &code);

        http_fail(c, status, code, err, NULL);
        return;
    }
    json_object_set_new(j, "server", json_pack(
        "{s:i, s:I, s:I, s:i}", "threads", srv->o.threads,
        "uptime_s", (json_int_t)(time(NULL) - srv->started),
        "requests", (json_int_t)atomic_load(&srv->requests),
        "connections", atomic_load(&srv->conns)));
    http_reply(c, 200, j);
    json_decref(j);
}

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET:     return "GET";
    case EVHTTP_REQ_HEAD:    return "HEAD";
    case EVHTTP_REQ_POST:    return "POST";
    case EVHTTP_REQ_PUT:     return "PUT";
    case EVHTTP_REQ_DELETE:  return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH:   return "PATCH";
    default:                 return "OTHER";
    }
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
    struct worker *w = arg;
    size_t i;

    for (i = 0; i < w->n_conns; i++) {
        if (w->conns[i] == evcon) {
            w->conns[i] = w->conns[--w->n_conns];
            atomic_fetch_sub(&w->srv->conns, 1);
            return;
        }
    }
}

/* Registers the connection of C's request; 0, or -1 when the server has
 * too many connections open. */
static int conn_admit(struct req_ctx *c)
{
    struct worker *w = c->w;
    struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);
    size_t i;

    if (evcon == NULL)
        return 0;
    for (i = 0; i < w->n_conns; i++)
        if (w->conns[i] == evcon)
            return 0;
    if (atomic_load(&w->srv->conns) >= w->srv->o.max_conns)
        return -1;
    if (w->n_conns == w->cap_conns) {
        size_t cap = w->cap_conns ? w->cap_conns * 2 : 64;
        struct evhttp_connection **v = realloc(w->conns, cap * sizeof(*v));

        if (v == NULL)
            return -1;
        w->conns = v;
        w->cap_conns = cap;
    }
    w->conns[w->n_conns++] = evcon;
    atomic_fetch_add(&w->srv->conns, 1);
    evhttp_connection_set_closecb(evcon, conn_closed, w);
    return 0;
}

/* 1 when the request carries "Authorization: Bearer TOKEN". The
 * comparison takes the same time wherever the first difference is. */
static int token_ok(struct evhttp_request *req, const char *token)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       "Authorization");
    size_t tl = strlen(token), hl, i;
    unsigned char diff = 0;

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    hl = strlen(h);
    for (i = 0; i < tl; i++)
        diff |= (unsigned char)(token[i] ^ (i < hl ? h[i] : 0));
    return diff == 0 && hl == tl;
}

/* The one callback of every request: limits, method, routing. */
static void http_dispatch(struct evhttp_request *req, void *arg)
{
    struct req_ctx c;
    const char *uri = evhttp_request_get_uri(req);
    struct evhttp_uri *u = NULL;
    struct evkeyvalq params;
    const char *path, *query;
    char *dpath = NULL;
    int have_params = 0;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    memset(&c, 0, sizeof(c));
    c.w = arg;
    c.req = req;
    clock_gettime(CLOCK_MONOTONIC, &c.t0);
    c.method = method_name(m);
    snprintf(c.path, sizeof(c.path), "%.*s", (int)strcspn(uri ? uri : "?",
             "?"), uri ? uri : "?");
    if (conn_admit(&c) != 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "Connection", "close");
        http_fail(&c, 503, "too_many_connections", "the server has too "
                  "many open connections; retry later", NULL);
        return;
    }
    if (c.w->srv->o.token != NULL && !token_ok(req, c.w->srv->o.token)) {
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "WWW-Authenticate", "Bearer");
        http_fail(&c, 401, "unauthorized", "a valid \"Authorization: "
                  "Bearer\" token is required", NULL);
        return;
    }
    if (uri == NULL || strlen(uri) > (size_t)c.w->srv->o.max_uri) {
        http_fail(&c, 414, "uri_too_long", "the request URI is too long",
                  NULL);
        return;
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
        http_fail(&c, 405, "method_not_allowed", "only GET is allowed",
                  NULL);
        return;
    }
    u = evhttp_uri_parse(uri);
    if (u == NULL || (path = evhttp_uri_get_path(u)) == NULL) {
        http_fail(&c, 400, "bad_request", "malformed request URI", NULL);
        goto done;
    }
    dpath = evhttp_uridecode(path, 0, NULL);
    query = evhttp_uri_get_query(u);
    if (dpath == NULL ||
        evhttp_parse_query_str(query ? query : "", &params) != 0) {
        http_fail(&c, 400, "bad_request", "malformed query string", NULL);
        goto done;
    }
    have_params = 1;
    if (strcmp(dpath, "/v1/search") == 0)
        handle_search(&c, &params, 0);
    else if (strcmp(dpath, "/v1/facets") == 0)
        handle_search(&c, &params, 1);
    else if (strncmp(dpath, "/v1/determinations/", 19) == 0)
        handle_determination(&c, dpath + 19);
    else if (strcmp(dpath, "/v1/health") == 0)
        handle_health(&c);
    else if (strcmp(dpath, "/v1/stats") == 0)
        handle_stats(&c);
    else
        http_fail(&c, 404, "not_found", "no such resource; see /v1/search,"
                  " /v1/facets, /v1/determinations/{id}, /v1/health, "
                  "/v1/stats", NULL);
done:
    if (have_params)
        evhttp_clear_headers(&params);
    free(dpath);
    if (u != NULL)
        evhttp_uri_free(u);
}

static const struct timeval access_every = {0, ACCESS_FLUSH_MS * 1000};

/* The worker's timer: writes its access-log lines. */
static void access_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;

    (void)fd;
    (void)what;
    log_access_flush(&w->acc);
}

/* Creates W's evhttp on its base, bound to the shared socket, with the
 * limits of the options. 0, or -1 (logged). */
int http_worker_init(struct worker *w)
{
    struct opts *o = &w->srv->o;
    evutil_socket_t fd;

    w->http = evhttp_new(w->base);
    if (w->http == NULL) {
        log_warnx("worker %d: evhttp_new failed", w->idx);
        return -1;
    }
    /* let every method reach http_dispatch so that 405 is JSON too */
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
                               EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                               EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                               EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)o->max_uri * 2);
    evhttp_set_max_body_size(w->http, 4096);
    evhttp_set_timeout(w->http, o->timeout_s);
    evhttp_set_gencb(w->http, http_dispatch, w);
    w->drop_ev = event_new(w->base, -1, 0, drop_cb, w);
    w->acc_ev = event_new(w->base, -1, EV_PERSIST, access_flush_cb, w);
    if (w->drop_ev == NULL || w->acc_ev == NULL ||
        event_add(w->acc_ev, &access_every) != 0) {
        log_warnx("worker %d: out of memory", w->idx);
        return -1;
    }
    /* each evhttp closes its own descriptor of the shared socket */
    fd = dup(w->srv->fd);
    if (fd < 0) {
        log_warn("worker %d: dup", w->idx);
        return -1;
    }
    w->bound = evhttp_accept_socket_with_handle(w->http, fd);
    if (w->bound == NULL) {
        evutil_closesocket(fd);
        log_warnx("worker %d: cannot accept on the socket", w->idx);
        return -1;
    }
    return 0;
}

/* Frees W's evhttp (closing its connections) and its index. */
void http_worker_free(struct worker *w)
{
    if (w->http != NULL)
        evhttp_free(w->http);
    w->http = NULL;
    if (w->drop_ev != NULL)
        event_free(w->drop_ev);
    w->drop_ev = NULL;
    if (w->acc_ev != NULL)
        event_free(w->acc_ev);
    w->acc_ev = NULL;
    log_access_free(&w->acc);
    worker_drop(w);
    free(w->conns);
    w->conns = NULL;
    w->n_conns = 0;
}
