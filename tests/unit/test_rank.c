/* Tests of imr_bm25 (lib/rank.c): equal to FTS5's bm25() bit for bit, and
 * with the IDF deferred, equal once the caller applies imr_rank_idf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "imr/imr.h"
#include "phrase_rows.h"
#include "rank.h"

/* A table of four columns like item_fts, with uneven rows: a phrase in
 * most rows, one in a few, columns of different lengths. */
static sqlite3 *make_db(struct imr_rank_defer *slot)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int i;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(imr_rank_register(db, slot), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING "
                                  "fts5(a, b, c, d, tokenize='porter "
                                  "unicode61')", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, "
                                        "?3, ?4)", -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < 60; i++) {
        char a[128], b[512], c[64];

        snprintf(a, sizeof(a), "%s request %d",
                 i % 7 == 0 ? "functional restoration program" :
                 "physical therapy", i);
        snprintf(b, sizeof(b), "The request is %s. %s %s",
                 i % 3 ? "not medically necessary" : "medically necessary",
                 i % 5 == 0 ? "Pain is rated 7/10, pain pain." : "",
                 i % 11 == 0 ? "The functional restoration program was "
                 "requested after therapy failed." : "");
        snprintf(c, sizeof(c), "%s", i % 4 ? "lumbar sprain" : "chronic pain");
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, c, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, i % 2 ? "summary of the review" : "",
                          -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return db;
}

/* Scores of MATCH M, bm25 and imr_bm25, into BM and OURS; returns the
 * row count. */
