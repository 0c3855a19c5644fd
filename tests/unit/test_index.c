/* Tests of the index (lib/index.c): writer, FTS rows, page ranges,
 * replace/delete, schema versions, file bookkeeping, stats, hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imr/imr.h"
#include "imr/index.h"
#include "imr/record.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/imr-test-index-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh path inside the temp folder. */
static const char *db_path(const char *name)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
    unlink(path);
    return path;
}

/* Builds a letter with one item per TREATMENT (NULL-terminated); every
 * item cites MTUS Chronic Pain pages FROM-TO and ODG Low Back. */
static struct imr_record *make_record(const char *id, const char *date,
                                      enum imr_decision dec, int from,
                                      int to, const char *const *treat)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *it;
    struct imr_citation *c;
    size_t i;

    assert_non_null(rec);
    rec->id = strdup(id);
    rec->case_number = strdup(id);
    rec->format = strdup("case_number_header");
    rec->source = strdup("/letters/made-in-code.txt");
    rec->date_decision = date ? strdup(date) : NULL;
    rec->age = 47;
    rec->gender = strdup("male");
    rec->summary = strdup("The injured worker reports chronic low back"
                          " pain after lifting boxes at work.");
    rec->text = strdup("Whole letter text written for this test.");
    assert_int_equal(imr_strv_push(&rec->diagnoses, &rec->n_diagnoses,
                                   "Lumbar  Radiculopathy"), IMR_OK);
    assert_int_equal(imr_strv_push(&rec->diagnoses, &rec->n_diagnoses,
                                   "lumbago"), IMR_OK);
    assert_int_equal(imr_strv_push(&rec->specialties, &rec->n_specialties,
                                   "Orthopedic Surgery"), IMR_OK);
    assert_int_equal(imr_strv_push(&rec->licensure, &rec->n_licensure,
                                   "California"), IMR_OK);
    for (i = 0; treat[i] != NULL; i++) {
        assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
        it->treatment = strdup(treat[i]);
        it->decision = dec;
        it->rationale = strdup("The guideline criteria for injections"
                               " were not documented.");
        it->category = strdup("Rehabilitation");
        assert_int_equal(imr_item_add_citation(it, &c), IMR_OK);
        c->by = IMR_BY_REVIEWER;
        c->guideline = strdup("MTUS");
        c->document = strdup("Chronic Pain Medical Treatment Guidelines");
        assert_int_equal(imr_citation_add_pages(c, from, to), IMR_OK);
        assert_int_equal(imr_strv_push(&c->sections, &c->n_sections,
                                       "Functional restoration"), IMR_OK);
        c->text = strdup("MTUS Chronic Pain pages");
        assert_int_equal(imr_item_add_citation(it, &c), IMR_OK);
        c->by = IMR_BY_CLAIMS_ADMINISTRATOR;
        c->guideline = strdup("ODG");
        c->chapter = strdup("Low Back");
        c->text = strdup("ODG Low Back chapter");
    }
    return rec;
}

/* Runs a one-integer query with an optional text parameter. */
static long long q_int(struct imr_index *ix, const char *sql,
                       const char *param)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), sql, -1, &st,
                                        NULL), SQLITE_OK);
    if (param != NULL)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static long long fts_count(struct imr_index *ix, const char *match)
{
    return q_int(ix, "SELECT count(*) FROM item_fts WHERE item_fts MATCH ?1",
                 match);
}

/* FTS5's own check of the index against the content view. */
static void fts_check(struct imr_index *ix)
{
    assert_int_equal(sqlite3_exec(imr_index_db(ix),
                     "INSERT INTO item_fts(item_fts, rank)"
                     " VALUES('integrity-check', 1)", NULL, NULL, NULL),
                     SQLITE_OK);
}

/* The stored letter EXT_ID: its text column packs the text and the
 * parse JSON without the text (imr_index_unpack); record is ''. */
static void stored_letter_check(struct imr_index *ix, const char *ext_id)
{
    sqlite3_stmt *st = NULL;
    char *text = NULL, *record = NULL;
    json_t *js;

    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), "SELECT text,"
                     " record FROM determinations WHERE ext_id = ?1", -1,
                     &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, ext_id, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_BLOB);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "");
    assert_int_equal(imr_index_unpack(ix, sqlite3_column_blob(st, 0),
                                      (size_t)sqlite3_column_bytes(st, 0),
                                      &text, &record, NULL), IMR_OK);
    sqlite3_finalize(st);
    assert_string_equal(text, "Whole letter text written for this test.");
    free(text);
    assert_int_equal(imr_index_unpack(ix, "IMRZ", 4, &text, NULL, NULL),
                     IMR_EINVAL);
    assert_null(text);
    js = json_loads(record, 0, NULL);
    assert_non_null(js);
    assert_null(json_object_get(js, "text"));
    assert_string_equal(json_string_value(json_object_get(js, "id")),
                        ext_id);
    json_decref(js);
    free(text);
    free(record);
}

