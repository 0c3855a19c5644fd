/* Tests of lib/search.c over a small index built here from hand-made
 * records: natural citation filters, page ranges, synonyms, filters-only
 * queries, paging, facets, snippets, FTS5 characters, letters, stats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "imr/imr.h"
#include "imr/index.h"
#include "imr/query.h"
#include "imr/record.h"
#include "imr/search.h"

static char db_path[256];

struct cite_spec {
    enum imr_by by;
    const char *guideline, *chapter;
    int from, to;     /* 0: no pages */
};

struct item_spec {
    const char *treatment;
    enum imr_decision decision;
    const char *rationale;
    struct cite_spec cites[2];
    int n_cites;
};

struct letter_spec {
    const char *id, *date, *gender, *diagnosis, *specialty;
    int age;
    struct item_spec items[2];
    int n_items;
};

/* Invented letters; none of this text comes from a real determination. */
static const struct letter_spec letters[] = {
    {"T-001", "2013-08-20", "female", "cervicalgia", "Pain Medicine", 52,
     {{"Functional restoration program, 20 sessions", IMR_DECISION_UPHELD,
       "The functional restoration program is not medically necessary "
       "because baseline testing was not documented.",
       {{IMR_BY_CLAIMS_ADMINISTRATOR, "MTUS", NULL, 30, 34},
        {IMR_BY_REVIEWER, "MTUS", NULL, 49, 49}}, 2}}, 1},
    {"T-002", "2014-02-11", "male", "lumbago", "Family Practice", 44,
     {{"FRP evaluation", IMR_DECISION_OVERTURNED,
       "An FRP evaluation is medically necessary for this worker.",
       {{IMR_BY_REVIEWER, "MTUS", NULL, 49, 49}}, 1}}, 1},
    {"T-003", "2014-05-02", "male", "lumbar radiculopathy",
     "Occupational Medicine", 61,
     {{"Norco 10/325 #60", IMR_DECISION_UPHELD,
       "Ongoing opioid use lacks documented functional improvement.",
       {{IMR_BY_REVIEWER, "MTUS", NULL, 74, 96}}, 1}}, 1},
    {"T-004", "2015-01-15", "female", "lumbar disc displacement",
     "Physical Medicine and Rehabilitation", 39,
     {{"Lumbar epidural steroid injection at L4-5", IMR_DECISION_UPHELD,
       "Radicular findings are not corroborated by imaging.",
       {{IMR_BY_REVIEWER, "ACOEM", "12 Low Back Complaints", 300, 301}}, 1},
      {"Physical therapy, 12 sessions", IMR_DECISION_OVERTURNED,
       "A short course of therapy is supported after the flare.",
       {{IMR_BY_REVIEWER, "ODG", "Low Back", 0, 0}}, 1}}, 2},
    {"T-005", "2015-06-30", "male", "neck strain", "Family Practice", 47,
     {{"Cyclobenzaprine 7.5 mg #90", IMR_DECISION_UPHELD,
       "Muscle relaxants are for short-term use only.",
       {{IMR_BY_REVIEWER, "MTUS", NULL, 41, 42}}, 1}}, 1},
};

static struct imr_record *make_record(const struct letter_spec *l)
{
    struct imr_record *r = imr_record_new();
    int i, k;

    assert_non_null(r);
    r->id = strdup(l->id);
    r->format = strdup("case_number_header");
    r->source = strdup("test");
    r->date_decision = strdup(l->date);
    r->gender = strdup(l->gender);
    r->age = l->age;
    r->text = strdup("Invented letter text for the search test.");
    r->summary = strdup("The injured worker has chronic pain.");
    assert_int_equal(imr_strv_push(&r->diagnoses, &r->n_diagnoses,
                                   l->diagnosis), IMR_OK);
    assert_int_equal(imr_strv_push(&r->specialties, &r->n_specialties,
                                   l->specialty), IMR_OK);
    for (i = 0; i < l->n_items; i++) {
        struct imr_item *it;

        assert_int_equal(imr_record_add_item(r, &it), IMR_OK);
        it->treatment = strdup(l->items[i].treatment);
        it->decision = l->items[i].decision;
        it->rationale = strdup(l->items[i].rationale);
        for (k = 0; k < l->items[i].n_cites; k++) {
            const struct cite_spec *cs = &l->items[i].cites[k];
            struct imr_citation *c;

            assert_int_equal(imr_item_add_citation(it, &c), IMR_OK);
            c->by = cs->by;
            c->guideline = strdup(cs->guideline);
            if (cs->chapter != NULL)
                c->chapter = strdup(cs->chapter);
            if (cs->from > 0)
                assert_int_equal(imr_citation_add_pages(c, cs->from,
                                                        cs->to), IMR_OK);
        }
    }
    return r;
}