static int scores(sqlite3 *db, const char *m, double *bm, double *ours)
{
    sqlite3_stmt *st = NULL;
    int n = 0;

    assert_int_equal(sqlite3_prepare_v2(db, "SELECT bm25(t, 10.0, 4.0, "
                                        "3.0, 1.0), imr_bm25(t, 10.0, 4.0, "
                                        "3.0, 1.0) FROM t WHERE t MATCH ?1 "
                                        "ORDER BY rowid", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_true(n < 64);
        bm[n] = sqlite3_column_double(st, 0);
        ours[n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    return n;
}

/* Asserts that imr_bm25 equals bm25() on every row matching M. */
static void check_equal(sqlite3 *db, const char *m)
{
    double bm[64], ours[64];
    int n = scores(db, m, bm, ours), i;

    assert_true(n > 0);
    for (i = 0; i < n; i++)
        assert_true(bm[i] == ours[i]);
}

/* How many of the rows matching M imr_bm25 scores unlike bm25(). */
static int count_differ(sqlite3 *db, const char *m)
{
    double bm[64], ours[64];
    int n = scores(db, m, bm, ours), i, differ = 0;

    for (i = 0; i < n; i++)
        differ += bm[i] != ours[i];
    return differ;
}

/* Runs MATCH M with bm25 and imr_bm25 side by side; with the slot
 * allowing deferral, applies the IDF from the count of rows. Every
 * score must be equal as doubles (==, not within an epsilon). */
static void check_query(sqlite3 *db, struct imr_rank_defer *slot,
                        const char *m, int allow, int want_deferred)
{
    sqlite3_stmt *st = NULL;
    double bm[64], ours[64];
    long long rows = 0;
    int n, i;

    memset(slot, 0, sizeof(*slot));
    slot->allow = allow;
    n = scores(db, m, bm, ours);
    assert_true(n > 0);
    assert_int_equal(slot->deferred, want_deferred);
    if (slot->deferred) {
        double idf;

        assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t",
                                            -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        assert_int_equal(slot->rows, rows);
        idf = imr_rank_idf(rows, n);
        for (i = 0; i < n; i++)
            ours[i] = idf * ours[i];
    }
    for (i = 0; i < n; i++)
        if (bm[i] != ours[i])
            fail_msg("%s row %d: bm25 %.17g, imr_bm25 %.17g", m, i, bm[i],
                     ours[i]);
}

static void test_equal_to_bm25(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    static const char *const qs[] = {
        "request", "\"not medically necessary\"", "pain",
        "\"functional restoration program\" OR therapy",
        "functional AND program", "{b c}: pain", "\"pain is rated\"",
        "lumbar OR chronic OR summary",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        check_query(db, &slot, qs[i], 0, 0);
    sqlite3_close(db);
}

/* What imr_bm25_take's callbacks saw: the rows offered, and the rows put
 * with their scores; PUT asks to stop at the STOP_AT-th row put. */
struct take_log {
    long long offered[64], put[64];
    double score[64];
    int n_offered, n_put, stop_at;
};

static int take_odd(void *arg, long long rowid)
{
    struct take_log *l = arg;

    assert_true(l->n_offered < 64);
    l->offered[l->n_offered++] = rowid;
    return rowid % 2 == 1;
}

static int put_row(void *arg, long long rowid, double score)
{
    struct take_log *l = arg;

    assert_true(l->n_put < 64);
    l->put[l->n_put] = rowid;
    l->score[l->n_put++] = score;
    return l->n_put == l->stop_at;
}

/* imr_bm25_take: every match offered in order; the rows taken scored as
 * imr_bm25 scores them (bit for bit) and put; none comes back but the
 * one PUT stops at, and the statement's walk ends there. Without the
 * callbacks it keeps every row. */
static void test_take(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    sqlite3_stmt *st = NULL;
    struct take_log log;
    double bm[64], ours[64];
    long long rowids[64];
    int n, i, rows;

    (void)state;
    memset(&slot, 0, sizeof(slot));
    n = scores(db, "request", bm, ours);
    assert_int_equal(n, 60);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t "
                                        "MATCH ?1 AND imr_bm25_take(t, "
                                        "10.0, 4.0, 3.0, 1.0) ORDER BY "
                                        "rowid", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, "request", -1, SQLITE_STATIC);
    for (rows = 0; sqlite3_step(st) == SQLITE_ROW; rows++)
        rowids[rows] = sqlite3_column_int64(st, 0);
    assert_int_equal(rows, 60);          /* no callbacks: every row */
    assert_int_equal(rowids[59], 60);

    memset(&log, 0, sizeof(log));
    slot.take = take_odd;
    slot.put = put_row;
    slot.take_arg = &log;
    log.stop_at = 1000;                  /* never */
    sqlite3_reset(st);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(log.n_offered, 60);
    assert_int_equal(log.n_put, 30);
    for (i = 0; i < log.n_offered; i++)
        assert_int_equal(log.offered[i], i + 1);
    for (i = 0; i < log.n_put; i++) {
        assert_int_equal(log.put[i], 2 * i + 1);
        assert_true(log.score[i] == ours[2 * i]);   /* rowid 2i+1 */
    }

    memset(&log, 0, sizeof(log));
    log.stop_at = 4;
    sqlite3_reset(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 7);   /* 1, 3, 5, 7 */
    assert_int_equal(log.n_offered, 7);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* One phrase (with or without a column filter): deferred; more than one:
 * computed in place as bm25 does, deferral allowed or not. */
static void test_deferred_idf(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);

    (void)state;
    check_query(db, &slot, "request", 1, 1);
    check_query(db, &slot, "\"not medically necessary\"", 1, 1);
    check_query(db, &slot, "\"pain is rated\"", 1, 1);
    check_query(db, &slot, "{b c}: pain", 1, 1);
    check_query(db, &slot, "\"functional restoration program\"", 1, 1);
    check_query(db, &slot, "\"functional restoration program\" OR therapy",
                1, 0);
    check_query(db, &slot, "functional AND program", 1, 0);
    sqlite3_close(db);
}

/* The IDFs of a query of several phrases come from the cache while the
 * index state (sig) is the same: equal to bm25 the second time too; a
 * changed table under the same sig shows that the cache was used (its
 * IDFs are the old ones), a new sig computes them again. */
static void test_idf_cache(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    const char *m = "\"functional restoration program\" OR therapy";

    (void)state;
    memset(&slot, 0, sizeof(slot));
    slot.cache = imr_rank_cache_new();
    assert_non_null(slot.cache);
    slot.sig = "state-1";
    slot.expr = m;
    check_equal(db, m);                   /* computed, kept */
    check_equal(db, m);                   /* from the cache */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t(a) VALUES ('therapy "
                                  "therapy'), ('therapy'), ('physical "
                                  "therapy')", NULL, NULL, NULL), SQLITE_OK);
    assert_true(count_differ(db, m) > 0); /* stale on purpose: same sig */
    slot.sig = "state-2";
    check_equal(db, m);                   /* new state: computed again */
    imr_rank_cache_free(slot.cache);
    sqlite3_close(db);
}

/* A doclen callback that does not know (-1) leaves the docsize lookup;
 * one that answers is used (a wrong length changes the scores). */
static long long doclen_unknown(void *arg, long long rowid)
{
    (void)arg;
    (void)rowid;
    return -1;
}

static long long doclen_seven(void *arg, long long rowid)
{
    (void)arg;
    (void)rowid;
    return 7;
}

static void test_doclen(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    const char *m = "\"functional restoration program\" OR therapy";

    (void)state;
    memset(&slot, 0, sizeof(slot));
    slot.doclen = doclen_unknown;
    check_equal(db, m);
    slot.doclen = doclen_seven;
    assert_true(count_differ(db, m) > 0);
    sqlite3_close(db);
}

/* Rows of known phrases (lib/phrase_rows.h) replace xQueryPhrase: the
 * spellings and terms counted in item_fts, a copy of t, give bm25's
 * scores; counts of another state show that they are used; a phrase
 * under a column filter, a prefix phrase, a phrase of several terms that
 * is no spelling, or a MATCH string of another grammar, is counted as
 * before. */
static void test_known_phrases(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    struct imr_phrase_rows *same = NULL, *other = NULL;
    struct imr_term_rows *same_t = NULL, *other_t = NULL;
    char err[IMR_ERR_LEN];
    const char *m = "(\"FRP\" OR \"functional restoration program\" OR "
                    "\"functional restoration\") OR \"physical therapy\"";
    const char *col = "a : (\"functional restoration program\" OR "
                      "\"physical therapy\")";
    const char *near = "NEAR(\"functional restoration\" program) OR "
                       "\"physical therapy\"";
    const char *words = "\"Therapy\" OR \"programs\" OR \"sprain\"";
    const char *prefix = "\"therapi\" * OR \"program\" *";
    const char *two = "\"restoration program\" OR \"sprain\"";

    (void)state;
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE item_fts USING "
                                  "fts5(a, b, c, d, tokenize='porter "
                                  "unicode61'); INSERT INTO item_fts SELECT "
                                  "a, b, c, d FROM t", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(imr_phrase_rows_build(db, NULL, &same, err), IMR_OK);
    assert_int_equal(imr_term_rows_read(db, NULL, &same_t, err), IMR_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO item_fts(a) VALUES "
                                  "('functional restoration program'), "
                                  "('physical therapy'), ('physical "
                                  "therapy')", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(imr_phrase_rows_build(db, NULL, &other, err), IMR_OK);
    assert_int_equal(imr_term_rows_read(db, NULL, &other_t, err), IMR_OK);
    memset(&slot, 0, sizeof(slot));
    slot.expr = m;
    slot.known = same;
    check_equal(db, m);
    slot.known = other;                   /* another state's rows */
    assert_true(count_differ(db, m) > 0);
    slot.expr = col;
    check_equal(db, col);                 /* column filter: counted */
    slot.expr = near;
    check_equal(db, near);                /* not our grammar: counted */
    /* words that are one term each ("therapi", "program"): their rows
     * come from the index's terms, in any case or inflection */
    slot.known = NULL;
    slot.terms = same_t;
    slot.expr = words;
    check_equal(db, words);
    slot.terms = other_t;
    assert_true(count_differ(db, words) > 0);
    /* a prefix phrase and a phrase of two terms are counted */
    slot.expr = prefix;
    check_equal(db, prefix);
    slot.expr = two;
    check_equal(db, two);
    imr_phrase_rows_free(same);
    imr_phrase_rows_free(other);
    imr_term_rows_free(same_t);
    imr_term_rows_free(other_t);
    sqlite3_close(db);
}

/* The rows of the phrase M of DB's table t. */
static long long phrase_rows(sqlite3 *db, const char *m)
{
    sqlite3_stmt *st = NULL;
    long long n;

    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE "
                                        "t MATCH ?1", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The memo of phrases counted (lib/phrase_rows.h): a query's phrases are
 * counted once and kept under their keys with the rows bm25 counts; a
 * later query with them reads them (rows of an older table show it); a
 * phrase under a column filter is not kept; the memo stays bounded. */
static void test_phrase_memo(void **state)
{
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    struct imr_phrase_memo *memo = imr_phrase_memo_new();
    const char *m = "\"functional restoration program\" OR \"Physical "
                    "therapy\"";
    const char *m2 = "\"physical therapy\" AND \"pain\"";
    const char *col = "c : (\"lumbar sprain\" OR \"chronic pain\")";
    char key[32];
    long long rows = -1;
    int i;

    (void)state;
    assert_non_null(memo);
    memset(&slot, 0, sizeof(slot));
    slot.memo = memo;
    slot.expr = m;
    check_equal(db, m);                   /* counted, kept */
    assert_int_equal(imr_phrase_memo_count(memo), 2);
    assert_int_equal(imr_phrase_memo_get(memo, "physical therapy", &rows),
                     1);                  /* keys in lower case */
    assert_int_equal(rows, phrase_rows(db, "\"physical therapy\""));
    assert_int_equal(imr_phrase_memo_get(memo,
                                         "functional restoration program",
                                         &rows), 1);
    assert_int_equal(rows,
                     phrase_rows(db, "\"functional restoration program\""));
    assert_int_equal(imr_phrase_memo_get(memo, "pain", &rows), 0);
    slot.expr = m2;
    check_equal(db, m2);                  /* one phrase read, one added */
    assert_int_equal(imr_phrase_memo_count(memo), 3);
    assert_int_equal(imr_phrase_memo_get(memo, "pain", &rows), 1);
    assert_int_equal(rows, phrase_rows(db, "pain"));
    slot.expr = col;
    check_equal(db, col);                 /* column filter: not kept */
    assert_int_equal(imr_phrase_memo_count(memo), 3);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t(a) VALUES ('physical "
                                  "therapy'), ('physical therapy pain')",
                                  NULL, NULL, NULL), SQLITE_OK);
    slot.expr = m2;
    assert_true(count_differ(db, m2) > 0);  /* the older rows: read */
    imr_phrase_memo_free(memo);
    slot.memo = memo = imr_phrase_memo_new();
    assert_non_null(memo);
    check_equal(db, m2);                  /* a new state's memo: counted */
    /* an existing key is updated in place; a full memo is emptied */
    imr_phrase_memo_put(memo, "pain", 5);
    assert_int_equal(imr_phrase_memo_get(memo, "pain", &rows), 1);
    assert_int_equal(rows, 5);
    assert_int_equal(imr_phrase_memo_count(memo), 2);
    for (i = 0; i < IMR_PHRASE_MEMO_MAX - 2; i++) {
        snprintf(key, sizeof(key), "word%d", i);
        imr_phrase_memo_put(memo, key, i);
    }
    assert_int_equal(imr_phrase_memo_count(memo), IMR_PHRASE_MEMO_MAX);
    assert_int_equal(imr_phrase_memo_get(memo, "word77", &rows), 1);
    assert_int_equal(rows, 77);
    imr_phrase_memo_put(memo, "one more", 1);
    assert_int_equal(imr_phrase_memo_count(memo), 1);
    assert_int_equal(imr_phrase_memo_get(memo, "word77", &rows), 0);
    assert_int_equal(imr_phrase_memo_get(memo, "one more", &rows), 1);
    imr_phrase_memo_put(NULL, "x", 1);    /* no memo: nothing kept */
    assert_int_equal(imr_phrase_memo_get(NULL, "x", &rows), 0);
    assert_true(imr_phrase_memo_bytes(memo) > imr_phrase_memo_bytes(NULL));
    imr_phrase_memo_free(memo);
    sqlite3_close(db);
}

static void test_idf(void **state)
{
    (void)state;
    /* a phrase in over half the rows gets bm25's floor */
    assert_true(imr_rank_idf(100, 60) == 1e-6);
    assert_true(imr_rank_idf(100, 50) == 1e-6);
    assert_true(imr_rank_idf(100, 1) > imr_rank_idf(100, 10));
    assert_true(imr_rank_idf(100, 10) > 0);
}

/* What imr_each_phrase hands on, and when it is told to halt. */
struct each_log {
    long long rows[4096];
    int n;
    int halt_at;          /* halt when this many rows were handed; 0: no */
    int halts;            /* times asked */
};

static void each_cb(void *arg, long long rowid)
{
    struct each_log *l = arg;

    assert_true(l->n < 4096);
    l->rows[l->n++] = rowid;
}

static int halt_cb(void *arg)
{
    struct each_log *l = arg;

    l->halts++;
    return l->halt_at > 0 && l->n >= l->halt_at;
}

/* Runs imr_each_phrase over MATCH M in [LO, HI) into L: the step's
 * result code. */
static int each_run(sqlite3 *db, const char *m, long long lo, long long hi,
                    struct each_log *l)
{
    sqlite3_stmt *st = NULL;
    int rc;

    l->n = 0;
    l->halts = 0;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT imr_each_phrase(t, ?2, "
                                        "?3) FROM t WHERE t MATCH ?1 LIMIT "
                                        "1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    return rc;
}

/* The rowids SQL finds for M in [LO, HI), ascending, against L. */
static void check_each(sqlite3 *db, const char *m, long long lo,
                       long long hi, const struct each_log *l)
{
    sqlite3_stmt *st = NULL;
    int n = 0;

    assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t "
                                        "MATCH ?1 AND rowid >= ?2 AND "
                                        "rowid < ?3 ORDER BY rowid", -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n >= l->n || l->rows[n] != sqlite3_column_int64(st, 0))
            fail_msg("%s [%lld, %lld): row %d differs", m, lo, hi, n);
        n++;
    }
    sqlite3_finalize(st);
    assert_int_equal(n, l->n);
}

/* imr_each_phrase hands on the rows of a one-phrase MATCH string in a
 * range, ascending, as SQL finds them (a word, a phrase of several, a
 * prefix, an empty range, the whole table); asks HALT every 1,024 rows
 * and stops with SQLITE_INTERRUPT when it says so; refuses a MATCH
 * string of several phrases, and a slot without EACH. */
static void test_each_phrase(void **state)
{
    static const char *const one[] = {
        "therapy", "\"not medically necessary\"", "pain", "restor*",
    };
    static struct each_log l;
    struct imr_rank_defer slot;
    sqlite3 *db = make_db(&slot);
    size_t i;
    int k;

    (void)state;
    memset(&slot, 0, sizeof(slot));
    slot.each = each_cb;
    slot.take_arg = &l;
    slot.halt = halt_cb;
    slot.halt_arg = &l;
    for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
        static const long long r[][2] = {
            {INT64_MIN, INT64_MAX}, {1, 61}, {5, 40}, {17, 18}, {30, 30},
            {40, 5}, {61, INT64_MAX},
        };

        for (k = 0; k < (int)(sizeof(r) / sizeof(r[0])); k++) {
            assert_int_equal(each_run(db, one[i], r[k][0], r[k][1], &l),
                             SQLITE_ROW);
            check_each(db, one[i], r[k][0], r[k][1], &l);
        }
        assert_int_equal(each_run(db, one[i], INT64_MIN, INT64_MAX, &l),
                         SQLITE_ROW);
        assert_true(l.n > 0);
    }
    /* several phrases, or nothing to hand the rows to: refused */
    assert_int_equal(each_run(db, "therapy OR pain", 0, 100, &l),
                     SQLITE_ERROR);
    assert_int_equal(l.n, 0);
    slot.each = NULL;
    assert_int_equal(each_run(db, "therapy", 0, 100, &l), SQLITE_ERROR);
    slot.each = each_cb;
    /* no row matches: no call at all */
    assert_int_equal(each_run(db, "zzzz", INT64_MIN, INT64_MAX, &l),
                     SQLITE_DONE);
    assert_int_equal(l.n, 0);
    /* 3,000 rows: HALT asked every 1,024; a yes stops the walk */
    assert_int_equal(sqlite3_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 "
                                  "UNION ALL SELECT i + 1 FROM n WHERE i < "
                                  "3000) INSERT INTO t(a) SELECT 'bulk row' "
                                  "FROM n", NULL, NULL, NULL), SQLITE_OK);
    l.halt_at = 0;
    assert_int_equal(each_run(db, "bulk", INT64_MIN, INT64_MAX, &l),
                     SQLITE_ROW);
    assert_int_equal(l.n, 3000);
    assert_int_equal(l.halts, 2);
    check_each(db, "bulk", INT64_MIN, INT64_MAX, &l);
    l.halt_at = 1;
    assert_int_equal(each_run(db, "bulk", INT64_MIN, INT64_MAX, &l),
                     SQLITE_INTERRUPT);
    assert_int_equal(l.n, 1023);
    assert_int_equal(l.halts, 1);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_to_bm25),
        cmocka_unit_test(test_deferred_idf),
        cmocka_unit_test(test_idf_cache),
        cmocka_unit_test(test_doclen),
        cmocka_unit_test(test_known_phrases),
        cmocka_unit_test(test_phrase_memo),
        cmocka_unit_test(test_idf),
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_each_phrase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