static void put(struct imr_index *ix, struct imr_record *rec,
                long long *det)
{
    char err[IMR_ERR_LEN] = "";

    assert_int_equal(imr_index_put(ix, rec, det, err), IMR_OK);
    imr_record_free(rec);
}

static const char *const frp[] = {"Functional restoration program,"
                                  " 160 hours", NULL};
static const char *const two[] = {"Lumbar epidural steroid injection",
                                  "Acupuncture 6 sessions", NULL};

static void test_insert_and_counts(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_index_stats *st = NULL;
    char err[IMR_ERR_LEN] = "";
    long long det = 0;

    (void)state;
    assert_int_equal(imr_index_open(db_path("counts"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000001", "2013-11-04", IMR_DECISION_UPHELD,
                        48, 50, frp), &det);
    assert_true(det > 0);
    put(ix, make_record("CM14-0000002", "2014-02-11",
                        IMR_DECISION_OVERTURNED, 30, 34, two), NULL);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);

    assert_int_equal(q_int(ix, "SELECT count(*) FROM determinations", NULL),
                     2);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM items", NULL), 3);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM citations", NULL), 6);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM citation_pages", NULL),
                     3);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM diagnoses WHERE"
                           " norm = ?1", "lumbar radiculopathy"), 2);
    assert_int_equal(q_int(ix, "SELECT year FROM determinations WHERE"
                           " ext_id = ?1", "CM14-0000002"), 2014);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM determinations WHERE"
                           " outcome = ?1", "overturned"), 1);
    assert_int_equal(q_int(ix, "SELECT value FROM meta WHERE key ="
                           " 'letters'", NULL), 2);
    /* The stored record is the parse JSON without the text. */
    stored_letter_check(ix, "CM13-0000001");
    /* Stemmed full text: "injections" finds "injection". */
    assert_int_equal(fts_count(ix, "injections"), 3);
    assert_int_equal(fts_count(ix, "treatment:injections"), 1);
    assert_int_equal(fts_count(ix, "diagnoses:radiculopathy"), 3);
    fts_check(ix);

    assert_int_equal(imr_index_stats(ix, &st, err), IMR_OK);
    assert_int_equal(st->letters, 2);
    assert_int_equal(st->items, 3);
    assert_int_equal(st->n_by_decision, 2);
    assert_string_equal(st->by_decision[0].key, "overturned");
    assert_int_equal(st->by_decision[0].n, 2);
    assert_int_equal(st->n_by_guideline, 2);
    assert_int_equal(st->by_guideline[0].n, 3);
    assert_int_equal(st->n_by_year, 2);
    assert_string_equal(st->by_year[0].key, "2013");
    imr_index_stats_free(st);
    imr_index_close(ix);
}

/* The number of FTS5 segments of item_fts. */
static long long fts_segments(struct imr_index *ix)
{
    return q_int(ix, "SELECT count(DISTINCT segid) FROM item_fts_idx", NULL);
}

/* Puts letters N0 .. N1-1 (ids CM15-00000NN, one FRP item each),
 * flushing the full-text rows after each so that each makes a segment. */
static void put_flushed(struct imr_index *ix, int n0, int n1)
{
    char id[32], err[IMR_ERR_LEN] = "";
    int i;

    for (i = n0; i < n1; i++) {
        snprintf(id, sizeof(id), "CM15-%07d", i);
        put(ix, make_record(id, "2015-03-02", IMR_DECISION_UPHELD, 49, 49,
                            frp), NULL);
        assert_int_equal(imr_index_flush(ix, err), IMR_OK);
    }
}

/* One build of letters N0 .. N1-1 (put_flushed); returns item_fts's
 * segments after its commit. */
static long long build_flushed(struct imr_index *ix, int n0, int n1)
{
    char err[IMR_ERR_LEN] = "";

    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put_flushed(ix, n0, n1);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    return fts_segments(ix);
}

