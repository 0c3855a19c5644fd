/* imr-bench-query: the in-process query driver of bench/run. Runs every
 * query of a mix file (CLASS<TAB>QUERY[<TAB>offset=N]) through libimr the
 * way GET /v1/search does (hits + facets), with facets=0, and the raw
 * FTS5 baseline (the same MATCH string ranked by bm25 over every match,
 * top 10 with snippets, on its own connection), and prints latency
 * percentiles per class as JSON. Optionally writes the raw SQL as a
 * sqlite3 CLI script and one rg pattern per text query. */
#include "imr/facets.h"
#include "imr/imr.h"
#include "imr/query.h"
#include "imr/search.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUERIES 4096
#define MAX_CLASSES 32
#define LINE_LEN 8192

/* Raw FTS5: what a user of plain SQLite FTS5 writes for "top 10". */
static const char raw_sql[] =
    "SELECT rowid, snippet(item_fts, -1, '[', ']', '...', 24) "
    "FROM item_fts WHERE item_fts MATCH ?1 "
    "ORDER BY bm25(item_fts, 10.0, 4.0, 3.0, 1.0) LIMIT 10 OFFSET ?2";

struct bq {
    char cls[64];
    char *text;
    size_t offset;
    char *fts;           /* NULL for filter-only queries */
};

