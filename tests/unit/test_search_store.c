/* Tests of the store path of lib/search.c (store_run): over a generated
 * index of 300 letters, every query (plain text, filters of every kind
 * the store tests, OR groups, negations, exclusions, sort by date,
 * offsets, empty results) gives the same whole JSON answer, byte for
 * byte, from the store path as from the SQL path (the oracle, with
 * imr_facets_enable(0)); queries with a filter only SQL can test
 * (case:) take the SQL path. The bound on the candidates
 * ranked: exact totals and facets, the page checked against SQL. The
 * counts of an earlier query of the same text, reused (test_tally_reuse;
 * the other tests turn the reuse off, so that every answer counts), and
 * the candidates it ranked, for its other pages (test_rank_reuse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "imr/facets.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "imr/query.h"
#include "imr/record.h"
#include "imr/search.h"

#define N_LETTERS 300

static char db_path[256];

/* Invented values; none of this text comes from a real determination. */
static const char *const treatments[] = {
    "Norco 10/325 #60", "Physical therapy", "Acupuncture x6",
    "Lumbar MRI", "FRP evaluation", "TENS unit", "Tramadol ER",
    "Chiropractic care", "Epidural steroid injection", "Knee brace"
};
static const char *const diagnoses[] = {
    "lumbago", "Cervicalgia", "lumbar radiculopathy", "knee pain",
    "shoulder impingement", "chronic pain syndrome"
};
/* "mtus" in lower case: guideline: compares without case */
static const char *const guidelines[] = {"MTUS", "ACOEM", "ODG", "mtus",
                                         "Official Disability Guidelines"};
/* few words, so BM25 ties often and the order falls to date and id */
static const char *const words[] = {
    "therapy", "medically", "necessary", "functional", "improvement",
    "opioid", "imaging"
};

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static char *rnd_date(int y0, int span)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%d-%02d-%02d", y0 + (int)rnd((unsigned)span),
             1 + (int)rnd(12), 1 + (int)rnd(28));
    return strdup(buf);
}

/* Letter I of the generated set. */
static struct imr_record *make_record(int i)
{
    struct imr_record *r = imr_record_new();
    char buf[256];
    int k, n_items = 1 + (int)rnd(3), n_diag = (int)rnd(4);

    assert_non_null(r);
    snprintf(buf, sizeof(buf), "S-%03d", i);
    r->id = strdup(buf);
    snprintf(buf, sizeof(buf), "CM14-%07d", 1000 + i);
    r->case_number = strdup(buf);
    r->format = strdup("case_number_header");
    r->source = strdup("test");
    /* few distinct dates: ties on the date fall to the item id */
    if (rnd(10) > 0) {
        snprintf(buf, sizeof(buf), "%d-0%d-1%d", 2013 + (int)rnd(4),
                 1 + (int)rnd(3), (int)rnd(3));
        r->date_decision = strdup(buf);
    }
    if (rnd(3) > 0)
        r->date_injury = rnd_date(2005, 10);
    if (rnd(3) > 0)
        r->date_received = rnd_date(2013, 4);
    if (rnd(4) == 0) {
        free(r->program);
        r->program = strdup("dmhc");
        r->review_type = strdup(rnd(2) ? "medical necessity" :
                                "experimental/investigational");
    }
    if (rnd(6) > 0)
        r->gender = strdup(rnd(2) ? "female" : "male");
    r->age = rnd(6) == 0 ? -1 : 25 + (int)rnd(45);
    r->text = strdup("Invented letter text for the store test.");
    r->summary = strdup("The injured worker has chronic pain.");
    if (rnd(3) == 0)
        assert_int_equal(imr_strv_push(&r->specialties, &r->n_specialties,
                         rnd(2) ? "Pain Medicine" : "Orthopedic Surgery"),
                         IMR_OK);
    if (rnd(3) == 0)
        assert_int_equal(imr_strv_push(&r->specialties, &r->n_specialties,
                         "Internal Medicine"), IMR_OK);
    if (rnd(2) == 0)
        assert_int_equal(imr_strv_push(&r->licensure, &r->n_licensure,
                         rnd(3) ? "California" : "Nevada"), IMR_OK);
    for (k = 0; k < n_diag; k++)
        assert_int_equal(imr_strv_push(&r->diagnoses, &r->n_diagnoses,
                         diagnoses[rnd(6)]), IMR_OK);
    for (k = 0; k < n_items; k++) {
        struct imr_item *it;
        int c, n_cites = (int)rnd(4);

        assert_int_equal(imr_record_add_item(r, &it), IMR_OK);
        it->treatment = rnd(12) > 0 ? strdup(treatments[rnd(10)]) : NULL;
        it->decision = rnd(8) == 0 ? IMR_DECISION_UNKNOWN :
                       rnd(3) == 0 ? IMR_DECISION_OVERTURNED :
                       IMR_DECISION_UPHELD;
        /* "earlier" only in the oldest quarter: all in the lower half
         * of the rowids (rank_split) */
        snprintf(buf, sizeof(buf), "The %s is %s %s.%s", words[rnd(7)],
                 words[rnd(7)], words[rnd(7)],
                 i < N_LETTERS / 4 ? " Reviewed earlier." : "");
        it->rationale = strdup(buf);
        if (rnd(3) > 0) {
            it->category = strdup(rnd(2) ? "Pharmaceuticals" :
                                  "Diagnostic Testing");
            if (rnd(2))
                it->subcategory = strdup(rnd(2) ? "Opioids" : "MRI");
        }
        for (c = 0; c < n_cites; c++) {
            struct imr_citation *ct;
            int p = 20 + (int)rnd(30), q = (int)rnd(4);

            assert_int_equal(imr_item_add_citation(it, &ct), IMR_OK);
            ct->by = rnd(2) ? IMR_BY_REVIEWER : IMR_BY_CLAIMS_ADMINISTRATOR;
            ct->guideline = strdup(guidelines[rnd(5)]);
            /* the MTUS body-part chapters are ACOEM's */
            if (rnd(4) == 0)
                ct->document = strdup("ACOEM Practice Guidelines");
            if (rnd(5) == 0)
                ct->chapter = strdup(rnd(2) ? "12 Low Back Complaints" :
                                     "Knee");
            else if (ct->document == NULL && rnd(5) == 0)
                ct->document = strdup("Low Back - Lumbar & Thoracic");
            if (rnd(6) == 0)
                assert_int_equal(imr_strv_push(&ct->sections,
                                 &ct->n_sections, rnd(2) ? "Low back" :
                                 "Shoulder"), IMR_OK);
            if (rnd(3) > 0)
                assert_int_equal(imr_citation_add_pages(ct, p, p + q),
                                 IMR_OK);
            if (rnd(3) == 0)
                assert_int_equal(imr_citation_add_pages(ct, 49, 49),
                                 IMR_OK);
        }
    }
    return r;
}