/* A build that wrote at least a quarter of the items leaves item_fts one
 * segment; a small one added to a large index leaves FTS5's segments as
 * they are, until imr_index_merge_fts. The matches are the same either
 * way. */
static void test_fts_merge(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "", path[128];

    (void)state;
    snprintf(path, sizeof(path), "%s", db_path("merge"));
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put_flushed(ix, 0, 3);
    assert_true(fts_segments(ix) >= 2);      /* before the commit merges */
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    assert_int_equal(fts_segments(ix), 1);
    assert_int_equal(fts_count(ix, "\"functional restoration\""), 3);
    fts_check(ix);

    /* 9 new items of 12: merged again */
    assert_int_equal(build_flushed(ix, 3, 12), 1);

    /* 1 new item of 13 (under a quarter): the new segment stays */
    assert_int_equal(build_flushed(ix, 12, 13), 2);
    assert_int_equal(fts_count(ix, "\"functional restoration\""), 13);
    assert_int_equal(fts_count(ix, "lumbar"), 13);
    fts_check(ix);

    /* the merge on demand: the two segments become one */
    {
        struct imr_index *ro = NULL;
        long long before = -1;

        assert_int_equal(imr_index_merge_fts(ix, &before, err), IMR_OK);
        assert_int_equal(before, 2);
        assert_int_equal(fts_segments(ix), 1);
        assert_int_equal(fts_count(ix, "lumbar"), 13);
        fts_check(ix);
        assert_int_equal(imr_index_merge_fts(ix, &before, err), IMR_OK);
        assert_int_equal(before, 1);
        assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ro, err),
                         IMR_OK);
        assert_int_equal(imr_index_merge_fts(ro, NULL, err), IMR_EINVAL);
        imr_index_close(ro);
        assert_int_equal(imr_index_begin(ix, err), IMR_OK);
        assert_int_equal(imr_index_merge_fts(ix, NULL, err), IMR_EINVAL);
        imr_index_rollback(ix);
    }

    /* replacing 4 of 13 letters is a quarter or more: merged */
    assert_int_equal(build_flushed(ix, 0, 4), 1);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM items", NULL), 13);
    assert_int_equal(fts_count(ix, "\"functional restoration\""), 13);
    fts_check(ix);
    imr_index_close(ix);
}