static int setup(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN];
    size_t i;

    (void)state;
    snprintf(db_path, sizeof(db_path), "%s/test_search_%ld.db",
             IMR_BINARY_DIR, (long)getpid());
    unlink(db_path);
    if (imr_index_open(db_path, IMR_INDEX_RDWR, &ix, err) != IMR_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    if (imr_index_begin(ix, err) != IMR_OK)
        return -1;
    for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++) {
        struct imr_record *r = make_record(&letters[i]);

        if (imr_index_put(ix, r, NULL, err) != IMR_OK) {
            fprintf(stderr, "put: %s\n", err);
            return -1;
        }
        imr_record_free(r);
    }
    if (imr_index_commit(ix, err) != IMR_OK) {
        fprintf(stderr, "commit: %s\n", err);
        return -1;
    }
    imr_index_close(ix);
    return 0;
}

static int teardown(void **state)
{
    char p[300];

    (void)state;
    unlink(db_path);
    snprintf(p, sizeof(p), "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db_path);
    unlink(p);
    return 0;
}

/* Runs TEXT; returns the result (json_decref). */
static json_t *search(const char *text, size_t limit, size_t offset,
                      enum imr_sort sort)
{
    struct imr_search *s = NULL;
    struct imr_query *q = NULL;
    struct imr_search_opts o = {limit, offset, sort, 1, 1, 5000};
    char err[IMR_ERR_LEN] = "";
    json_t *res = NULL;

    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    if (imr_query_parse(text, &q, NULL, err) != IMR_OK)
        fprintf(stderr, "parse %s: %s\n", text, err);
    assert_non_null(q);
    if (imr_search_run(s, q, &o, &res, err) != IMR_OK)
        fprintf(stderr, "search %s: %s\n", text, err);
    assert_non_null(res);
    imr_query_free(q);
    imr_search_close(s);
    return res;
}

/* "T-001#1 T-004#2" for the hits of RES, in order. */
static void hit_ids(const json_t *res, char *buf, size_t size)
{
    const json_t *hits = json_object_get(res, "hits"), *h;
    size_t i;

    buf[0] = '\0';
    json_array_foreach(hits, i, h) {
        char one[64];

        snprintf(one, sizeof(one), "%s%s#%d", i ? " " : "",
                 json_string_value(json_object_get(h, "id")),
                 (int)json_integer_value(json_object_get(h, "item")));
        strncat(buf, one, size - strlen(buf) - 1);
    }
}

static void expect_hits(const char *text, const char *want)
{
    json_t *res = search(text, 50, 0, IMR_SORT_RELEVANCE);
    char got[512];

    hit_ids(res, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fprintf(stderr, "query [%s]: got [%s] want [%s]\n", text, got,
                want);
    assert_string_equal(got, want);
    assert_int_equal(json_integer_value(json_object_get(res, "total")),
                     json_array_size(json_object_get(res, "hits")));
    json_decref(res);
}

static void test_seed_like(void **state)
{
    (void)state;
    expect_hits("upheld FRP denials citing MTUS p.49", "T-001#1");
    expect_hits("overturned FRP citing MTUS p.49", "T-002#1");
    expect_hits("FRP MTUS p.49", "T-001#1 T-002#1");
}

static void test_why(void **state)
{
    json_t *res = search("upheld FRP citing MTUS p.49", 10, 0,
                         IMR_SORT_RELEVANCE);
    json_t *why = json_object_get(json_array_get(json_object_get(res,
                                                                 "hits"),
                                                 0), "why");

    (void)state;
    assert_int_equal(json_array_size(why), 3);
    assert_string_equal(json_string_value(json_array_get(why, 0)),
                        "decision = upheld");
    /* only the reviewer's citation contains page 49 */
    assert_string_equal(json_string_value(json_array_get(why, 1)),
                        "cites MTUS p.49 (any cited range containing it): "
                        "MTUS p.49 (reviewer)");
    assert_non_null(strstr(json_string_value(json_array_get(why, 2)),
                           "text matched: functional restoration"));
    json_decref(res);
}

static void test_page_ranges(void **state)
{
    (void)state;
    expect_hits("MTUS p.31", "T-001#1");
    /* 33-50 overlaps 30-34, 41-42 and 49; newest first */
    expect_hits("MTUS pp. 33-50", "T-005#1 T-002#1 T-001#1");
    expect_hits("page:80", "T-003#1");
    expect_hits("ACOEM p.49", "");
    expect_hits("ACOEM ch. 12 p.301", "T-004#1");
    expect_hits("ODG low back", "T-004#2");
    expect_hits("by:claims MTUS p.31", "T-001#1");
    expect_hits("by:claims MTUS p.49", "");
}

static void test_synonyms(void **state)
{
    (void)state;
    expect_hits("hydrocodone", "T-003#1");
    expect_hits("Vicodin", "T-003#1");
    expect_hits("ESI", "T-004#1");
    expect_hits("PT", "T-004#2");
    expect_hits("Flexeril", "T-005#1");
    /* the treatment column weighs most */
    expect_hits("\"functional restoration program\"", "T-001#1 T-002#1");
}

static void test_filters_only(void **state)
{
    (void)state;
    /* newest first */
    expect_hits("decision:overturned", "T-004#2 T-002#1");
    expect_hits("year:2014", "T-003#1 T-002#1");
    expect_hits("date:2014-03..2015-01 upheld", "T-004#1 T-003#1");
    expect_hits("age:40..50 gender:male", "T-005#1 T-002#1");
    expect_hits("diagnosis:lumbar", "T-004#1 T-004#2 T-003#1");
    expect_hits("specialty:\"family practice\" -decision:overturned",
                "T-005#1");
    expect_hits("case:T-003", "T-003#1");
    expect_hits("outcome:\"partially overturned\"", "T-004#1 T-004#2");
    expect_hits("", "T-005#1 T-004#1 T-004#2 T-003#1 T-002#1 T-001#1");
}

/* OR of fields: any member matches; with text and other filters; and
 * the "why" of a hit names only the group member it meets. */
static void test_or_of_fields(void **state)
{
    json_t *res, *why;

    (void)state;
    expect_hits("guideline:ODG OR guideline:ACOEM", "T-004#1 T-004#2");
    expect_hits("year:2013 OR year:2015 OR gender:male",
                "T-005#1 T-004#1 T-004#2 T-003#1 T-002#1 T-001#1");
    expect_hits("(year:2013 OR diagnosis:lumbago) FRP", "T-001#1 T-002#1");
    expect_hits("upheld (page:49 OR page:41)", "T-005#1 T-001#1");
    expect_hits("-(decision:upheld OR year:2014)", "T-004#2");
    expect_hits("FRP (citing:\"MTUS p.49\" OR guideline:ODG)",
                "T-001#1 T-002#1");
    expect_hits("citing:\"MTUS p.49\" OR guideline:ODG",
                "T-004#2 T-002#1 T-001#1");
    res = search("(page:49 OR guideline:ODG) decision:overturned", 10, 0,
                 IMR_SORT_RELEVANCE);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 2);
    why = json_object_get(json_array_get(json_object_get(res, "hits"), 0),
                          "why");
    /* T-004#2 cites ODG only: no line about page 49 */
    assert_int_equal(json_array_size(why), 2);
    assert_non_null(strstr(json_string_value(json_array_get(why, 0)),
                           "ODG"));
    json_decref(res);
}

static void test_text_forms(void **state)
{
    (void)state;
    /* T-003 has lumbar in its diagnoses */
    expect_hits("lumbar -epidural", "T-003#1 T-004#2");
    expect_hits("treatment:therapy", "T-004#2");
    expect_hits("cyclo*", "T-005#1");
    expect_hits("norco OR flexeril", "T-003#1 T-005#1");
    /* FTS5 syntax inside quotes is only text */
    expect_hits("\"NEAR(x y) AND {treatment}: * ^z\"", "");
}

static void test_paging_facets_snippet(void **state)
{
    json_t *res = search("MTUS", 2, 1, IMR_SORT_DATE), *f, *h;
    char got[256];
    size_t i;
    int found = 0;

    (void)state;
    hit_ids(res, got, sizeof(got));
    assert_string_equal(got, "T-003#1 T-002#1");
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 4);
    f = json_object_get(json_object_get(res, "facets"), "guideline_page");
    json_array_foreach(f, i, h)
        if (strcmp(json_string_value(json_object_get(h, "value")),
                   "MTUS p.49") == 0) {
            assert_int_equal(json_integer_value(json_object_get(h,
                                                                "count")),
                             2);
            found = 1;
        }
    assert_true(found);
    f = json_object_get(json_object_get(res, "facets"), "decision");
    assert_int_equal(json_array_size(f), 2);
    json_decref(res);

    res = search("functional", 10, 0, IMR_SORT_RELEVANCE);
    h = json_array_get(json_object_get(res, "hits"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(h, "snippet")),
                           "[Functional]"));
    assert_true(json_real_value(json_object_get(h, "score")) > 0);
    assert_int_equal(json_array_size(json_object_get(h, "citations")), 2);
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(h, "diagnoses"), 0)), "cervicalgia");
    json_decref(res);
}