static int setup(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN];
    int i;

    (void)state;
    imr_search_tally_reuse(0);
    snprintf(db_path, sizeof(db_path), "%s/test_search_store_%ld.db",
             IMR_BINARY_DIR, (long)getpid());
    unlink(db_path);
    if (imr_index_open(db_path, IMR_INDEX_RDWR, &ix, err) != IMR_OK ||
        imr_index_begin(ix, err) != IMR_OK) {
        fprintf(stderr, "open: %s\n", err);
        imr_index_close(ix);
        return -1;
    }
    for (i = 0; i < N_LETTERS; i++) {
        struct imr_record *r = make_record(i);

        if (imr_index_put(ix, r, NULL, err) != IMR_OK) {
            fprintf(stderr, "put: %s\n", err);
            imr_record_free(r);
            imr_index_close(ix);
            return -1;
        }
        imr_record_free(r);
    }
    if (imr_index_commit(ix, err) != IMR_OK) {
        fprintf(stderr, "commit: %s\n", err);
        imr_index_close(ix);
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

/* Queries and whether the store path answers them (0: SQL only). */
static const struct {
    const char *q;
    int store;
} queries[] = {
    {"therapy", 1}, {"medically necessary", 1},
    {"\"functional improvement\"", 1}, {"therapy OR imaging", 1},
    {"norco", 1}, {"zzzqqq", 1}, {"upheld", 1}, {"overturned therapy", 1},
    {"earlier", 1}, {"earlier OR imaging", 1},
    {"decision:unknown", 1}, {"-decision:upheld opioid", 1},
    {"outcome:\"partially overturned\"", 1}, {"-outcome:upheld", 1},
    {"citing MTUS p.49", 1}, {"MTUS p.30-35", 1}, {"guideline:mtus", 1},
    {"guideline:ACOEM", 1}, {"guideline:ACOEM page:45-60 therapy", 1},
    {"guideline:ODG page:20-60 upheld", 1}, {"-guideline:odg", 1},
    {"guideline:\"official disability guidelines\"", 1},
    {"by:reviewer opioid", 1}, {"by:claims guideline:MTUS", 1},
    {"citing:\"MTUS p.49\" by:reviewer", 1},
    {"guideline:ODG OR guideline:ACOEM", 1},
    {"(year:2014 OR year:2015) therapy", 1},
    {"decision:overturned OR outcome:\"partially overturned\"", 1},
    {"-(category:pharm OR category:diagnostic)", 1},
    {"year:2015", 1}, {"year:2014-2016 imaging", 1}, {"-year:2013", 1},
    {"year:1990", 1}, {"date:2014..", 1}, {"date:..2014-02-11", 1},
    {"date:2013-02..2015-03 opioid", 1}, {"-date:2014", 1},
    {"date:1900..1901", 1}, {"date:2199..", 1}, {"date:2014-02", 1},
    {"date:2014-03..2014-03", 1}, {"date:..2013", 1},
    {"injured:2008..2010", 1}, {"-injured:2010..", 1},
    {"received:2014-01..2015-06 therapy", 1},
    {"age:40..60", 1}, {"-age:30..50", 1}, {"age:52 OR gender:male", 1},
    {"gender:female", 1}, {"-gender:male therapy", 1},
    {"program:dmhc", 1}, {"program:dwc necessary", 1},
    {"type:experimental", 1}, {"-type:medical", 1},
    {"category:pharmaceuticals", 1}, {"subcategory:OPIOIDS", 1},
    {"-subcategory:mri therapy", 1}, {"diagnosis:lumbago", 1},
    {"dx:lumbar therapy", 1}, {"-diagnosis:pain", 1},
    {"therapy -opioid", 1}, {"-therapy", 1}, {"-therapy -imaging", 1},
    {"therapy -\"medically necessary\" year:2014..2016", 1},
    {"upheld guideline:MTUS -opioid diagnosis:pain", 1},
    /* SQL only */
    {"citing:\"ACOEM ch. 12\"", 1}, {"ACOEM chapter 12 pages 45-60", 1},
    {"citing ODG low back", 1}, {"guideline:ODG knee upheld", 1},
    {"-citing:\"ACOEM ch. 12\" therapy", 1},
    {"specialty:pain therapy", 1}, {"-specialty:orthopedic", 1},
    {"licensure:california", 1}, {"licensure:cal OR specialty:pain", 1},
    {"case:CM14-0001010", 0}, {"case:CM14-0001010 OR year:2015", 0},
};

#define NQ (sizeof(queries) / sizeof(queries[0]))

/* Option sets each query runs under: sort, offset, limit, hits,
 * facets. */
static const struct imr_search_opts optsets[] = {
    {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0},
    {10, 0, IMR_SORT_RELEVANCE, 1, 0, 0},
    {10, 0, IMR_SORT_DATE, 1, 1, 0},
    {10, 0, IMR_SORT_DATE, 1, 0, 0},
    {7, 5, IMR_SORT_RELEVANCE, 1, 1, 0},
    {10, 40, IMR_SORT_RELEVANCE, 1, 0, 0},
    {25, 30, IMR_SORT_DATE, 1, 0, 0},
    {10, 100000, IMR_SORT_RELEVANCE, 1, 1, 0},  /* past the end */
    {0, 0, IMR_SORT_RELEVANCE, 1, 0, 0},
    {10, 0, IMR_SORT_RELEVANCE, 0, 1, 0},       /* facets only */
};

#define NO (sizeof(optsets) / sizeof(optsets[0]))

/* The whole answer to TEXT under O on S, as compact JSON (free). */
static char *answer(struct imr_search *s, const char *text,
                    const struct imr_search_opts *o)
{
    struct imr_query *q = NULL;
    char err[IMR_ERR_LEN] = "";
    json_t *res = NULL;
    char *out;

    if (imr_query_parse(text, &q, NULL, err) != IMR_OK)
        fprintf(stderr, "parse %s: %s\n", text, err);
    assert_non_null(q);
    if (imr_search_run(s, q, o, &res, err) != IMR_OK)
        fprintf(stderr, "search %s: %s\n", text, err);
    assert_non_null(res);
    imr_query_free(q);
    out = json_dumps(res, JSON_COMPACT);
    assert_non_null(out);
    json_decref(res);
    return out;
}

/* Every query on a new handle (an empty result cache) under the bound
 * BOUND on the candidates ranked, compared with EXPECT; adds the
 * answers the store path gave to *SERVED and those with hits to
 * *HITS_SEEN. */
static void compare_all(char *expect[][NO], long bound,
                        unsigned long *served, unsigned long *hits_seen)
{
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    long was = imr_search_rank_bound(bound);
    size_t i, j;

    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    for (i = 0; i < NQ; i++) {
        for (j = 0; j < NO; j++) {
            unsigned long before = imr_search_store_runs();
            char *got = answer(s, queries[i].q, &optsets[j]);
            unsigned long used = imr_search_store_runs() - before;
            int deep = optsets[j].offset >= 100000;

            if (strcmp(got, expect[i][j]) != 0)
                fprintf(stderr, "query %s (options %zu):\n sql:   %s\n"
                        " store: %s\n", queries[i].q, j, expect[i][j], got);
            assert_string_equal(got, expect[i][j]);
            if (!deep && used != (unsigned long)queries[i].store)
                fprintf(stderr, "query %s (options %zu): store path %lu\n",
                        queries[i].q, j, used);
            if (!deep)
                assert_int_equal(used, (unsigned long)queries[i].store);
            *served += used;
            *hits_seen += strstr(got, "\"hits\":[{") != NULL;
            free(got);
        }
    }
    imr_search_close(s);
    imr_search_rank_bound(was);
}

/* How many of the queries the store path answers have no positive
 * full text: it scans every item of the store for them. */
static unsigned long scan_queries(void)
{
    unsigned long n = 0;
    size_t i;

    for (i = 0; i < NQ; i++) {
        struct imr_query *q = NULL;
        char err[IMR_ERR_LEN], *fts = NULL, *neg = NULL;

        assert_int_equal(imr_query_parse(queries[i].q, &q, NULL, err),
                         IMR_OK);
        assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
        n += queries[i].store && fts == NULL;
        free(fts);
        free(neg);
        imr_query_free(q);
    }
    assert_true(n >= 20);
    return n;
}

/* Every query under every option set by the SQL path (the store off)
 * into EXPECT (free each), then the store built and ready: a first
 * query, then the wait for its builder. Returns the slot attached (the
 * caller detaches it). */
static struct imr_facets_src *sql_answers_then_store(char *expect[][NO])
{
    struct imr_search *s = NULL;
    struct imr_facets_src *fs = NULL;
    char err[IMR_ERR_LEN];
    size_t i, j;
    int was = imr_facets_enable(0);

    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    for (i = 0; i < NQ; i++)
        for (j = 0; j < NO; j++)
            expect[i][j] = answer(s, queries[i].q, &optsets[j]);
    imr_search_close(s);
    imr_facets_enable(was);
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    free(answer(s, "zzzqqq", &optsets[0]));
    imr_facets_wait(fs);
    imr_search_close(s);
    return fs;
}

/* Every query under every option set: the store path's whole answers
 * equal the SQL path's byte for byte, without the bound on the
 * candidates ranked (one scored pass) and with it (the default, above
 * any total here: a count, then a scored pass); the store answers the
 * queries it can test (and not the others). */
static void test_store_equals_sql(void **state)
{
    static char *expect[NQ][NO];
    struct imr_facets_src *fs = NULL;
    unsigned long served = 0, hits_seen = 0, splits;
    size_t i, j;
    long split_was;
    int was;

    (void)state;
    was = imr_facets_enable(1);
    fs = sql_answers_then_store(expect);
    compare_all(expect, 0, &served, &hits_seen);
    compare_all(expect, IMR_SEARCH_RANK_BOUND, &served, &hits_seen);
    /* the scans of queries without full text split between two threads
     * (every one here: the threshold is 0), the same answers */
    split_was = imr_search_split_min(0);
    splits = imr_search_splits();
    compare_all(expect, IMR_SEARCH_RANK_BOUND, &served, &hits_seen);
    imr_search_split_min(split_was);
    assert_int_equal(imr_search_splits() - splits,
                     scan_queries() * (NO - 1));
    for (i = 0; i < NQ; i++)
        for (j = 0; j < NO; j++)
            free(expect[i][j]);
    imr_facets_detach(fs);
    imr_facets_enable(was);
    /* the comparisons covered pages of hits, not just empty answers */
    assert_true(hits_seen > NQ * 3 * 2);
    for (i = 0, j = 0; i < NQ; i++)
        j += (size_t)queries[i].store;
    assert_int_equal(served, j * (NO - 1) * 3);
}

/* The page of TEXT under the bound K, by SQL: the K highest-rowid
 * matches passing FILTER_SQL (on items i, may be "1"), ranked as the
 * hits are; "ext_id/n," per hit into OUT. */
static void bounded_oracle(const char *text, const char *filter_sql,
                           long k, char *out, size_t cap)
{
    struct imr_index *ix = NULL;
    struct imr_query *q = NULL;
    sqlite3_stmt *st = NULL;
    char err[IMR_ERR_LEN], sql[1024], *fts = NULL, *neg = NULL;
    size_t len = 0;

    assert_int_equal(imr_query_parse(text, &q, NULL, err), IMR_OK);
    assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
    assert_non_null(fts);
    snprintf(sql, sizeof(sql), "WITH m AS MATERIALIZED (SELECT rowid AS "
             "rid, bm25(item_fts, 10.0, 4.0, 3.0, 1.0) AS score FROM "
             "item_fts WHERE item_fts MATCH ?1), p AS (SELECT m.rid, "
             "m.score FROM m JOIN items i ON i.id = m.rid WHERE %s ORDER "
             "BY m.rid DESC LIMIT %ld) SELECT d.ext_id, i.n FROM p JOIN "
             "items i ON i.id = p.rid JOIN determinations d ON d.id = "
             "i.det_id ORDER BY p.score, d.date_decision DESC, i.id LIMIT "
             "10", filter_sql, k);
    assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), sql, -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW)
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0,
                                "%s/%d,", sqlite3_column_text(st, 0),
                                sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    imr_index_close(ix);
    imr_query_free(q);
    free(fts);
    free(neg);
}

