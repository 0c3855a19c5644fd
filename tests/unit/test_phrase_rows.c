/* Tests of lib/phrase_rows.c: the phrase keys of a MATCH string in FTS5's
 * order (checked against FTS5 itself), and the rows counted per synonym
 * spelling (checked against count(*) of each phrase). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "imr/imr.h"
#include "imr/query.h"
#include "imr/record.h"
#include "phrase_rows.h"
#include "testutil.h"

/* Asserts that M's keys are the N strings of WANT (NULL: a phrase under
 * a column filter). */
static void check_keys(const char *m, const char *const *want, size_t n)
{
    char **keys = NULL;
    size_t nk = 0, i;

    assert_int_equal(imr_phrase_keys(m, &keys, &nk), IMR_OK);
    if (nk != n)
        fail_msg("%s: %zu keys, want %zu", m, nk, n);
    for (i = 0; i < n; i++) {
        if (want[i] == NULL)
            assert_null(keys[i]);
        else
            assert_string_equal(keys[i], want[i]);
    }
    imr_strv_free(keys, nk);
}

static void test_keys(void **state)
{
    static const char *const k1[] = {"frp",
                                     "functional restoration program"};
    static const char *const k2[] = {"lumbar", "mri *", "denied"};
    static const char *const k3[] = {NULL, NULL, "upheld"};
    static const char *const k4[] = {"say \"no\"", "x"};
    static const char *const k5[] = {"a", NULL, "b"};
    static const char *const bad[] = {
        "lumbar", "\"a\" NEAR(\"b\" \"c\")", "(\"a\"", "\"a\")", "\"a",
        "{a b}: \"c\"", "col :", "a : b : \"c\"", "\"a\" + \"b\"",
        "x : (y : \"z\")",
    };
    char **keys = NULL;
    size_t nk = 0, i;

    (void)state;
    check_keys("(\"FRP\" OR \"Functional Restoration Program\")", k1, 2);
    check_keys("((\"lumbar\" AND \"MRI\" *) NOT \"denied\")", k2, 3);
    check_keys("((treatment : (\"norco\" OR \"hydrocodone\") AND "
               "\"upheld\"))", k3, 3);
    check_keys("\"say \"\"no\"\"\" OR \"x\"", k4, 2);
    check_keys("\"a\" AND treatment : \"c\" AND \"b\"", k5, 3);
    check_keys("", NULL, 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (imr_phrase_keys(bad[i], &keys, &nk) != IMR_EINVAL)
            fail_msg("%s: accepted", bad[i]);
        assert_null(keys);
    }
}

/* FTS5 numbers the phrases of a query in the order of the text: the key
 * of phrase I is the phrase xQueryPhrase(I) runs. Checked through
 * the MATCH strings lib/query.c writes for synonym queries: the rows of
 * each key, counted alone, equal the rows FTS5 finds for phrase I. */
struct order_chk {
    long long rows[16];
    int n;
};

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts,
                    void *user)
{
    (void)api;
    (void)fts;
    (*(long long *)user)++;
    return SQLITE_OK;
}

static void phrase_rows_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                           sqlite3_context *ctx, int nval,
                           sqlite3_value **val)
{
    struct order_chk *c = api->xUserData(fts);
    int i;

    (void)nval;
    (void)val;
    c->n = api->xPhraseCount(fts);
    for (i = 0; i < c->n && i < 16; i++) {
        c->rows[i] = 0;
        api->xQueryPhrase(fts, i, &c->rows[i], count_cb);
    }
    sqlite3_result_int(ctx, c->n);
}

static sqlite3 *fixture(struct order_chk *chk)
{
    static const char *const rows[] = {
        "functional restoration program after physical therapy",
        "the FRP was denied; physiotherapy continued",
        "functional restoration was certified, lumbar MRI",
        "chronic pain program, norco and hydrocodone",
        "physical therapy twice a week; the PT notes",
        "lumbar sprain, home exercise",
    };
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    size_t i;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE item_fts USING "
                                  "fts5(treatment, rationale, tokenize="
                                  "'porter unicode61')", NULL, NULL, NULL),
                     SQLITE_OK);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO item_fts "
                                            "VALUES (?1, ?2)", -1, &st,
                                            NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, i % 2 ? "norco" : "frp", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rows[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    assert_non_null(api);
    assert_int_equal(api->xCreateFunction(api, "phrase_rows", chk,
                                          phrase_rows_fn, NULL), SQLITE_OK);
    return db;
}

static long long count_of(sqlite3 *db, const char *m)
{
    long long n = tu_match_count(db, m);

    if (n < 0)
        fail_msg("%s: count(*): %s", m, sqlite3_errmsg(db));
    return n;
}