static void test_page_range(void **state)
{
    static const char sql[] =
        "SELECT count(DISTINCT d.ext_id) FROM citation_pages cp"
        " JOIN items i ON i.id = cp.item_id"
        " JOIN determinations d ON d.id = i.det_id"
        " WHERE cp.guideline = 'MTUS' AND cp.page_from <= ?1 + 0"
        " AND cp.page_to >= ?1 + 0";
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "";

    (void)state;
    assert_int_equal(imr_index_open(db_path("pages"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000001", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    put(ix, make_record("CM13-0000003", NULL, IMR_DECISION_UPHELD, 30, 34,
                        frp), NULL);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    assert_int_equal(q_int(ix, sql, "49"), 1);   /* MTUS p.49 in 48-50 */
    assert_int_equal(q_int(ix, sql, "48"), 1);
    assert_int_equal(q_int(ix, sql, "50"), 1);
    assert_int_equal(q_int(ix, sql, "51"), 0);
    assert_int_equal(q_int(ix, sql, "32"), 1);
    assert_int_equal(q_int(ix, sql, "40"), 0);
    /* The lookup uses the index, not a scan. */
    assert_int_equal(q_int(ix, "SELECT count(*) FROM pragma_index_list("
                           "'citation_pages') WHERE name = 'cp_lookup'",
                           NULL), 1);
    imr_index_close(ix);
}

static void test_replace_and_delete(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "";
    long long det1 = 0, det2 = 0, found = 0;
    char *src = NULL;

    (void)state;
    assert_int_equal(imr_index_open(db_path("replace"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM15-0000009", NULL, IMR_DECISION_UPHELD, 48, 50,
                        two), &det1);
    put(ix, make_record("CM15-0000010", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    /* Within a build the FTS rows wait for the flush. */
    assert_int_equal(fts_count(ix, "acupuncture"), 0);
    assert_int_equal(imr_index_flush(ix, err), IMR_OK);
    assert_int_equal(fts_count(ix, "acupuncture"), 1);
    assert_int_equal(fts_count(ix, "functional"), 1);
    /* Same id again, different items: old rows and FTS rows go. */
    put(ix, make_record("CM15-0000009", NULL, IMR_DECISION_OVERTURNED, 60,
                        62, frp), &det2);
    assert_true(det2 != det1);
    assert_int_equal(imr_index_flush(ix, err), IMR_OK);
    assert_int_equal(fts_count(ix, "acupuncture"), 0);
    assert_int_equal(fts_count(ix, "epidural"), 0);
    assert_int_equal(fts_count(ix, "functional"), 2);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM items", NULL), 2);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM citation_pages WHERE"
                           " page_from = 48", NULL), 1);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM diagnoses", NULL), 4);
    fts_check(ix);
    assert_int_equal(imr_index_find(ix, "CM15-0000009", &found, &src, err),
                     IMR_OK);
    assert_int_equal(found, det2);
    assert_string_equal(src, "/letters/made-in-code.txt");
    free(src);

    assert_int_equal(imr_index_delete(ix, det2, err), IMR_OK);
    assert_int_equal(imr_index_find(ix, "CM15-0000009", &found, NULL, err),
                     IMR_ENOTFOUND);
    assert_int_equal(fts_count(ix, "functional"), 1);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM items", NULL), 1);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM citations", NULL), 2);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM citation_pages", NULL),
                     1);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM specialties", NULL), 1);
    fts_check(ix);
    /* Deleting what is not there is fine. */
    assert_int_equal(imr_index_delete(ix, det2, err), IMR_OK);
    /* Replaced before its FTS rows were flushed: nothing stale remains. */
    put(ix, make_record("CM15-0000011", NULL, IMR_DECISION_UPHELD, 48, 50,
                        two), NULL);
    put(ix, make_record("CM15-0000011", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    assert_int_equal(fts_count(ix, "acupuncture"), 0);
    assert_int_equal(fts_count(ix, "functional"), 2);
    fts_check(ix);
    /* Outside a build every put is immediate and FTS rows come at once. */
    put(ix, make_record("CM15-0000012", NULL, IMR_DECISION_UPHELD, 48, 50,
                        two), &det1);
    assert_int_equal(fts_count(ix, "acupuncture"), 1);
    assert_int_equal(imr_index_delete(ix, det1, err), IMR_OK);
    assert_int_equal(fts_count(ix, "acupuncture"), 0);
    fts_check(ix);
    imr_index_close(ix);
}

static void test_rollback(void **state)
{
    struct imr_index *ix = NULL, *ro = NULL;
    char err[IMR_ERR_LEN] = "";
    const char *path = db_path("rollback");

    (void)state;
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000001", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000002", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    /* A reader sees the committed state while the build runs... */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ro, err),
                     IMR_OK);
    assert_int_equal(q_int(ro, "SELECT count(*) FROM determinations", NULL),
                     1);
    /* ...and a second writer is told the index is busy. */
    {
        struct imr_index *w2 = NULL;

        assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &w2, err),
                         IMR_OK);
        sqlite3_busy_timeout(imr_index_db(w2), 50);
        assert_int_equal(imr_index_begin(w2, err), IMR_EBUSY);
        assert_non_null(strstr(err, "another"));
        imr_index_close(w2);
    }
    imr_index_rollback(ix);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM determinations", NULL),
                     1);
    /* Closing with an open build also rolls back. */
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000003", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), NULL);
    imr_index_close(ix);
    assert_int_equal(q_int(ro, "SELECT count(*) FROM determinations", NULL),
                     1);
    /* Read-only handles cannot write. */
    assert_int_equal(imr_index_begin(ro, err), IMR_EINVAL);
    imr_index_close(ro);
}

static void test_schema_version(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "";
    const char *path = db_path("schema");
    sqlite3 *db = NULL;

    (void)state;
    /* Read-only open of a missing file fails and creates nothing. */
    assert_int_not_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                         IMR_OK);
    assert_null(ix);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err), IMR_OK);
    assert_int_equal(q_int(ix, "SELECT value FROM meta WHERE key ="
                           " 'schema_version'", NULL),
                     IMR_INDEX_SCHEMA_VERSION);
    assert_int_equal(q_int(ix, "PRAGMA foreign_keys", NULL), 1);
    imr_index_close(ix);
    ix = NULL;
    /* Reopening an index of the right version works. */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    imr_index_close(ix);
    ix = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE"
                                  " key = 'schema_version'", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_ESCHEMA);
    assert_null(ix);
    assert_non_null(strstr(err, "99"));
    assert_non_null(strstr(err, "imr-index build"));
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_ESCHEMA);

    /* A SQLite file that is not an index is refused, not changed. */
    path = db_path("other");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_ESCHEMA);
    assert_non_null(strstr(err, "not an imr-search index"));
}

