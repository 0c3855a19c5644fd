/* Tests of lib/facets.c, the facet store: over a small generated index,
 * the facets and totals it gives (through imr_search_run) equal the SQL
 * facets exactly for plain text, filters, negations, citation filters
 * and empty results; after a write from another connection they follow
 * the new state; two threads with their own handles share one store. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
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
#include "phrase_rows.h"

static char db_path[256];

/* Invented values; none of this text comes from a real determination.
 * 30 treatments in varied case and spacing (one facet value per
 * lower(trim())), so the top 20 is cut among ties. */
static const char *const treatments[] = {
    "Norco 10/325 #60", "  norco 10/325 #60 ", "Physical therapy",
    "Acupuncture x6", "Lumbar MRI", "FRP evaluation", "TENS unit",
    "Cyclobenzaprine 7.5 mg", "Tramadol ER", "Chiropractic care",
    "Epidural steroid injection", "Knee brace", "Cervical MRI",
    "Urine drug screen", "Topical lidocaine", "Gabapentin 300 mg",
    "Home exercise kit", "Psychology consult", "Massage therapy",
    "Aquatic therapy", "Shoulder arthroscopy", "Sleep study",
    "Naproxen 550 mg", "Omeprazole 20 mg", "Ketoprofen cream",
    "Hot/cold unit", "Lumbar fusion", "Trigger point injection",
    "Facet block", "Orthopedic consult"
};
static const char *const diagnoses[] = {
    "lumbago", "Cervicalgia", "lumbar radiculopathy", "knee pain",
    "shoulder impingement", "chronic pain syndrome", "depression",
    "neck strain"
};
static const char *const guidelines[] = {"MTUS", "ACOEM", "ODG",
                                         "Official Disability Guidelines"};
static const char *const words[] = {
    "therapy", "medically", "necessary", "functional", "improvement",
    "opioid", "documented", "radicular", "imaging", "exercise"
};

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* Letter I of the generated set, with ID's prefix PFX. */
static struct imr_record *make_record(const char *pfx, int i)
{
    struct imr_record *r = imr_record_new();
    char buf[256];
    int k, n_items = 1 + (int)rnd(3), n_diag = (int)rnd(4);