static long long count_of_sql(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_fts5_order(void **state)
{
    static const char *const qs[] = {
        "FRP lumbar", "physical therapy OR norco", "treatment:norco FRP",
        "pt -lumbar", "\"functional restoration\" MRI*",
    };
    struct order_chk chk;
    sqlite3 *db = fixture(&chk);
    char err[IMR_ERR_LEN];
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        struct imr_query *q = NULL;
        struct imr_query_error qe;
        char *m = NULL, *neg = NULL, **keys = NULL;
        size_t nk = 0;
        sqlite3_stmt *st = NULL;

        assert_int_equal(imr_query_parse(qs[i], &q, &qe, err), IMR_OK);
        assert_int_equal(imr_query_fts(q, &m, &neg), IMR_OK);
        assert_non_null(m);
        assert_int_equal(imr_phrase_keys(m, &keys, &nk), IMR_OK);
        memset(&chk, 0, sizeof(chk));
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT phrase_rows("
                                            "item_fts) FROM item_fts WHERE "
                                            "item_fts MATCH ?1 LIMIT 1", -1,
                                            &st, NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        sqlite3_finalize(st);
        if ((size_t)chk.n != nk)
            fail_msg("%s: FTS5 has %d phrases, keys %zu", m, chk.n, nk);
        for (k = 0; k < nk; k++) {
            char quoted[256];
            size_t len;

            if (keys[k] == NULL)
                continue;
            /* a key is the phrase's text: quoted again, the same rows */
            len = strlen(keys[k]);
            if (len >= 2 && strcmp(keys[k] + len - 2, " *") == 0)
                snprintf(quoted, sizeof(quoted), "\"%.*s\" *",
                         (int)(len - 2), keys[k]);
            else
                snprintf(quoted, sizeof(quoted), "\"%s\"", keys[k]);
            if (count_of(db, quoted) != chk.rows[k])
                fail_msg("%s: phrase %zu (%s): %lld rows alone, FTS5 %lld",
                         m, k, keys[k], count_of(db, quoted), chk.rows[k]);
        }
        imr_strv_free(keys, nk);
        free(m);
        free(neg);
        imr_query_free(q);
    }
    sqlite3_close(db);
}

/* Every spelling is counted; each count is count(*) of the phrase. */
struct spell_chk {
    sqlite3 *db;
    const struct imr_phrase_rows *t;
    int seen;
};

static int check_spelling(const char *spelling, void *arg)
{
    struct spell_chk *c = arg;
    char quoted[256];
    long long rows = -1;

    snprintf(quoted, sizeof(quoted), "\"%s\"", spelling);
    if (!imr_phrase_rows_get(c->t, spelling, &rows))
        fail_msg("%s: not counted", spelling);
    if (rows != count_of(c->db, quoted))
        fail_msg("%s: %lld rows, count(*) %lld", spelling, rows,
                 count_of(c->db, quoted));
    c->seen++;
    return 0;
}

/* An authorizer that denies the making of virtual tables. */
static int deny_vtab(void *arg, int action, const char *a, const char *b,
                     const char *c, const char *d)
{
    (void)arg;
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    return action == SQLITE_CREATE_VTABLE ? SQLITE_DENY : SQLITE_OK;
}

static void test_build(void **state)
{
    struct order_chk chk;
    sqlite3 *db = fixture(&chk);
    struct imr_phrase_rows *t = NULL;
    struct spell_chk sc;
    char err[IMR_ERR_LEN];
    atomic_int stop = 1;
    long long rows = -1;

    (void)state;
    assert_int_equal(imr_phrase_rows_build(db, NULL, &t, err), IMR_OK);
    assert_true(imr_phrase_rows_count(t) > 100);
    assert_true(imr_phrase_rows_bytes(t) > imr_phrase_rows_count(t));
    sc.db = db;
    sc.t = t;
    sc.seen = 0;
    assert_int_equal(imr_synonyms_each(check_spelling, &sc), 0);
    assert_true((size_t)sc.seen >= imr_phrase_rows_count(t));
    /* the fixture's own counts, by hand */
    assert_true(imr_phrase_rows_get(t, "functional restoration", &rows));
    assert_int_equal(rows, 2);
    assert_true(imr_phrase_rows_get(t, "physical therapy", &rows));
    assert_int_equal(rows, 2);
    assert_true(imr_phrase_rows_get(t, "frp", &rows));
    assert_int_equal(rows, 4);   /* three treatments, one rationale */
    /* keys are lower case and exact: no other phrase is known */
    assert_false(imr_phrase_rows_get(t, "FRP", &rows));
    assert_false(imr_phrase_rows_get(t, "frp *", &rows));
    assert_false(imr_phrase_rows_get(t, "lumbar", &rows));
    assert_false(imr_phrase_rows_get(NULL, "frp", &rows));
    imr_phrase_rows_free(t);
    /* asked to stop: gives up, nothing returned */
    t = NULL;
    assert_int_equal(imr_phrase_rows_build(db, &stop, &t, err), IMR_ELIMIT);
    assert_null(t);
    /* no full-text table: an error with a reason */
    assert_int_equal(sqlite3_exec(db, "DROP TABLE item_fts", NULL, NULL,
                                  NULL), SQLITE_OK);
    assert_int_equal(imr_phrase_rows_build(db, NULL, &t, err), IMR_EDB);
    assert_null(t);
    assert_non_null(strstr(err, "item_fts"));
    sqlite3_close(db);
}

/* The rows of every term of the index, by FTS5's token: against a count
 * of the word's rows by FTS5 itself and by hand; only whole terms; a
 * connection that may not make the vocabulary table keeps none; a stop
 * and a missing table. */
static void test_terms(void **state)
{
    static const struct {
        const char *term, *word;
        long long rows;
    } tw[] = {
        {"frp", "\"FRP\"", 4}, {"lumbar", "\"lumbar\"", 2},
        {"restor", "\"restoration\"", 2},      /* porter's stem */
        {"therapi", "\"therapy\"", 2}, {"norco", "\"norco\"", 3},
        {"program", "\"programs\"", 2}, {"the", "\"the\"", 2},
    };
    struct order_chk chk;
    sqlite3 *db = fixture(&chk);
    struct imr_term_rows *t = NULL;
    char err[IMR_ERR_LEN];
    atomic_int stop = 1;
    long long rows = -1;
    size_t i;

    (void)state;
    assert_int_equal(imr_term_rows_read(db, NULL, &t, err), IMR_OK);
    assert_true(imr_term_rows_count(t) > 20);
    assert_true(imr_term_rows_bytes(t) > imr_term_rows_count(t));
    for (i = 0; i < sizeof(tw) / sizeof(tw[0]); i++) {
        rows = -1;
        if (!imr_term_rows_get(t, tw[i].term, strlen(tw[i].term), &rows))
            fail_msg("term %s: not held", tw[i].term);
        if (rows != tw[i].rows || rows != count_of(db, tw[i].word))
            fail_msg("term %s: %lld rows, by hand %lld, FTS5 %lld",
                     tw[i].term, rows, tw[i].rows, count_of(db, tw[i].word));
    }
    /* only whole terms, as tokens (stems, lower case), LEN bytes long */
    assert_false(imr_term_rows_get(t, "restoration", 11, &rows));
    assert_false(imr_term_rows_get(t, "FRP", 3, &rows));
    assert_false(imr_term_rows_get(t, "fr", 2, &rows));
    assert_false(imr_term_rows_get(t, "frpx", 4, &rows));
    assert_false(imr_term_rows_get(t, "zzz", 3, &rows));
    assert_false(imr_term_rows_get(t, "", 0, &rows));
    assert_true(imr_term_rows_get(t, "frpx", 3, &rows));
    assert_int_equal(rows, 4);
    assert_true(imr_term_rows_get(t, "a", 1, &rows));     /* the first */
    assert_true(imr_term_rows_get(t, "week", 4, &rows));  /* the last */
    assert_int_equal(rows, 1);
    assert_false(imr_term_rows_get(NULL, "frp", 3, &rows));
    /* the temp table it read them from is gone */
    assert_int_equal(count_of_sql(db, "SELECT count(*) FROM "
                                  "temp.sqlite_master"), 0);
    imr_term_rows_free(t);
    /* a connection that may not make the vocabulary table: none */
    sqlite3_set_authorizer(db, deny_vtab, NULL);
    assert_int_equal(imr_term_rows_read(db, NULL, &t, err), IMR_OK);
    assert_int_equal(imr_term_rows_count(t), 0);
    assert_false(imr_term_rows_get(t, "frp", 3, &rows));
    imr_term_rows_free(t);
    sqlite3_set_authorizer(db, NULL, NULL);
    /* asked to stop (checked every 1,024 terms): more terms than that */
    assert_int_equal(sqlite3_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 "
                                  "UNION ALL SELECT i + 1 FROM n WHERE i < "
                                  "1500) INSERT INTO item_fts SELECT 'w' || "
                                  "i, '' FROM n", NULL, NULL, NULL),
                     SQLITE_OK);
    t = NULL;
    assert_int_equal(imr_term_rows_read(db, &stop, &t, err), IMR_ELIMIT);
    assert_null(t);
    assert_int_equal(count_of_sql(db, "SELECT count(*) FROM "
                                  "temp.sqlite_master"), 0);
    /* no full-text table: an error with a reason */
    assert_int_equal(sqlite3_exec(db, "DROP TABLE item_fts", NULL, NULL,
                                  NULL), SQLITE_OK);
    assert_int_equal(imr_term_rows_read(db, NULL, &t, err), IMR_EDB);
    assert_null(t);
    assert_non_null(strstr(err, "item_fts"));
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_fts5_order),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