static void test_limits_and_letters(void **state)
{
    struct imr_search *s = NULL;
    struct imr_query *q = NULL;
    struct imr_search_opts o = {1001, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    char err[IMR_ERR_LEN];
    json_t *res = NULL;

    (void)state;
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    assert_int_equal(imr_query_parse("FRP", &q, NULL, err), IMR_OK);
    assert_int_equal(imr_search_run(s, q, &o, &res, err), IMR_EINVAL);
    assert_null(res);
    imr_query_free(q);
    assert_int_equal(imr_search_determination(s, "T-004", &res, err),
                     IMR_OK);
    assert_string_equal(json_string_value(json_object_get(res, "text")),
                        "Invented letter text for the search test.");
    assert_int_equal(json_array_size(json_object_get(res, "items")), 2);
    json_decref(res);
    assert_int_equal(imr_search_determination(s, "nope", &res, err),
                     IMR_ENOTFOUND);
    assert_int_equal(imr_search_stats(s, &res, err), IMR_OK);
    assert_non_null(res);
    json_decref(res);
    imr_search_close(s);
    assert_int_equal(imr_search_open("/nonexistent/x.db", &s, err) < 0, 1);
    assert_null(s);
}

/* Random queries built from words, operators, fields and FTS5 syntax
 * characters: the parser either accepts or rejects them cleanly, and every
 * MATCH string it makes is valid FTS5 (user text is always quoted). */
static void test_random_queries_are_safe(void **state)
{
    static const char *const parts[] = {
        "FRP", "norco", "\"", "(", ")", "-", "*", "OR", "AND", "NOT",
        "NEAR", "^", "{", "}", ":", "treatment:", "decision:upheld",
        "MTUS", "p.49", "pp.", "30-32", "ACOEM", "ch.", "12", "ODG", "low",
        "back", "upheld", "citing", "'", ",", ".", "+", "%", "_", "\\",
        "page:", "citing:\"MTUS", "x*", "a\"b", "\"\"", "functional",
        "restoration", "program", "é", "date:2014..", "age:1..", " ",
    };
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned seed = 12345;
    int i, k, accepted = 0, rejected = 0;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5("
                                  "treatment, rationale, diagnoses, summary,"
                                  " tokenize='porter unicode61');"
                                  "INSERT INTO f VALUES('Norco', 'FRP x',"
                                  " 'low back', 'pain');", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE "
                                        "f MATCH ?1", -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < 5000; i++) {
        char text[256] = "";
        struct imr_query *q = NULL;
        char err[IMR_ERR_LEN], *fts = NULL, *neg = NULL;
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 9;
        int rc;

        for (k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            strcat(text, parts[(seed >> 16) % (sizeof(parts) /
                                                sizeof(parts[0]))]);
            if ((seed >> 8) & 1)
                strcat(text, " ");
        }
        rc = imr_query_parse(text, &q, NULL, err);
        if (rc != IMR_OK) {
            assert_true(rc == IMR_EINVAL || rc == IMR_ELIMIT);
            assert_null(q);
            rejected++;
            continue;
        }
        accepted++;
        assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
        for (k = 0; k < 2; k++) {
            const char *m = k == 0 ? fts : neg;

            if (m == NULL)
                continue;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
            rc = sqlite3_step(st);
            if (rc != SQLITE_ROW)
                fprintf(stderr, "query [%s] -> MATCH [%s]: %s\n", text, m,
                        sqlite3_errmsg(db));
            assert_int_equal(rc, SQLITE_ROW);
        }
        json_decref(imr_query_interpretation(q));
        free(fts);
        free(neg);
        imr_query_free(q);
    }
    fprintf(stderr, "random queries: %d accepted, %d rejected\n", accepted,
            rejected);
    assert_true(accepted > 500 && rejected > 500);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* imr_search_run_text gives the compact, ASCII-escaped JSON of
 * imr_search_run's answer: on a first run (written once, kept in the
 * cache and copied from it), on a repeat (from the cache), and for a
 * page too large to be cached. */
static void test_run_text(void **state)
{
    static const char *const texts[] = {"MTUS", "functional", "upheld",
                                        "\"p.49\" OR cervicalgia",
                                        "decision:upheld", "nothingatall"};
    static const size_t limits[] = {10, 2, IMR_SEARCH_MAX_LIMIT};
    struct imr_search *a = NULL, *b = NULL;
    char err[IMR_ERR_LEN] = "";
    size_t i, l;
    int round;

    (void)state;
    assert_int_equal(imr_search_open(db_path, &a, err), IMR_OK);
    assert_int_equal(imr_search_open(db_path, &b, err), IMR_OK);
    for (round = 0; round < 2; round++)
        for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
            for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
                struct imr_search_opts o = {limits[l], 0,
                                            IMR_SORT_RELEVANCE, 1, 1, 0};
                struct imr_query *q = NULL;
                json_t *res = NULL;
                char *text = NULL, *want;

                assert_int_equal(imr_query_parse(texts[i], &q, NULL, err),
                                 IMR_OK);
                assert_int_equal(imr_search_run_text(a, q, &o, &text, err),
                                 IMR_OK);
                /* B answers from its own cache after the first round:
                 * drop it, so that each answer is built */
                imr_search_close(b);
                assert_int_equal(imr_search_open(db_path, &b, err), IMR_OK);
                assert_int_equal(imr_search_run(b, q, &o, &res, err),
                                 IMR_OK);
                want = json_dumps(res, JSON_COMPACT | JSON_ENSURE_ASCII);
                assert_non_null(text);
                assert_string_equal(text, want);
                free(want);
                free(text);
                json_decref(res);
                imr_query_free(q);
            }
    imr_search_close(a);
    imr_search_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_like),
        cmocka_unit_test(test_why),
        cmocka_unit_test(test_page_ranges),
        cmocka_unit_test(test_synonyms),
        cmocka_unit_test(test_filters_only),
        cmocka_unit_test(test_or_of_fields),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_paging_facets_snippet),
        cmocka_unit_test(test_limits_and_letters),
        cmocka_unit_test(test_random_queries_are_safe),
        cmocka_unit_test(test_run_text),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