    assert_non_null(r);
    snprintf(buf, sizeof(buf), "%s-%03d", pfx, i);
    r->id = strdup(buf);
    r->format = strdup("case_number_header");
    r->source = strdup("test");
    if (rnd(10) > 0) {
        snprintf(buf, sizeof(buf), "%d-0%d-1%d", 2013 + (int)rnd(6),
                 1 + (int)rnd(9), (int)rnd(9));
        r->date_decision = strdup(buf);
    }
    if (rnd(4) == 0) {
        free(r->program);
        r->program = strdup("dmhc");
        r->review_type = strdup(rnd(2) ? "medical necessity" :
                                "experimental/investigational");
    }
    r->gender = strdup(rnd(2) ? "female" : "male");
    r->age = 30 + (int)rnd(40);
    r->text = strdup("Invented letter text for the facet test.");
    r->summary = strdup("The injured worker has chronic pain.");
    for (k = 0; k < n_diag; k++)   /* repeats: counted once per item */
        assert_int_equal(imr_strv_push(&r->diagnoses, &r->n_diagnoses,
                         diagnoses[rnd(8)]), IMR_OK);
    for (k = 0; k < n_items; k++) {
        struct imr_item *it;
        int c, n_cites = (int)rnd(4);

        assert_int_equal(imr_record_add_item(r, &it), IMR_OK);
        it->treatment = rnd(15) > 0 ? strdup(treatments[rnd(30)]) : NULL;
        it->decision = rnd(3) == 0 ? IMR_DECISION_OVERTURNED :
                       IMR_DECISION_UPHELD;
        snprintf(buf, sizeof(buf), "The %s is %s %s because %s.",
                 words[rnd(10)], words[rnd(10)], words[rnd(10)],
                 words[rnd(10)]);
        it->rationale = strdup(buf);
        if (rnd(3) > 0) {
            it->category = strdup(rnd(2) ? "Pharmaceuticals" :
                                  "Diagnostic Testing");
            if (rnd(2))
                it->subcategory = strdup(rnd(2) ? "Opioids" : "MRI");
        }
        for (c = 0; c < n_cites; c++) {
            struct imr_citation *ct;
            int p = 20 + (int)rnd(30), q = (int)rnd(3);

            assert_int_equal(imr_item_add_citation(it, &ct), IMR_OK);
            ct->by = rnd(2) ? IMR_BY_REVIEWER : IMR_BY_CLAIMS_ADMINISTRATOR;
            ct->guideline = strdup(guidelines[rnd(4)]);
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

/* Adds N generated letters named PFX-NNN and deletes letter DEL_ID
 * (when not NULL), in one transaction of a writer connection. */
static int write_letters(const char *pfx, int n, const char *del_id)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN];
    long long det = 0;
    int i;

    if (imr_index_open(db_path, IMR_INDEX_RDWR, &ix, err) != IMR_OK ||
        imr_index_begin(ix, err) != IMR_OK) {
        fprintf(stderr, "write: %s\n", err);
        imr_index_close(ix);
        return -1;
    }
    for (i = 0; i < n; i++) {
        struct imr_record *r = make_record(pfx, i);

        if (imr_index_put(ix, r, NULL, err) != IMR_OK) {
            fprintf(stderr, "put: %s\n", err);
            imr_record_free(r);
            imr_index_close(ix);
            return -1;
        }
        imr_record_free(r);
    }
    if (del_id != NULL &&
        (imr_index_find(ix, del_id, &det, NULL, err) != IMR_OK ||
         imr_index_delete(ix, det, err) != IMR_OK)) {
        fprintf(stderr, "delete: %s\n", err);
        imr_index_close(ix);
        return -1;
    }
    if (imr_index_commit(ix, err) != IMR_OK) {
        fprintf(stderr, "commit: %s\n", err);
        imr_index_close(ix);
        return -1;
    }
    imr_index_close(ix);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    /* every answer counts its facets (the reuse of an earlier query's
     * counts is tested in test_search_store) */
    imr_search_tally_reuse(0);
    snprintf(db_path, sizeof(db_path), "%s/test_facets_%ld.db",
             IMR_BINARY_DIR, (long)getpid());
    unlink(db_path);
    return write_letters("F", 150, NULL);
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

static const char *const queries[] = {
    "therapy", "medically necessary", "\"functional improvement\"",
    "upheld", "overturned therapy", "citing MTUS p.49", "MTUS p.30-35",
    "guideline:ACOEM", "guideline:ODG page:20-60 upheld",
    "therapy -opioid", "-therapy", "program:dmhc", "type:experimental",
    "year:2015", "year:2014-2016 imaging", "diagnosis:lumbago",
    "category:pharmaceuticals", "by:reviewer opioid",
    "zzzqqq", "year:1990", "norco", "exercise OR imaging",
    "-date:..2015", "gender:male year:2014..2016", "-age:30..45",
    "-injured:2010..2012", "decision:overturned -gender:female",
    /* without text, most items passing: counted by gaps */
    "-program:dmhc", "-year:1990", "-norco", "-year:1990 -norco",
};

/* Total and facets of TEXT on S (hits and facets, as /v1/search asks),
 * as compact JSON (free). */
static char *facets_of(struct imr_search *s, const char *text, int sort)
{
    struct imr_query *q = NULL;
    struct imr_search_opts o = {10, 0, sort ? IMR_SORT_DATE :
                                IMR_SORT_RELEVANCE, 1, 1, 0};
    char err[IMR_ERR_LEN] = "";
    json_t *res = NULL, *cut;
    char *out;

    if (imr_query_parse(text, &q, NULL, err) != IMR_OK)
        fprintf(stderr, "parse %s: %s\n", text, err);
    assert_non_null(q);
    if (imr_search_run(s, q, &o, &res, err) != IMR_OK)
        fprintf(stderr, "search %s: %s\n", text, err);
    assert_non_null(res);
    imr_query_free(q);
    cut = json_pack("{s:O, s:O}", "total", json_object_get(res, "total"),
                    "facets", json_object_get(res, "facets"));
    assert_non_null(cut);
    out = json_dumps(cut, JSON_COMPACT);
    assert_non_null(out);
    json_decref(cut);
    json_decref(res);
    return out;
}

#define NQ (sizeof(queries) / sizeof(queries[0]))

/* The SQL answers (the oracle) of every query, both sorts. */
static void oracle(char **out)
{
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    int was = imr_facets_enable(0);
    size_t i;

    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    for (i = 0; i < NQ * 2; i++)
        out[i] = facets_of(s, queries[i / 2], (int)(i % 2));
    imr_search_close(s);
    imr_facets_enable(was);
}

/* Builds the store of the current state through a first query on a
 * handle and waits for it. */
static void ready(struct imr_facets_src *fs)
{
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];

    imr_facets_wait(fs);      /* a build of an older state may run */
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    free(facets_of(s, "zzzqqq", 0));
    imr_facets_wait(fs);
    imr_search_close(s);
}

/* Every query on a new handle, compared with EXPECT; returns how many
 * were answered from the store. */
static unsigned long compare_all(char **expect)
{
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    unsigned long before = imr_facets_served();
    size_t i;

    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    for (i = 0; i < NQ * 2; i++) {
        char *got = facets_of(s, queries[i / 2], (int)(i % 2));

        if (strcmp(got, expect[i]) != 0)
            fprintf(stderr, "query %s (sort %d):\n sql:   %s\n store: %s\n",
                    queries[i / 2], (int)(i % 2), expect[i], got);
        assert_string_equal(got, expect[i]);
        free(got);
    }
    imr_search_close(s);
    return imr_facets_served() - before;
}

static void free_all(char **v)
{
    size_t i;

    for (i = 0; i < NQ * 2; i++) {
        free(v[i]);
        v[i] = NULL;
    }
}

/* The facets have values enough to cut among ties, and the store's
 * answers equal SQL's byte for byte. */
static void test_store_equals_sql(void **state)
{
    char *expect[NQ * 2];
    struct imr_facets_src *fs = NULL;
    char err[IMR_ERR_LEN];
    unsigned long gaps, splits;
    long split_was;
    int reuse_was;
    json_t *all;

    (void)state;
    oracle(expect);
    all = json_loads(expect[0], 0, NULL);    /* "therapy" */
    assert_non_null(all);
    assert_true(json_integer_value(json_object_get(all, "total")) > 20);
    assert_int_equal(json_array_size(json_object_get(json_object_get(
        all, "facets"), "treatment")), IMR_SEARCH_FACET_TOP);
    json_decref(all);
    gaps = imr_search_gap_scans();
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    ready(fs);
    assert_int_equal(compare_all(expect), NQ * 2);
    /* the last four queries' scans, in both sorts, counted by gaps */
    assert_true(imr_search_gap_scans() - gaps >= 8);
    /* again, every scan split between two threads, no count reused */
    split_was = imr_search_split_min(0);
    reuse_was = imr_search_tally_reuse(0);
    gaps = imr_search_gap_scans();
    splits = imr_search_splits();
    assert_int_equal(compare_all(expect), NQ * 2);
    assert_true(imr_search_gap_scans() - gaps >= 8);
    assert_true(imr_search_splits() > splits);
    imr_search_split_min(split_was);
    imr_search_tally_reuse(reuse_was);
    imr_facets_detach(fs);
    free_all(expect);
}

/* A write from another connection: the store of the old state is never
 * used for the new one; the rebuilt store matches the new SQL answers. */
static void test_follows_writes(void **state)
{
    char *expect[NQ * 2];
    struct imr_facets_src *fs = NULL;
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN], *old_t, *new_t, *got;