static void test_files(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_index_file f, *list = NULL;
    char err[IMR_ERR_LEN] = "";
    long long det = 0;
    size_t n = 0;

    (void)state;
    assert_int_equal(imr_index_open(db_path("files"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    put(ix, make_record("CM13-0000001", NULL, IMR_DECISION_UPHELD, 48, 50,
                        frp), &det);
    memset(&f, 0, sizeof(f));
    f.path = "/c/b.txt";
    imr_hash64_hex("abc", 3, f.hash);
    f.size = 3;
    f.mtime = 1700000000;
    f.status = IMR_FILE_INDEXED;
    f.det_id = det;
    assert_int_equal(imr_index_file_put(ix, &f, err), IMR_OK);
    f.path = "/c/a.txt";
    f.status = IMR_FILE_REJECTED;
    f.reason = "empty file";
    f.det_id = 0;
    assert_int_equal(imr_index_file_put(ix, &f, err), IMR_OK);

    memset(&f, 0, sizeof(f));
    assert_int_equal(imr_index_file_get(ix, "/c/b.txt", &f, err), IMR_OK);
    assert_int_equal(f.status, IMR_FILE_INDEXED);
    assert_int_equal(f.det_id, det);
    assert_int_equal(f.size, 3);
    assert_int_equal(f.mtime, 1700000000);
    assert_int_equal(strlen(f.hash), IMR_HASH_HEX_LEN);
    assert_null(f.reason);
    imr_index_file_clear(&f);
    assert_int_equal(imr_index_file_get(ix, "/c/none.txt", &f, err),
                     IMR_ENOTFOUND);

    assert_int_equal(imr_index_files_list(ix, &list, &n, err), IMR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].path, "/c/a.txt");
    assert_int_equal(list[0].status, IMR_FILE_REJECTED);
    assert_string_equal(list[0].reason, "empty file");
    assert_string_equal(list[1].path, "/c/b.txt");
    imr_index_files_free(list, n);

    assert_int_equal(imr_index_flush(ix, err), IMR_OK);
    /* Deleting an indexed file drops its letter too. */
    assert_int_equal(imr_index_file_delete(ix, "/c/b.txt", err), IMR_OK);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM determinations", NULL),
                     0);
    assert_int_equal(fts_count(ix, "functional"), 0);
    assert_int_equal(imr_index_file_delete(ix, "/c/a.txt", err), IMR_OK);
    assert_int_equal(imr_index_file_delete(ix, "/c/a.txt", err), IMR_OK);
    assert_int_equal(q_int(ix, "SELECT count(*) FROM files", NULL), 0);
    fts_check(ix);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    imr_index_close(ix);
}

static void test_bad_record(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_record *rec = imr_record_new();
    char err[IMR_ERR_LEN] = "";

    (void)state;
    assert_int_equal(imr_index_open(db_path("bad"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(imr_index_put(ix, rec, NULL, err), IMR_EINVAL);
    assert_non_null(strstr(err, "id"));
    imr_record_free(rec);
    imr_index_close(ix);
}

static void test_hash(void **state)
{
    char a[IMR_HASH_HEX_LEN + 1], b[IMR_HASH_HEX_LEN + 1];
    char buf[64], text[] = "Lumbar MRI is not medically necessary.";
    size_t i;

    (void)state;
    imr_hash64_hex(text, strlen(text), a);
    assert_int_equal(strlen(a), IMR_HASH_HEX_LEN);
    /* Alignment does not change the hash. */
    memcpy(buf + 1, text, strlen(text));
    imr_hash64_hex(buf + 1, strlen(text), b);
    assert_string_equal(a, b);
    /* Any one-byte change, and any length change, does. */
    for (i = 0; i < strlen(text); i++) {
        buf[1 + i] ^= 1;
        imr_hash64_hex(buf + 1, strlen(text), b);
        assert_string_not_equal(a, b);
        buf[1 + i] ^= 1;
    }
    for (i = 0; i < strlen(text); i++) {
        imr_hash64_hex(text, i, b);
        assert_string_not_equal(a, b);
    }
    assert_true(imr_hash64("", 0) != imr_hash64("\0", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_counts),
        cmocka_unit_test(test_fts_merge),
        cmocka_unit_test(test_page_range),
        cmocka_unit_test(test_replace_and_delete),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_schema_version),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_bad_record),
        cmocka_unit_test(test_hash),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