/* Samples (ms) of one measurement, grown as needed. */
struct samples {
    double *v;
    size_t n, cap;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void add_sample(struct samples *s, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *p = realloc(s->v, cap * sizeof(*p));

        if (p == NULL) {
            fprintf(stderr, "imr-bench-query: out of memory\n");
            exit(1);
        }
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* {"n", "p50", "p95", "p99", "max", "mean"} in ms, or null when empty. */
static json_t *pct_json(struct samples *s)
{
    double sum = 0;
    size_t i;

    if (s->n == 0)
        return json_null();
    qsort(s->v, s->n, sizeof(double), cmp_double);
    for (i = 0; i < s->n; i++)
        sum += s->v[i];
#define PCT(p) s->v[(size_t)((p) * (double)(s->n - 1) + 0.5)]
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "n",
                     (json_int_t)s->n, "p50", PCT(0.50), "p95", PCT(0.95),
                     "p99", PCT(0.99), "max", s->v[s->n - 1], "mean",
                     sum / (double)s->n);
#undef PCT
}

static int load_queries(const char *path, struct bq *qs, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[LINE_LEN];

    *n = 0;
    if (f == NULL) {
        fprintf(stderr, "imr-bench-query: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL && *n < MAX_QUERIES) {
        char *tab, *opt;
        size_t l = strcspn(line, "\r\n");

        line[l] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        if (tab == NULL || (size_t)(tab - line) >= sizeof(qs->cls))
            continue;
        *tab++ = '\0';
        opt = strchr(tab, '\t');
        if (opt != NULL)
            *opt++ = '\0';
        memset(&qs[*n], 0, sizeof(qs[*n]));
        strcpy(qs[*n].cls, line);
        if (opt != NULL && strncmp(opt, "offset=", 7) == 0)
            qs[*n].offset = (size_t)strtoul(opt + 7, NULL, 10);
        qs[*n].text = strdup(tab);
        if (qs[*n].text == NULL) {
            fclose(f);
            return -1;
        }
        (*n)++;
    }
    fclose(f);
    return 0;
}

/* Writes S as an SQL string literal ('' for '). */
static void sql_literal(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The first quoted word or phrase of an FTS5 MATCH string, for rg. */
static int first_term(const char *fts, char *out, size_t cap)
{
    const char *p = strchr(fts, '"');
    size_t n = 0;

    if (p == NULL)
        return -1;
    for (p++; *p && n + 1 < cap; p++) {
        if (*p == '"') {
            if (p[1] != '"')
                break;
            p++;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

static int class_index(char names[][64], size_t *nc, const char *cls)
{
    size_t i;

    for (i = 0; i < *nc; i++)
        if (strcmp(names[i], cls) == 0)
            return (int)i;
    if (*nc >= MAX_CLASSES)
        return -1;
    strcpy(names[*nc], cls);
    return (int)(*nc)++;
}

static void usage(FILE *f)
{
    fputs("usage: imr-bench-query --db FILE --queries FILE [--rounds N]\n"
          "                       [--sql-out FILE] [--rg-out FILE]\n"
          "                       [--no-store] [--dump FILE]"
          " [--rank-bound K]\n"
          "                       [--first-out FILE]\n"
          "Runs the query mix in process (libimr as /v1/search does, with\n"
          "and without facets, and raw FTS5 bm25 over every match) and\n"
          "prints latency percentiles (ms) per class as JSON.\n"
          "--no-store answers every query with SQL (no facet store, no\n"
          "store path); --dump FILE writes, after the timed rounds, the\n"
          "whole answer of every query (sort relevance and date, facets\n"
          "on and off) on a fresh handle, one per line, to compare the\n"
          "two paths. --rank-bound K: rank at most K candidates (0: every\n"
          "match; default: libimr's). --first-out FILE writes the time\n"
          "of every query's first pass (class, mode, query, ms).\n", f);
}

/* imr, imr_hits: every round after the first (libimr's result cache
 * warm); imr_first, imr_hits_first: the first pass, each query new to the
 * process (the caches and memos cold, the SQLite pages warm from the raw
 * run just before), each mode in a process of its own */
enum { M_IMR, M_HITS, M_RAW, M_IMR_FIRST, M_HITS_FIRST, M_COUNT };
static const char *const mode_names[M_COUNT] = {
    "imr", "imr_hits", "raw", "imr_first", "imr_hits_first"
};

/* Writes the whole answer of every query under 4 option sets to PATH
 * (CLASS, QUERY, options, store path used, JSON; tab-separated) from a
 * new handle on DB,
 * after the facet store of DB is built (unless disabled). */
static int dump_answers(const char *db, const char *path,
                        const struct bq *qs, size_t nq)
{
    struct imr_search *s = NULL;
    struct imr_facets_src *fs = NULL;
    char err[IMR_ERR_LEN];
    FILE *f = fopen(path, "w");
    size_t i;
    int v, rc = -1;

    if (f == NULL || imr_search_open(db, &s, err) != IMR_OK)
        goto done;
    if (imr_facets_attach(db, &fs, err) == IMR_OK)
        imr_facets_wait(fs);
    for (i = 0; i < nq; i++) {
        for (v = 0; v < 4; v++) {
            struct imr_search_opts o = {10, qs[i].offset, v & 1 ?
                                        IMR_SORT_DATE : IMR_SORT_RELEVANCE,
                                        1, v < 2, 0};
            struct imr_query *q = NULL;
            json_t *res = NULL;
            char *js;
            unsigned long runs = imr_search_store_runs();

            if (imr_query_parse(qs[i].text, &q, NULL, err) != IMR_OK ||
                imr_search_run(s, q, &o, &res, err) != IMR_OK) {
                fprintf(stderr, "imr-bench-query: %s: %s\n", qs[i].text,
                        err);
                imr_query_free(q);
                goto done;
            }
            js = json_dumps(res, JSON_COMPACT);
            fprintf(f, "%s\t%s\t%d\t%lu\t%s\n", qs[i].cls, qs[i].text, v,
                    imr_search_store_runs() - runs,
                    js != NULL ? js : "null");
            free(js);
            json_decref(res);
            imr_query_free(q);
        }
    }
    rc = 0;
done:
    imr_facets_detach(fs);
    imr_search_close(s);
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    return rc;
}

/* The raw baseline's read-only connection to DB (its own, with the
 * mmap and cache settings of libimr's) and its prepared statement: 0, or
 * -1 with the reason on stderr (*RAW is set for sqlite3_close either
 * way). */
static int raw_open(const char *db, sqlite3 **raw, sqlite3_stmt **rst)
{
    if (sqlite3_open_v2(db, raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(*raw, "PRAGMA mmap_size = 1073741824;"
                     " PRAGMA cache_size = -32768;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(*raw, raw_sql, -1, rst, NULL) != SQLITE_OK) {
        fprintf(stderr, "imr-bench-query: raw: %s\n", sqlite3_errmsg(*raw));
        return -1;
    }
    return 0;
}

/* The first pass of mode M (M_IMR or M_HITS), in a process of its own
 * so that nothing another mode's pass left in the process (the facet
 * store's memos of phrase rows and counts are shared by its handles) is
 * found by this one: a new handle and store on DB, then every query of
 * QS, each after its raw FTS5 run as in the later rounds. Writes one line
 * per run to FD: mode, query index, ms, 1 if it ran out of time. Returns
 * the process's exit status. */
static int first_pass(const char *db, const struct bq *qs, size_t nq,
                      int m, int fd)
{
    struct imr_search *s = NULL;
    struct imr_facets_src *src = NULL;
    sqlite3 *raw = NULL;
    sqlite3_stmt *rst = NULL;
    char err[IMR_ERR_LEN];
    FILE *f = fdopen(fd, "w");
    size_t i;
    int rc = 1;

    if (f == NULL || imr_search_open(db, &s, err) != IMR_OK) {
        fprintf(stderr, "imr-bench-query: %s\n", f == NULL ?
                strerror(errno) : err);
        goto done;
    }
    imr_search_prepare(s);
    if (imr_facets_enabled() &&
        imr_facets_attach(db, &src, NULL) == IMR_OK)
        imr_facets_wait(src);
    if (raw_open(db, &raw, &rst) != 0)
        goto done;
    for (i = 0; i < nq; i++) {
        struct imr_search_opts o = {10, qs[i].offset, IMR_SORT_RELEVANCE, 1,
                                    m == M_IMR, 5000};
        struct imr_query *q = NULL;
        struct imr_query_error qe;
        json_t *res = NULL;
        double t0 = now_ms();
        int src_rc;

        if (qs[i].fts != NULL) {
            sqlite3_reset(rst);
            sqlite3_bind_text(rst, 1, qs[i].fts, -1, SQLITE_STATIC);
            sqlite3_bind_int64(rst, 2, (sqlite3_int64)qs[i].offset);
            while (sqlite3_step(rst) == SQLITE_ROW)
                ;
            fprintf(f, "%d\t%zu\t%.3f\t0\n", M_RAW, i, now_ms() - t0);
        }
        if (imr_query_parse(qs[i].text, &q, &qe, err) != IMR_OK) {
            fprintf(stderr, "imr-bench-query: %s: %s\n", qs[i].text, err);
            goto done;
        }
        t0 = now_ms();
        src_rc = imr_search_run(s, q, &o, &res, err);
        if (src_rc != IMR_OK && src_rc != IMR_ELIMIT) {
            fprintf(stderr, "imr-bench-query: %s: %s\n", qs[i].text, err);
            imr_query_free(q);
            goto done;
        }
        fprintf(f, "%d\t%zu\t%.3f\t%d\n", m, i, now_ms() - t0,
                src_rc == IMR_ELIMIT);
        json_decref(res);
        imr_query_free(q);
    }
    rc = 0;
done:
    if (f != NULL && fclose(f) != 0)
        rc = 1;
    sqlite3_finalize(rst);
    sqlite3_close(raw);
    imr_facets_detach(src);
    imr_search_close(s);
    return rc;
}

/* Runs first_pass for mode M in a child process and records its lines:
 * the samples of mode M's first pass (and, with RAW_TOO, the raw runs)
 * into CLS_S and ALL, timeouts into *TIMEOUTS, and every line into
 * FIRST_F when not NULL. 0, or -1 when the child failed. */
static int first_pass_child(const char *db, const struct bq *qs, size_t nq,
                            int m, int raw_too,
                            struct samples cls_s[][M_COUNT],
                            char cls_names[][64], size_t *nc,
                            struct samples *all, long *timeouts,
                            FILE *first_f)
{
    int fd[2], status = 0, mode, lim;
    pid_t pid;
    FILE *f;
    size_t i;
    double dt;

    fflush(NULL);
    if (pipe(fd) != 0 || (pid = fork()) < 0) {
        fprintf(stderr, "imr-bench-query: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        _exit(first_pass(db, qs, nq, m, fd[1]));
    }
    close(fd[1]);
    if ((f = fdopen(fd[0], "r")) == NULL) {
        close(fd[0]);
        waitpid(pid, &status, 0);
        return -1;
    }
    while (fscanf(f, "%d\t%zu\t%lf\t%d\n", &mode, &i, &dt, &lim) == 4) {
        int ci;

        if (i >= nq || (mode != m && (mode != M_RAW || !raw_too)))
            continue;
        if (first_f != NULL)
            fprintf(first_f, "%s\t%s\t%s\t%.3f\n", qs[i].cls,
                    mode_names[mode], qs[i].text, dt);
        if (mode == M_RAW)
            continue;
        *timeouts += lim;
        if ((ci = class_index(cls_names, nc, qs[i].cls)) < 0)
            continue;
        add_sample(&cls_s[ci][m + M_IMR_FIRST], dt);
        add_sample(&all[m + M_IMR_FIRST], dt);
    }
    fclose(f);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "imr-bench-query: the first pass of %s failed\n",
                mode_names[m]);
        return -1;
    }
    return 0;
}

/* Options, then ROUNDS passes over the mix (after one warm-up pass). */
int main(int argc, char **argv)
{
    static struct bq qs[MAX_QUERIES];
    static struct samples cls_s[MAX_CLASSES][M_COUNT];
    static char cls_names[MAX_CLASSES][64];
    struct samples all[M_COUNT];
    const char *db = NULL, *qfile = NULL, *sql_out = NULL, *rg_out = NULL;
    const char *dump = NULL, *first_out = NULL;
    FILE *first_f = NULL;
    /* one handle per mode for the rounds after the first passes (a
     * handle keeps the results of the queries it ran) */
    struct imr_search *s = NULL, *s_hits = NULL;
    struct imr_facets_src *store_src = NULL;
    double store_ms = 0;
    sqlite3 *raw = NULL;
    sqlite3_stmt *rst = NULL;
    char err[IMR_ERR_LEN];
    size_t nq = 0, nc = 0, i, body_bytes = 0, bodies = 0;
    long rounds = 3, r, timeouts = 0;
    double t_imr = 0;
    json_t *out = NULL, *classes = NULL;
    int a, m, rc = 1;

    memset(all, 0, sizeof(all));
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--db") == 0 && a + 1 < argc)
            db = argv[++a];
        else if (strcmp(argv[a], "--queries") == 0 && a + 1 < argc)
            qfile = argv[++a];
        else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc)
            rounds = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--sql-out") == 0 && a + 1 < argc)
            sql_out = argv[++a];
        else if (strcmp(argv[a], "--rg-out") == 0 && a + 1 < argc)
            rg_out = argv[++a];
        else if (strcmp(argv[a], "--dump") == 0 && a + 1 < argc)
            dump = argv[++a];
        else if (strcmp(argv[a], "--first-out") == 0 && a + 1 < argc)
            first_out = argv[++a];
        else if (strcmp(argv[a], "--no-store") == 0)
            imr_facets_enable(0);
        else if (strcmp(argv[a], "--rank-bound") == 0 && a + 1 < argc)
            imr_search_rank_bound(strtol(argv[++a], NULL, 10));
        else if (strcmp(argv[a], "-h") == 0 ||
                 strcmp(argv[a], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (db == NULL || qfile == NULL || rounds < 1) {
        usage(stderr);
        return 2;
    }
    if (load_queries(qfile, qs, &nq) != 0 || nq == 0) {
        fprintf(stderr, "imr-bench-query: no queries in %s\n", qfile);
        return 1;
    }
    for (i = 0; i < nq; i++) {
        struct imr_query *q = NULL;
        struct imr_query_error qe;
        char *neg = NULL;

        if (imr_query_parse(qs[i].text, &q, &qe, err) != IMR_OK) {
            fprintf(stderr, "imr-bench-query: %s: %s\n", qs[i].text, err);
            goto done;
        }
        if (imr_query_fts(q, &qs[i].fts, &neg) != IMR_OK)
            goto done;
        /* raw FTS5 has no equivalent for exclusions or pure filters */
        if (neg != NULL) {
            free(qs[i].fts);
            qs[i].fts = NULL;
        }
        free(neg);
        imr_query_free(q);
    }
    if (sql_out != NULL) {
        FILE *f = fopen(sql_out, "w");

        if (f == NULL)
            goto done;
        fputs(".timer on\n.output /dev/null\n", f);
        for (i = 0; i < nq; i++) {
            const char *p;

            if (qs[i].fts == NULL)
                continue;
            fprintf(f, ".print CLASS %s\n", qs[i].cls);
            for (p = raw_sql; *p; p++) {
                if (p[0] == '?' && p[1] == '1') {
                    sql_literal(f, qs[i].fts);
                    p++;
                } else if (p[0] == '?' && p[1] == '2') {
                    fprintf(f, "%zu", qs[i].offset);
                    p++;
                } else
                    fputc(*p, f);
            }
            fputs(";\n", f);
        }
        fclose(f);
    }
    if (rg_out != NULL) {
        FILE *f = fopen(rg_out, "w");
        char term[512];

        if (f == NULL)
            goto done;
        for (i = 0; i < nq; i++)
            if (qs[i].fts != NULL &&
                first_term(qs[i].fts, term, sizeof(term)) == 0)
                fprintf(f, "%s\t%s\n", qs[i].cls, term);
        fclose(f);
    }
    if (first_out != NULL && (first_f = fopen(first_out, "w")) == NULL) {
        fprintf(stderr, "imr-bench-query: %s: %s\n", first_out,
                strerror(errno));
        goto done;
    }
    /* the first passes, each mode in a process of its own */
    if (first_pass_child(db, qs, nq, M_IMR, 1, cls_s, cls_names, &nc, all,
                         &timeouts, first_f) != 0 ||
        first_pass_child(db, qs, nq, M_HITS, 0, cls_s, cls_names, &nc, all,
                         &timeouts, first_f) != 0)
        goto done;
    if (first_f != NULL) {
        fclose(first_f);
        first_f = NULL;
    }
    if (imr_search_open(db, &s, err) != IMR_OK ||
        imr_search_open(db, &s_hits, err) != IMR_OK) {
        fprintf(stderr, "imr-bench-query: %s\n", err);
        return 1;
    }
    /* the in-memory store, built as imr-searchd builds it when a worker
     * starts (in the background, while it already answers): timed
     * apart, and the passes start once it is ready, as in a daemon up
     * for more than a second */
    {
        double t0 = now_ms();

        imr_search_prepare(s);
        if (imr_facets_enabled() &&
            imr_facets_attach(db, &store_src, NULL) == IMR_OK)
            imr_facets_wait(store_src);
        store_ms = now_ms() - t0;
    }
    /* the raw baseline: its own read-only connection, same settings */
    if (raw_open(db, &raw, &rst) != 0)
        goto done;
    /* a warm-up pass (the first passes were measured apart), then the
     * rounds */
    for (r = -1; r < rounds; r++) {
        for (i = 0; i < nq; i++) {
            int ci = class_index(cls_names, &nc, qs[i].cls);

            for (m = M_RAW; m >= M_IMR; m--) {
                double t0 = now_ms(), dt;

                if (m == M_RAW) {
                    if (qs[i].fts == NULL)
                        continue;
                    sqlite3_reset(rst);
                    sqlite3_bind_text(rst, 1, qs[i].fts, -1, SQLITE_STATIC);
                    sqlite3_bind_int64(rst, 2, (sqlite3_int64)qs[i].offset);
                    while (sqlite3_step(rst) == SQLITE_ROW)
                        ;
                } else {
                    struct imr_search_opts o = {10, qs[i].offset,
                                                IMR_SORT_RELEVANCE, 1,
                                                m == M_IMR, 5000};
                    struct imr_query *q = NULL;
                    struct imr_query_error qe;
                    json_t *res = NULL;
                    int src;

                    if (imr_query_parse(qs[i].text, &q, &qe, err) !=
                        IMR_OK) {
                        fprintf(stderr, "imr-bench-query: %s: %s\n",
                                qs[i].text, err);
                        goto done;
                    }
                    src = imr_search_run(m == M_IMR ? s : s_hits, q, &o,
                                         &res, err);
                    if (src == IMR_ELIMIT) {
                        /* the daemon answers 503 timeout: counted, and
                         * its time is a sample like any other */
                        timeouts += r >= 0;
                    } else if (src != IMR_OK) {
                        fprintf(stderr, "imr-bench-query: %s: %s\n",
                                qs[i].text, err);
                        imr_query_free(q);
                        goto done;
                    }
                    if (m == M_IMR && r == 0 && res != NULL) {
                        char *js = json_dumps(res, JSON_COMPACT |
                                              JSON_ENSURE_ASCII);

                        body_bytes += js != NULL ? strlen(js) + 1 : 0;
                        bodies++;
                        free(js);
                    }
                    json_decref(res);
                    imr_query_free(q);
                }
                dt = now_ms() - t0;
                if (ci < 0)
                    continue;
                if (r < 0)
                    continue;
                add_sample(&cls_s[ci][m], dt);
                add_sample(&all[m], dt);
                if (m == M_IMR)
                    t_imr += dt;
            }
        }
    }
    out = json_object();
    classes = json_object();
    for (i = 0; i < nc; i++) {
        json_t *c = json_object();

        for (m = 0; m < M_COUNT; m++)
            json_object_set_new(c, mode_names[m], pct_json(&cls_s[i][m]));
        json_object_set_new(classes, cls_names[i], c);
    }
    json_object_set_new(out, "queries", json_integer((json_int_t)nq));
    json_object_set_new(out, "rounds", json_integer(rounds));
    json_object_set_new(out, "timeouts", json_integer(timeouts));
    json_object_set_new(out, "store", json_boolean(imr_facets_enabled()));
    {
        long rb = imr_search_rank_bound(0);     /* read it, keep it */

        imr_search_rank_bound(rb);
        json_object_set_new(out, "rank_bound", json_integer(rb));
    }
    json_object_set_new(out, "store_ready_ms", json_real(store_ms));
    json_object_set_new(out, "store_runs", json_integer(
                        (json_int_t)imr_search_store_runs()));
    json_object_set_new(out, "classes", classes);
    {
        json_t *mix = json_object();

        for (m = 0; m < M_COUNT; m++)
            json_object_set_new(mix, mode_names[m], pct_json(&all[m]));
        json_object_set_new(out, "mix", mix);
    }
    json_object_set_new(out, "qps_single_thread", json_real(
                        t_imr > 0 ? 1000.0 * (double)all[M_IMR].n / t_imr :
                        0));
    json_object_set_new(out, "mean_body_bytes", json_integer(
                        bodies ? (json_int_t)(body_bytes / bodies) : 0));
    json_dumpf(out, stdout, JSON_INDENT(1));
    fputc('\n', stdout);
    if (dump != NULL) {
        /* the store's own figures: a build of its own, timed */
        struct imr_facets *fst = NULL;
        double t0 = now_ms();

        if (imr_facets_build(raw, NULL, &fst, err) == IMR_OK)
            fprintf(stderr, "imr-bench-query: store: %zu items, %zu bytes "
                    "(%zu of them for the filters), built in %.0f ms\n",
                    imr_facets_items(fst), imr_facets_bytes(fst),
                    imr_facets_filter_bytes(fst), now_ms() - t0);
        imr_facets_free(fst);
    }
    if (dump != NULL && dump_answers(db, dump, qs, nq) != 0) {
        fprintf(stderr, "imr-bench-query: %s: cannot dump\n", dump);
        goto done;
    }
    rc = 0;
done:
    json_decref(out);
    for (i = 0; i < nq; i++) {
        free(qs[i].text);
        free(qs[i].fts);
    }
    for (i = 0; i < MAX_CLASSES; i++)
        for (m = 0; m < M_COUNT; m++)
            free(cls_s[i][m].v);
    for (m = 0; m < M_COUNT; m++)
        free(all[m].v);
    sqlite3_finalize(rst);
    imr_facets_detach(store_src);
    sqlite3_close(raw);
    imr_search_close(s);
    imr_search_close(s_hits);
    return rc;
}