    (void)state;
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    ready(fs);
    assert_int_equal(imr_search_open(db_path, &s, err), IMR_OK);
    old_t = facets_of(s, "therapy", 0);
    /* 30 letters more, one less: the same handle, store of the old state
     * still published */
    assert_int_equal(write_letters("G", 30, "F-007"), 0);
    oracle(expect);
    new_t = expect[0];
    assert_string_not_equal(old_t, new_t);
    got = facets_of(s, "therapy", 0);
    assert_string_equal(got, new_t);
    free(got);
    /* only deletions: the letter count changes the signature */
    imr_facets_wait(fs);
    ready(fs);
    assert_int_equal(write_letters("H", 0, "F-011"), 0);
    free_all(expect);
    oracle(expect);
    got = facets_of(s, "medically necessary", 1);
    assert_string_equal(got, expect[3]);
    free(got);
    imr_search_close(s);
    ready(fs);
    assert_int_equal(compare_all(expect), NQ * 2);
    imr_facets_detach(fs);
    free(old_t);
    free_all(expect);
}

struct worker {
    char **expect;
    int bad;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct imr_search *s = NULL;
    char err[IMR_ERR_LEN];
    int round;
    size_t i;

    if (imr_search_open(db_path, &s, err) != IMR_OK) {
        w->bad++;
        return NULL;
    }
    for (round = 0; round < 3; round++) {
        for (i = 0; i < NQ * 2; i++) {
            struct imr_query *q = NULL;
            struct imr_search_opts o = {10, 0, i % 2 ? IMR_SORT_DATE :
                                        IMR_SORT_RELEVANCE, 1, 1, 0};
            json_t *res = NULL, *cut;
            char *got;

            if (imr_query_parse(queries[i / 2], &q, NULL, err) != IMR_OK ||
                imr_search_run(s, q, &o, &res, err) != IMR_OK) {
                imr_query_free(q);
                w->bad++;
                continue;
            }
            imr_query_free(q);
            cut = json_pack("{s:O, s:O}", "total", json_object_get(res,
                            "total"), "facets", json_object_get(res,
                                                               "facets"));
            got = cut != NULL ? json_dumps(cut, JSON_COMPACT) : NULL;
            if (got == NULL || strcmp(got, w->expect[i]) != 0)
                w->bad++;
            free(got);
            json_decref(cut);
            json_decref(res);
        }
        /* forget the cached answers: reopen */
        imr_search_close(s);
        if (imr_search_open(db_path, &s, err) != IMR_OK) {
            w->bad++;
            return NULL;
        }
    }
    imr_search_close(s);
    return NULL;
}