/* The hits of answer JSON A as "id/item," into OUT. */
static void hit_list(const char *a, char *out, size_t cap)
{
    json_t *res = json_loads(a, 0, NULL), *h;
    size_t i, len = 0;

    assert_non_null(res);
    out[0] = '\0';
    json_array_foreach(json_object_get(res, "hits"), i, h)
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0,
                                "%s/%d,", json_string_value(
                                json_object_get(h, "id")),
                                (int)json_integer_value(
                                json_object_get(h, "item")));
    json_decref(res);
}

/* The bound on the candidates ranked: with more matches than K, the
 * total and facets are still exact, the page is the best of the K
 * newest matches (checked against SQL) and the answer says so; pages
 * beyond K and date order are not bounded. */
static void test_rank_bound(void **state)
{
    /* GAPS: the count after the ranked ones is taken by gaps (no
     * filter, and most items match); WALK: by FTS5's walk of the one
     * phrase of the text (imr_each_phrase) */
    static const struct {
        const char *q, *filter;
        unsigned long gaps, walk;
    } bq[] = {
        {"therapy", "1", 0, 1}, {"medically necessary", "1", 0, 0},
        {"upheld therapy", "i.decision = 'upheld'", 0, 1},
        {"\"the\"", "1", 1, 1},     /* in every item */
    };
    struct imr_search *s = NULL;
    struct imr_facets_src *fs = NULL;
    struct imr_search_opts o = {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_search_opts deep = {10, 15, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_search_opts bydate = {10, 0, IMR_SORT_DATE, 1, 1, 0};
    char err[IMR_ERR_LEN], want[4096], got[4096];
    unsigned long gaps;
    long was;
    size_t i;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    for (i = 0; i < sizeof(bq) / sizeof(bq[0]); i++) {
        char *exact, *a, *b, *c, *d;
        json_t *je, *ja, *rb;

        was = imr_search_rank_bound(0);
        assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
        exact = answer(s, bq[i].q, &o);
        c = answer(s, bq[i].q, &deep);
        d = answer(s, bq[i].q, &bydate);
        imr_facets_wait(fs);
        imr_search_close(s);
        imr_search_rank_bound(20);
        assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
        gaps = imr_search_gap_counts();
        a = answer(s, bq[i].q, &o);
        assert_int_equal(imr_search_gap_counts() - gaps, bq[i].gaps);
        b = answer(s, bq[i].q, &deep);
        assert_string_equal(b, c);    /* offset + limit > 20 */
        free(b);
        b = answer(s, bq[i].q, &bydate);
        assert_string_equal(b, d);
        imr_search_close(s);
        /* the ranking shared by two threads, and the count left after
         * the ranked ones split between two threads and connections: the
         * same answer */
        {
            long split_was = imr_search_split_min(0);
            unsigned long splits = imr_search_splits();
            unsigned long shared = imr_search_rank_splits();
            unsigned long walks;
            int walk_was;
            char *split;

            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            gaps = imr_search_gap_counts();
            walks = imr_search_phrase_walks();
            split = answer(s, bq[i].q, &o);
            assert_string_equal(split, a);
            assert_int_equal(imr_search_rank_splits(), shared + 1);
            assert_int_equal(imr_search_splits(), splits + 1);
            assert_int_equal(imr_search_gap_counts() - gaps, bq[i].gaps);
            assert_int_equal(imr_search_phrase_walks() - walks, bq[i].walk);
            free(split);
            imr_search_close(s);
            /* the count stepped through as rows of a statement, not
             * walked by FTS5: the same answer, split or not */
            walk_was = imr_search_phrase_walk(0);
            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            walks = imr_search_phrase_walks();
            split = answer(s, bq[i].q, &o);
            assert_string_equal(split, a);
            assert_int_equal(imr_search_phrase_walks(), walks);
            free(split);
            imr_search_close(s);
            imr_search_split_min(split_was);
            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            split = answer(s, bq[i].q, &o);
            assert_string_equal(split, a);
            free(split);
            imr_search_close(s);
            imr_search_phrase_walk(walk_was);
        }
        imr_search_rank_bound(was);
        je = json_loads(exact, 0, NULL);
        ja = json_loads(a, 0, NULL);
        assert_non_null(je);
        assert_non_null(ja);
        assert_true(json_integer_value(json_object_get(je, "total")) > 20);
        assert_true(json_equal(json_object_get(je, "total"),
                               json_object_get(ja, "total")));
        assert_true(json_equal(json_object_get(je, "facets"),
                               json_object_get(ja, "facets")));
        rb = json_object_get(ja, "rank_bound");
        assert_non_null(rb);
        assert_int_equal(json_integer_value(json_object_get(rb, "ranked")),
                         20);
        assert_true(json_equal(json_object_get(rb, "of"),
                               json_object_get(je, "total")));
        assert_null(json_object_get(je, "rank_bound"));
        bounded_oracle(bq[i].q, bq[i].filter, 20, want, sizeof(want));
        hit_list(a, got, sizeof(got));
        assert_string_equal(got, want);
        assert_true(strlen(got) > 20);
        json_decref(je);
        json_decref(ja);
        free(exact);
        free(a);
        free(b);
        free(c);
        free(d);
    }
    imr_facets_detach(fs);
}

/* The ranking shared by two threads (rank_split) under bounds from
 * below to above the total, so that the helper's candidates are not
 * needed, make up the bound, fall short of it, or are every match left:
 * the page is the best of the BOUND newest matches (SQL), the total and
 * facets are exact, and the answer says it was bounded when it was. */
static void test_rank_split(void **state)
{
    static const struct {
        const char *q, *filter;
    } rq[] = {
        {"therapy", "1"}, {"\"the\"", "1"}, {"earlier", "1"},
        {"imaging OR improvement", "1"},
        {"upheld therapy", "i.decision = 'upheld'"},
    };
    struct imr_search_opts o = {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_facets_src *fs = NULL;
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN], want[4096], got[4096];
    long was = imr_search_rank_bound(0), split_was, bound, step;
    unsigned long shared_bounded = 0, shared_all = 0, answers = 0;
    unsigned long ascended = 0;
    size_t i;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    split_was = imr_search_split_min(0);
    for (i = 0; i < sizeof(rq) / sizeof(rq[0]); i++) {
        json_t *je;
        char *exact;
        long total;

        imr_search_rank_bound(0);
        assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
        exact = answer(s, rq[i].q, &o);
        imr_facets_wait(fs);
        imr_search_close(s);
        je = json_loads(exact, 0, NULL);
        assert_non_null(je);
        total = (long)json_integer_value(json_object_get(je, "total"));
        assert_true(total > 40);
        step = total / 15 > 0 ? total / 15 : 1;
        for (bound = 10; bound <= total + step; bound += step) {
            unsigned long shared = imr_search_rank_splits();
            unsigned long ascents = imr_search_rank_ascents();
            json_t *ja;
            char *a;

            imr_search_rank_bound(bound);
            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            a = answer(s, rq[i].q, &o);
            imr_search_close(s);
            /* oldest first only when the bound cannot stop the ranking */
            ascents = imr_search_rank_ascents() - ascents;
            assert_true(ascents <= 1);
            if (ascents)
                assert_true(total <= bound);
            ascended += ascents;
            ja = json_loads(a, 0, NULL);
            assert_non_null(ja);
            shared = imr_search_rank_splits() - shared;
            assert_true(shared <= 1);
            answers++;
            if (shared && json_object_get(ja, "rank_bound") != NULL)
                shared_bounded++;
            else if (shared)
                shared_all++;
            if (!json_equal(json_object_get(je, "total"),
                            json_object_get(ja, "total")) ||
                !json_equal(json_object_get(je, "facets"),
                            json_object_get(ja, "facets")))
                fail_msg("%s, bound %ld:\n exact %s\n got %s", rq[i].q,
                         bound, exact, a);
            assert_int_equal(json_object_get(ja, "rank_bound") != NULL,
                             total > bound);
            bounded_oracle(rq[i].q, rq[i].filter, bound, want, sizeof(want));
            hit_list(a, got, sizeof(got));
            if (strcmp(got, want) != 0)
                fail_msg("%s, bound %ld:\n sql   %s\n split %s", rq[i].q,
                         bound, want, got);
            json_decref(ja);
            free(a);
        }
        json_decref(je);
        free(exact);
    }
    assert_true(shared_bounded + shared_all > answers / 2);
    assert_true(shared_bounded > 10);
    assert_true(shared_all > 3);
    assert_true(ascended >= 3);
    imr_search_split_min(split_was);
    imr_search_rank_bound(was);
    imr_facets_detach(fs);
}

/* Other pages of a text ranked before in the same state are picked from
 * the candidates kept (lib/rank_memo.c; its minimum set to 1, so that
 * every ranking is kept): under the default bound and two below most
 * totals, on one thread and shared by two, every page equals the same
 * page ranked again, byte for byte, and every page within the bound is
 * counted as picked from the memo. */
/* A ranking the bound cannot stop (the terms' rows say so) walks its
 * matches oldest first, split between two threads or not: the answers
 * (hits, scores, snippets, total, facets) are those of the walk newest
 * first. Not for a prefix, whose rows the store does not know. */
static void test_rank_ascend(void **state)
{
    static const struct {
        const char *q;
        int ascends;
    } aq[] = {
        {"therapy", 1}, {"\"functional improvement\"", 1},
        {"therapy OR imaging", 1}, {"medically necessary", 1},
        {"upheld therapy guideline:MTUS -opioid", 1},
        {"(year:2014 OR year:2015) therapy", 1},
        {"therap*", 0}, {"therap* OR imaging", 0}, {"therap* imaging", 1},
    };
    static const long splits[] = {0, 1L << 40};  /* split, one thread */
    struct imr_search_opts o = {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_facets_src *fs = NULL;
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    long was = imr_search_rank_bound(IMR_SEARCH_RANK_BOUND), split_was;
    /* every answer ranked anew, not taken from an earlier one's */
    int reuse_was = imr_search_rank_reuse(0),
        tally_was = imr_search_tally_reuse(0);
    size_t i, k;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    split_was = imr_search_split_min(0);
    for (k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
        imr_search_split_min(splits[k]);
        for (i = 0; i < sizeof(aq) / sizeof(aq[0]); i++) {
            unsigned long ascents, runs = imr_search_store_runs();
            char *desc, *asc;
            int on;

            on = imr_search_rank_ascend(0);
            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            imr_search_prepare(s);      /* the store, built before */
            imr_facets_wait(fs);
            ascents = imr_search_rank_ascents();
            desc = answer(s, aq[i].q, &o);
            assert_int_equal(imr_search_rank_ascents(), ascents);
            imr_search_close(s);
            imr_search_rank_ascend(on);
            assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
            imr_search_prepare(s);
            imr_facets_wait(fs);
            asc = answer(s, aq[i].q, &o);
            if (imr_search_rank_ascents() - ascents !=
                (unsigned long)aq[i].ascends)
                fail_msg("%s (split_min %ld): %lu rankings oldest first, "
                         "not %d", aq[i].q, splits[k],
                         imr_search_rank_ascents() - ascents, aq[i].ascends);
            imr_search_close(s);
            if (strcmp(asc, desc) != 0)
                fail_msg("%s:\n newest first %s\n oldest first %s",
                         aq[i].q, desc, asc);
            assert_non_null(strstr(asc, "\"hits\":[{"));
            assert_int_equal(imr_search_store_runs() - runs, 2);
            free(desc);
            free(asc);
        }
    }
    /* a ranking of fewer rows than a 32nd of imr_search_split_min (none
     * here: a word no row holds) on one thread, the others shared */
    imr_search_split_min(32);
    for (i = 0; i < 2; i++) {
        static const char *const texts[] = {"zzqxv therapy", "therapy"};
        unsigned long shared = imr_search_rank_splits();
        char *a;

        assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
        imr_search_prepare(s);
        imr_facets_wait(fs);
        a = answer(s, texts[i], &o);
        imr_search_close(s);
        assert_int_equal(imr_search_rank_splits() - shared, i);
        assert_true((strstr(a, "\"total\":0,") != NULL) == (i == 0));
        free(a);
    }
    imr_search_split_min(split_was);
    imr_search_rank_bound(was);
    imr_search_rank_reuse(reuse_was);
    imr_search_tally_reuse(tally_was);
    imr_facets_detach(fs);
}

static void test_rank_reuse(void **state)
{
    static const char *const texts[] = {
        "therapy", "\"functional improvement\"", "therapy OR imaging",
        "medically necessary", "upheld therapy guideline:MTUS -opioid",
        "earlier",
        "therapy -opioid", "(year:2014 OR year:2015) therapy",
    };
    static const size_t pages[][2] = {     /* offset, limit */
        {10, 10}, {5, 7}, {40, 10}, {19, 2}, {0, 25}, {250, 10}, {0, 10},
    };
    static const long bounds[] = {IMR_SEARCH_RANK_BOUND, 20, 37};
    struct imr_search_opts o = {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_facets_src *fs = NULL;
    struct imr_search *s = NULL, *s2 = NULL;
    char err[IMR_ERR_LEN];
    long was = imr_search_rank_bound(0), split_was, min_was;
    unsigned long picked = 0, cut = 0, before;
    size_t b, t, pg;
    int split;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    free(answer(s, "zzzqqq", &o));
    imr_facets_wait(fs);                /* the store is ready */
    imr_search_close(s);
    imr_search_tally_reuse(1);
    min_was = imr_search_rank_memo_min(1);
    split_was = imr_search_split_min(0);
    for (split = 0; split < 2; split++) {
        imr_search_split_min(split ? 0 : 1L << 40);
        for (b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
            imr_search_rank_bound(bounds[b]);
            for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
                assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
                assert_int_equal(imr_search_open(db_path, &s2, err),
                                 IMR_OK);
                o.offset = 0;
                o.limit = 10;
                free(answer(s, texts[t], &o));      /* ranks, keeps */
                for (pg = 0; pg < sizeof(pages) / sizeof(pages[0]); pg++) {
                    unsigned long got;
                    char *a, *e;

                    o.offset = pages[pg][0];
                    o.limit = pages[pg][1];
                    before = imr_search_rank_reuses();
                    a = answer(s, texts[t], &o);
                    got = imr_search_rank_reuses() - before;
                    imr_search_rank_reuse(0);
                    e = answer(s2, texts[t], &o);
                    imr_search_rank_reuse(1);
                    if (strcmp(a, e) != 0)
                        fail_msg("%s, bound %ld, offset %zu, limit %zu, "
                                 "split %d:\n ranked %s\n picked %s",
                                 texts[t], bounds[b], o.offset, o.limit,
                                 split, e, a);
                    if (o.offset == 0 && o.limit == 10)
                        assert_int_equal(got, 0);   /* the cached answer */
                    else
                        assert_int_equal(got, o.offset + o.limit <=
                                              (size_t)bounds[b]);
                    picked += got;
                    cut += got && strstr(a, "\"rank_bound\"") != NULL;
                    free(a);
                    free(e);
                }
                imr_search_close(s);
                imr_search_close(s2);
            }
        }
    }
    assert_true(picked >= 2 * 8 * 5);
    assert_true(cut >= 20);
    imr_search_tally_reuse(0);
    imr_search_rank_memo_min(min_was);
    imr_search_split_min(split_was);
    imr_search_rank_bound(was);
    imr_facets_detach(fs);
}

/* The store's filter columns stay small (bytes per item). */
static void test_store_bytes(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_facets *f = NULL;
    char err[IMR_ERR_LEN];

    (void)state;
    assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_facets_build(imr_index_db(ix), NULL, &f, err),
                     IMR_OK);
    assert_true(imr_facets_items(f) > N_LETTERS);
    assert_true(imr_facets_filter_bytes(f) > 0);
    assert_true(imr_facets_filter_bytes(f) < imr_facets_bytes(f));
    imr_facets_free(f);
    imr_index_close(ix);
}

/* Counting by gaps (a query without filters that most items match):
 * under bounds that end the ranked part at many places, counted in one
 * pass and split between two threads, the total and facets equal those
 * of ranking every match. */
static void test_gap_counts(void **state)
{
    static const char *const qs[] = {
        "therapy OR medically OR necessary", "\"the\"",
        "imaging OR improvement OR opioid OR functional",
    };
    struct imr_search_opts o = {10, 0, IMR_SORT_RELEVANCE, 1, 1, 0};
    struct imr_facets_src *fs = NULL;
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    long was = imr_search_rank_bound(0), split_was, bound;
    size_t i;
    int split;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        json_t *je, *ja;
        char *exact, *a;

        imr_search_rank_bound(0);
        assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
        exact = answer(s, qs[i], &o);
        imr_facets_wait(fs);
        imr_search_close(s);
        je = json_loads(exact, 0, NULL);
        assert_non_null(je);
        for (bound = 10; bound <= 150; bound += 7) {
            for (split = 0; split < 2; split++) {
                unsigned long gaps = imr_search_gap_counts();

                imr_search_rank_bound(bound);
                split_was = imr_search_split_min(split ? 0 : 1000000);
                assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
                a = answer(s, qs[i], &o);
                imr_search_close(s);
                imr_search_split_min(split_was);
                assert_int_equal(imr_search_gap_counts(), gaps + 1);
                ja = json_loads(a, 0, NULL);
                assert_non_null(ja);
                if (!json_equal(json_object_get(je, "total"),
                                json_object_get(ja, "total")) ||
                    !json_equal(json_object_get(je, "facets"),
                                json_object_get(ja, "facets")))
                    fail_msg("%s, bound %ld, split %d:\n exact %s\n got "
                             "%s", qs[i], bound, split, exact, a);
                json_decref(ja);
                free(a);
            }
        }
        json_decref(je);
        free(exact);
    }
    imr_search_rank_bound(was);
    imr_facets_detach(fs);
}

/* The counts of an earlier query of the same text in the same state are
 * reused: every query under every option set, twice, each time on a new
 * handle, gives SQL's whole answer byte for byte, and every answer of the
 * store path after the first of each text takes its counts from the
 * memo (the second time, all of them). Then a letter more: the new state
 * counts again, and its answers are the new SQL ones. Under a bound below
 * most totals, where the reuse skips counting past the ranked candidates,
 * the answers equal those that counted. Every ranking is kept for the
 * text's other pages (lib/rank_memo.c, its minimum set to 1), so the
 * pages picked from the candidates kept are held to SQL's too. (Last: it
 * writes.) */
static void test_tally_reuse(void **state)
{
    static char *expect[NQ][NO];
    struct imr_search *s = NULL, *s2 = NULL;
    struct imr_facets_src *fs = NULL;
    struct imr_index *ix = NULL;
    struct imr_record *r;
    char err[IMR_ERR_LEN];
    unsigned long served = 0, hits_seen = 0, reused, stores = 0, before;
    unsigned long cut = 0, picked = imr_search_rank_reuses();
    size_t i, j;
    long bound, min_was = imr_search_rank_memo_min(1);
    int round;

    (void)state;
    for (i = 0; i < NQ; i++)
        stores += (unsigned long)queries[i].store;
    for (round = 0; round < 2; round++) {
        fs = sql_answers_then_store(expect);
        imr_search_tally_reuse(1);
        reused = imr_search_tally_reuses();
        before = served;
        compare_all(expect, IMR_SEARCH_RANK_BOUND, &served, &hits_seen);
        /* the first answer of a text in a new state counts ("zzzqqq"
         * was asked above), the others of the store path reuse */
        assert_in_range(imr_search_tally_reuses() - reused,
                        served - before - stores, served - before);
        reused = imr_search_tally_reuses();
        before = served;
        compare_all(expect, 0, &served, &hits_seen);
        assert_int_equal(imr_search_tally_reuses() - reused,
                         served - before);
        assert_true(served - before >= stores * (NO - 2));
        imr_search_tally_reuse(0);
        for (i = 0; i < NQ; i++)
            for (j = 0; j < NO; j++)
                free(expect[i][j]);
        if (round == 1)
            break;
        imr_facets_detach(fs);
        /* a new state: a letter more, matching many of the queries */
        assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDWR, &ix, err),
                         IMR_OK);
        assert_int_equal(imr_index_begin(ix, err), IMR_OK);
        r = make_record(N_LETTERS);
        assert_int_equal(imr_index_put(ix, r, NULL, err), IMR_OK);
        imr_record_free(r);
        assert_int_equal(imr_index_commit(ix, err), IMR_OK);
        imr_index_close(ix);
    }
    /* a bound below most totals: the ranked candidates are found, the
     * count of the others is skipped; the answers are those of a count */
    bound = imr_search_rank_bound(20);
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    assert_int_equal(imr_search_open(db_path, &s2, err), IMR_OK);
    reused = imr_search_tally_reuses();
    for (i = 0; i < NQ; i++) {
        for (j = 0; j < NO; j++) {
            char *a, *b;

            imr_search_tally_reuse(0);
            a = answer(s, queries[i].q, &optsets[j]);
            imr_search_tally_reuse(1);
            b = answer(s2, queries[i].q, &optsets[j]);
            imr_search_tally_reuse(0);
            if (strcmp(a, b) != 0)
                fail_msg("%s (options %zu):\n counted %s\n reused  %s",
                         queries[i].q, j, a, b);
            cut += strstr(a, "\"rank_bound\"") != NULL;
            free(a);
            free(b);
        }
    }
    assert_true(imr_search_tally_reuses() - reused >= stores * (NO - 2));
    assert_true(cut >= 30);         /* cut pages of ten texts at least */
    imr_search_close(s);
    imr_search_close(s2);
    imr_search_rank_bound(bound);
    imr_facets_detach(fs);
    assert_true(hits_seen > NQ * 3 * 2);
    /* pages 5-11 and 40-49 of the texts with full text, at least */
    assert_true(imr_search_rank_reuses() - picked >= 2 * 30);
    imr_search_rank_memo_min(min_was);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_equals_sql),
        cmocka_unit_test(test_store_bytes),
        cmocka_unit_test(test_rank_bound),
        cmocka_unit_test(test_rank_split),
        cmocka_unit_test(test_rank_ascend),
        cmocka_unit_test(test_gap_counts),
        cmocka_unit_test(test_rank_reuse),
        cmocka_unit_test(test_tally_reuse),   /* last: it writes */
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