/* Two threads with their own handles while the store is built and
 * published: every answer equals SQL's. */
static void test_threads(void **state)
{
    char *expect[NQ * 2];
    struct worker w[2];
    pthread_t th[2];
    struct imr_facets_src *fs = NULL;
    char err[IMR_ERR_LEN];
    int i;

    (void)state;
    oracle(expect);
    /* a fresh state, so the store is (re)built while they run */
    assert_int_equal(write_letters("K", 5, NULL), 0);
    free_all(expect);
    oracle(expect);
    assert_int_equal(imr_facets_attach(db_path, &fs, err), IMR_OK);
    for (i = 0; i < 2; i++) {
        w[i].expect = expect;
        w[i].bad = 0;
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]),
                         0);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    imr_facets_detach(fs);
    free_all(expect);
}

/* The store's own figures: items, bytes, signature of the state. */
static void test_store_figures(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_facets *f = NULL;
    atomic_int stop = 1;
    char err[IMR_ERR_LEN], sig[IMR_FACETS_SIG_LEN];
    sqlite3_stmt *st = NULL;
    long long items;

    (void)state;
    assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_facets_build(imr_index_db(ix), NULL, &f, err),
                     IMR_OK);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), "SELECT count(*)"
                     " FROM items", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    items = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    assert_int_equal((long long)imr_facets_items(f), items);
    assert_true(imr_facets_bytes(f) > imr_facets_items(f) * 4);
    assert_int_equal(imr_facets_sig(imr_index_db(ix), sig, err), IMR_OK);
    assert_string_equal(imr_facets_store_sig(f), sig);
    /* the rows of every term (read by a thread of the build on its own
     * connection): those of FTS5's vocabulary, term by term */
    assert_int_equal(sqlite3_exec(imr_index_db(ix), "CREATE VIRTUAL TABLE "
                                  "temp.v USING fts5vocab(main, item_fts, "
                                  "row)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), "SELECT term, doc "
                     "FROM temp.v", -1, &st, NULL), SQLITE_OK);
    items = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *term = (const char *)sqlite3_column_text(st, 0);
        long long rows = -1;

        if (!imr_term_rows_get(imr_facets_terms(f), term, strlen(term),
                               &rows) || rows != sqlite3_column_int64(st, 1))
            fail_msg("term %s: %lld rows, fts5vocab %lld", term, rows,
                     (long long)sqlite3_column_int64(st, 1));
        items++;
    }
    sqlite3_finalize(st);
    assert_true(items > 10);
    assert_int_equal(imr_term_rows_count(imr_facets_terms(f)), items);
    imr_facets_free(f);
    /* asked to stop: no store, and the terms' thread stops with it */
    f = NULL;
    assert_int_equal(imr_facets_build(imr_index_db(ix), &stop, &f, err),
                     IMR_ELIMIT);
    assert_null(f);
    imr_index_close(ix);
}

/* The facets of the items at indexes K with K % STEP == PHASE of F, and
 * the same counted as every item less the others (merge, sub), as JSON
 * text (free) into *DIRECT and *BY_GAPS. */
static void facets_two_ways(const struct imr_facets *f, size_t step,
                            size_t phase, char **direct, char **by_gaps)
{
    struct imr_facets_cnt *a = NULL, *b = NULL, *miss = NULL;
    size_t k, n = imr_facets_items(f);
    json_t *j;

    assert_int_equal(imr_facets_cnt_new(f, &a), IMR_OK);
    assert_int_equal(imr_facets_cnt_new(f, &b), IMR_OK);
    assert_int_equal(imr_facets_cnt_new(f, &miss), IMR_OK);
    for (k = 0; k < n; k++) {
        if (k % step == phase)
            imr_facets_cnt_add_at(a, k);
        else
            imr_facets_cnt_add_at(miss, k);
    }
    imr_facets_cnt_merge(b, imr_facets_cnt_every(f));
    imr_facets_cnt_sub(b, miss);
    assert_int_equal(imr_facets_cnt_total(a), imr_facets_cnt_total(b));
    j = imr_facets_cnt_json(a, 1000);
    assert_non_null(j);
    *direct = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    j = imr_facets_cnt_json(b, 1000);
    assert_non_null(j);
    *by_gaps = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    imr_facets_cnt_free(a);
    imr_facets_cnt_free(b);
    imr_facets_cnt_free(miss);
}

/* Counting the list-valued facets by list gives the counts of counting
 * each value, directly and by gaps (the subtraction of counts by list
 * included). */
static void test_count_by_list(void **state)
{
    static const size_t steps[][2] = {{1, 0}, {3, 1}, {7, 6}, {2, 0}};
    struct imr_index *ix = NULL;
    struct imr_facets *fl = NULL, *fv = NULL;
    char err[IMR_ERR_LEN];
    size_t i;
    int was;

    (void)state;
    assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    was = imr_facets_count_by_list(1);
    assert_int_equal(imr_facets_build(imr_index_db(ix), NULL, &fl, err),
                     IMR_OK);
    imr_facets_count_by_list(0);
    assert_int_equal(imr_facets_build(imr_index_db(ix), NULL, &fv, err),
                     IMR_OK);
    imr_facets_count_by_list(was);
    /* the one store keeps counts by list beside those by value */
    assert_true(imr_facets_bytes(fl) > imr_facets_bytes(fv));
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *l1, *l2, *v1, *v2;

        facets_two_ways(fl, steps[i][0], steps[i][1], &l1, &l2);
        facets_two_ways(fv, steps[i][0], steps[i][1], &v1, &v2);
        assert_string_equal(l1, v1);
        assert_string_equal(l2, v1);
        assert_string_equal(v2, v1);
        /* the facets are not empty: guideline pages and diagnoses */
        assert_non_null(strstr(v1, "\"guideline_page\":[{"));
        assert_non_null(strstr(v1, "\"diagnosis\":[{"));
        free(l1);
        free(l2);
        free(v1);
        free(v2);
    }
    imr_facets_free(fl);
    imr_facets_free(fv);
    imr_index_close(ix);
}

/* imr_facets_q_pass gives, for any range of the store, the items
 * imr_facets_q_test passes, in order: every filter field, negated, in
 * OR groups and after other filters (the scan of a query without text
 * reads the store through it). */
static void test_q_pass(void **state)
{
    static const char *const filters[] = {
        "decision:upheld", "-decision:upheld", "decision:overturned",
        "outcome:upheld", "-outcome:upheld", "gender:female",
        "-gender:male age:40..50", "age:55..60", "-age:30..45",
        "program:dmhc", "-program:dmhc", "type:experimental",
        "-type:experimental", "category:pharmaceuticals",
        "-category:pharmaceuticals", "subcategory:opioids",
        "year:2014..2016", "-year:2015", "date:2014..2016-06",
        "-date:..2015", "injured:2010..2012", "-injured:2010..2012",
        "received:2014..", "specialty:\"pain medicine\"",
        "-specialty:pain", "licensure:california",
        "-licensure:california", "dx:lumbago", "-dx:lumbago",
        "diagnosis:pain gender:male", "guideline:MTUS", "-guideline:ODG",
        "page:49", "guideline:ACOEM page:20-30",
        "by:reviewer guideline:MTUS", "-by:reviewer",
        "(year:2014 OR year:2015)",
        "(decision:overturned OR guideline:ODG) gender:female",
        "gender:female (year:2014 OR dx:lumbago)",
        "-(category:pharmaceuticals OR subcategory:mri)",
        "year:2013..2018 decision:upheld -gender:male dx:pain page:49",
    };
    struct imr_index *ix = NULL;
    struct imr_facets *f = NULL;
    char err[IMR_ERR_LEN];
    size_t n, i, w, k, got, want, compiled = 0, partial = 0;
    uint32_t *out;

    (void)state;
    assert_int_equal(imr_index_open(db_path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_facets_build(imr_index_db(ix), NULL, &f, err),
                     IMR_OK);
    n = imr_facets_items(f);
    assert_true(n > 40);
    out = malloc(n * sizeof(*out));
    assert_non_null(out);
    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        /* the whole store, the edges, odd cuts */
        const size_t win[][2] = {{0, n}, {0, 1}, {n - 1, n}, {3, n - 5},
                                 {n / 3, n / 3 + 7}, {n / 2, n / 2}};
        struct imr_query *q = NULL;
        struct imr_facets_q *fq = NULL;

        assert_int_equal(imr_query_parse(filters[i], &q, NULL, err),
                         IMR_OK);
        assert_null(q->root);
        assert_int_equal(imr_facets_q_new(f, q->filters, q->n_filters,
                                          &fq), IMR_OK);
        if (fq == NULL) {             /* taken by the SQL path */
            imr_query_free(q);
            continue;
        }
        compiled++;
        for (w = 0; w < sizeof(win) / sizeof(win[0]); w++) {
            got = imr_facets_q_pass(fq, win[w][0], win[w][1], out);
            for (k = win[w][0], want = 0; k < win[w][1]; k++) {
                if (!imr_facets_q_test(fq, k))
                    continue;
                if (want >= got || out[want] != k)
                    fail_msg("%s: item %zu of %zu..%zu", filters[i], k,
                             win[w][0], win[w][1]);
                want++;
            }
            assert_int_equal(got, want);
            if (w == 0 && got > 0 && got < n)
                partial++;
        }
        imr_facets_q_free(fq);
        imr_query_free(q);
    }
    /* the store tests nearly all of them, most keeping some items */
    assert_true(compiled >= 38);
    assert_true(partial >= 20);
    free(out);
    imr_facets_free(f);
    imr_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_equals_sql),
        cmocka_unit_test(test_store_figures),
        cmocka_unit_test(test_count_by_list),
        cmocka_unit_test(test_q_pass),
        cmocka_unit_test(test_follows_writes),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
