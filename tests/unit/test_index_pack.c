/* Tests of the packed letters of the index (lib/index.c): pack/unpack
 * with and without the trained zstd dictionary, old "IMRZ" and "IMRD"
 * (zlib) blobs, corrupt blobs rejected with a reason, the dictionary's
 * life in a build (rollback, reopen, read-only handles), schema 2 -> 4
 * and 3 -> 4, and the indexes a fresh build creates at commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "imr/imr.h"
#include "imr/index.h"
#include "imr/record.h"

#define N_LETTERS 24

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/imr-test-pack-XXXXXX");
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

/* Letter I: boilerplate lines every letter shares, plus lines of its
 * own (the number, a treatment), like real letters. */
static struct imr_record *letter(int i)
{
    static const char *const treat[] = {"Lumbar MRI", "Norco 10/325mg",
                                        "Physical therapy 12 sessions",
                                        "Functional restoration program"};
    struct imr_record *rec = imr_record_new();
    struct imr_item *it;
    char buf[2048];

    assert_non_null(rec);
    snprintf(buf, sizeof(buf), "CM14-%07d", 5000000 + i * 7919);
    rec->id = strdup(buf);
    rec->case_number = strdup(buf);
    rec->format = strdup("medical_professional_review");
    rec->source = strdup("/letters/test.txt");
    snprintf(buf, sizeof(buf),
             "MEDICAL PROFESSIONAL REVIEW\nIMR Case Number: CM14-%07d\n"
             "DOCUMENTS REVIEWED FOR DETERMINATION:\n"
             "Application of Independent Medical Review\n"
             "Utilization Review Determination\n"
             "Medical records from the treating providers and the claims"
             " administrator\n"
             "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL\n"
             "REVIEWER AND WHY:\n"
             "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT\n"
             "MEDICALLY NECESSARY:\n"
             "The request for %s (visit %d) is not medically necessary and"
             " appropriate.\nThe injured worker is %d years old.\n",
             5000000 + i * 7919, treat[i % 4], i * 31, 20 + i);
    rec->text = strdup(buf);
    rec->summary = strdup("The injured worker reports chronic pain.");
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    it->treatment = strdup(treat[i % 4]);
    it->decision = IMR_DECISION_UPHELD;
    it->rationale = strdup("The guideline criteria were not documented.");
    return rec;
}

/* Checks that BLOB unpacks through IX to REC's text and a record JSON
 * naming its id. */
static void check_unpack(struct imr_index *ix, const unsigned char *blob,
                         size_t n, const struct imr_record *rec)
{
    char *text = NULL, *record = NULL, err[IMR_ERR_LEN] = "";
    json_t *js;

    assert_int_equal(imr_index_unpack(ix, blob, n, &text, &record, err),
                     IMR_OK);
    assert_string_equal(text, rec->text);
    js = json_loads(record, 0, NULL);
    assert_non_null(js);
    assert_string_equal(json_string_value(json_object_get(js, "id")),
                        rec->id);
    json_decref(js);
    free(text);
    free(record);
}

/* Unpacking BLOB fails with IMR_EINVAL and a message holding WHY. */
static void check_bad(struct imr_index *ix, const void *blob, size_t n,
                      const char *why)
{
    char *text = (char *)1, *record = (char *)1, err[IMR_ERR_LEN] = "";

    assert_int_equal(imr_index_unpack(ix, blob, n, &text, &record, err),
                     IMR_EINVAL);
    assert_null(text);
    assert_null(record);
    if (strstr(err, why) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", why, err);
}

static void free_letters(struct imr_record **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        imr_record_free(v[i]);
}

static void test_without_dictionary(void **state)
{
    struct imr_packer *pk = NULL;
    struct imr_record *rec = letter(1);
    unsigned char *blob = NULL;
    char err[IMR_ERR_LEN] = "";
    size_t n = 0;

    (void)state;
    assert_int_equal(imr_packer_new(NULL, &pk, err), IMR_OK);
    assert_int_equal(imr_packer_pack(pk, rec, &blob, &n, err), IMR_OK);
    assert_memory_equal(blob, "IMRS\0\0\0\0", 8);    /* dictionary 0 */
    check_unpack(NULL, blob, n, rec);
    free(blob);
    /* the packer is reused: a second letter comes out right too */
    imr_record_free(rec);
    rec = letter(2);
    assert_int_equal(imr_packer_pack(pk, rec, &blob, &n, err), IMR_OK);
    check_unpack(NULL, blob, n, rec);
    free(blob);
    /* an empty text */
    free(rec->text);
    rec->text = strdup("");
    assert_int_equal(imr_packer_pack(pk, rec, &blob, &n, err), IMR_OK);
    check_unpack(NULL, blob, n, rec);
    free(blob);
    imr_packer_free(pk);
    imr_record_free(rec);
}

/* A blob as the code before the dictionary wrote it: "IMRZ", the two
 * lengths, compress() of text + record. */
static void test_old_blob(void **state)
{
    const char *text = "Old letter text.", *record = "{\"id\":\"CM1\"}";
    unsigned char blob[256], in[64];
    uLongf zn = sizeof(blob) - 12;
    char *t = NULL, *r = NULL;
    size_t tl = strlen(text), rl = strlen(record);

    (void)state;
    memcpy(in, text, tl);
    memcpy(in + tl, record, rl);
    assert_int_equal(compress(blob + 12, &zn, in, (uLong)(tl + rl)), Z_OK);
    memcpy(blob, "IMRZ", 4);
    blob[4] = (unsigned char)tl;
    blob[5] = blob[6] = blob[7] = 0;
    blob[8] = (unsigned char)rl;
    blob[9] = blob[10] = blob[11] = 0;
    assert_int_equal(imr_index_unpack(NULL, blob, 12 + zn, &t, &r, NULL),
                     IMR_OK);
    assert_string_equal(t, text);
    assert_string_equal(r, record);
    free(t);
    free(r);
    /* the record is optional */
    assert_int_equal(imr_index_unpack(NULL, blob, 12 + zn, &t, NULL, NULL),
                     IMR_OK);
    assert_string_equal(t, text);
    free(t);
}

static void test_dictionary(void **state)
{
    struct imr_record *recs[N_LETTERS], *same[N_LETTERS];
    struct imr_index *ix = NULL, *ro = NULL;
    struct imr_packer *plain = NULL, *pk = NULL;
    unsigned char *blob = NULL, *zblob = NULL;
    char err[IMR_ERR_LEN] = "", *path;
    size_t n = 0, zn = 0, i;
    long long det = 0;
    sqlite3_stmt *st = NULL;

    (void)state;
    for (i = 0; i < N_LETTERS; i++)
        recs[i] = letter((int)i);
    path = strdup(db_path("dict"));
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_OK);
    /* only inside a build */
    assert_int_equal(imr_index_train(ix, recs, N_LETTERS, err),
                     IMR_EINVAL);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(imr_index_dict_id(ix), 0);
    /* too few letters: no dictionary */
    assert_int_equal(imr_index_train(ix, recs,
                                     IMR_INDEX_DICT_MIN_SAMPLES - 1, err),
                     IMR_OK);
    assert_int_equal(imr_index_dict_id(ix), 0);
    /* one letter many times (a PDF and its text...) is one letter */
    for (i = 0; i < N_LETTERS; i++)
        same[i] = recs[0];
    assert_int_equal(imr_index_train(ix, same, N_LETTERS, err), IMR_OK);
    assert_int_equal(imr_index_dict_id(ix), 0);
    assert_int_equal(imr_packer_new(ix, &plain, err), IMR_OK);
    assert_int_equal(imr_index_train(ix, recs, N_LETTERS, err), IMR_OK);
    assert_true(imr_index_dict_id(ix) > 0);

    /* the dictionary packs a letter smaller than plain zstd */
    assert_int_equal(imr_packer_new(ix, &pk, err), IMR_OK);
    assert_int_equal(imr_packer_pack(pk, recs[3], &blob, &n, err), IMR_OK);
    assert_int_equal(imr_packer_pack(plain, recs[3], &zblob, &zn, err),
                     IMR_OK);
    assert_memory_equal(blob, "IMRS", 4);
    assert_memory_equal(zblob, "IMRS\0\0\0\0", 8);
    assert_true(n < zn);
    check_unpack(ix, blob, n, recs[3]);
    check_unpack(ix, zblob, zn, recs[3]);
    /* without the index the dictionary cannot be found */
    check_bad(NULL, blob, n, "without its index");

    /* the writer stores the packed blob as it is; a blob of an unknown
     * dictionary is refused */
    assert_int_equal(imr_index_put_packed(ix, recs[3], blob, n, &det, err),
                     IMR_OK);
    blob[4] ^= 0x40;
    assert_int_equal(imr_index_put_packed(ix, recs[4], blob, n, &det, err),
                     IMR_EINVAL);
    assert_non_null(strstr(err, "another dictionary"));
    check_bad(ix, blob, n, "no dictionary");
    blob[4] ^= 0x40;
    /* imr_index_put packs with the dictionary itself */
    for (i = 5; i < N_LETTERS; i++)
        assert_int_equal(imr_index_put(ix, recs[i], NULL, err), IMR_OK);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);

    /* a read-only handle reads the dictionary from the index */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ro, err),
                     IMR_OK);
    check_unpack(ro, blob, n, recs[3]);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ro), "SELECT text"
                     " FROM determinations WHERE ext_id = ?1", -1, &st,
                     NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, recs[7]->id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_memory_equal(sqlite3_column_blob(st, 0), "IMRS", 4);
    check_unpack(ro, sqlite3_column_blob(st, 0),
                 (size_t)sqlite3_column_bytes(st, 0), recs[7]);
    sqlite3_finalize(st);
    imr_index_close(ro);

    /* a changed dictionary is detected (the frame names its dictID) */
    assert_int_equal(sqlite3_exec(imr_index_db(ix), "UPDATE pack_dicts SET"
                     " data = substr(data, 1, 4) || x'01020304' ||"
                     " substr(data, 9)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ro, err),
                     IMR_OK);
    check_bad(ro, blob, n, "not the one it was packed with");
    imr_index_close(ro);

    /* a new build keeps the index's dictionary: no second one */
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_true(imr_index_dict_id(ix) > 0);
    assert_int_equal(imr_index_train(ix, recs, N_LETTERS, err), IMR_OK);
    assert_int_equal(sqlite3_exec(imr_index_db(ix), "SELECT 1", NULL,
                                  NULL, NULL), SQLITE_OK);
    imr_index_rollback(ix);
    imr_index_close(ix);
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ro, err),
                     IMR_OK);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ro), "SELECT count(*)"
                     " FROM pack_dicts", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    imr_index_close(ro);

    free(blob);
    free(zblob);
    imr_packer_free(pk);
    imr_packer_free(plain);
    free_letters(recs, N_LETTERS);
    free(path);
}

static void test_corrupt(void **state)
{
    struct imr_record *recs[N_LETTERS];
    struct imr_index *ix = NULL;
    struct imr_packer *pk = NULL;
    unsigned char *blob = NULL, *copy;
    char err[IMR_ERR_LEN] = "";
    size_t n = 0, i;

    (void)state;
    for (i = 0; i < N_LETTERS; i++)
        recs[i] = letter((int)i);
    assert_int_equal(imr_index_open(db_path("corrupt"), IMR_INDEX_RDWR,
                                    &ix, err), IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(imr_index_train(ix, recs, N_LETTERS, err), IMR_OK);
    assert_int_equal(imr_packer_new(ix, &pk, err), IMR_OK);
    assert_int_equal(imr_packer_pack(pk, recs[1], &blob, &n, err), IMR_OK);
    copy = malloc(n);
    assert_non_null(copy);

    check_bad(ix, "IMRX\0\0\0\0\0\0\0\0", 12, "not a packed letter");
    check_bad(ix, "IMRZ", 4, "not a packed letter");
    /* truncated stream */
    check_bad(ix, blob, n - 5, "corrupt packed letter");
    /* a flipped byte in the stream */
    memcpy(copy, blob, n);
    copy[n / 2] ^= 0x55;
    check_bad(ix, copy, n, "packed letter");
    /* lengths that do not match the stream */
    memcpy(copy, blob, n);
    copy[8] ^= 1;
    check_bad(ix, copy, n, "corrupt packed letter");
    /* a length no stream of this size can hold */
    memcpy(copy, blob, n);
    copy[11] = 0x7f;
    check_bad(ix, copy, n, "cannot hold");
    /* a dictionary blob whose header says no dictionary */
    memcpy(copy, blob, n);
    memset(copy + 4, 0, 4);
    check_bad(ix, copy, n, "needs a dictionary");
    /* a zlib stream under the zstd magic */
    memcpy(copy, blob, n);
    memcpy(copy + 16, "\x78\x9c", 2);
    check_bad(ix, copy, n, "not a zstd frame");
    /* the intact blob still unpacks */
    check_unpack(ix, blob, n, recs[1]);

    imr_index_rollback(ix);
    /* the rollback dropped the dictionary with the build */
    assert_int_equal(imr_index_dict_id(ix), 0);
    check_bad(ix, blob, n, "no dictionary");
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(imr_index_dict_id(ix), 0);
    imr_index_rollback(ix);
    imr_index_close(ix);
    imr_packer_free(pk);
    free(blob);
    free(copy);
    free_letters(recs, N_LETTERS);
}

/* Counts the index called NAME in the schema. */
static int has_index(struct imr_index *ix, const char *name)
{
    sqlite3_stmt *st = NULL;
    int n;

    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), "SELECT count(*)"
                     " FROM sqlite_master WHERE type = 'index' AND"
                     " name = ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_deferred_indexes(void **state)
{
    struct imr_index *ix = NULL;
    struct imr_record *rec;
    char err[IMR_ERR_LEN] = "";

    (void)state;
    assert_int_equal(imr_index_open(db_path("defer"), IMR_INDEX_RDWR, &ix,
                                    err), IMR_OK);
    /* an empty index: the indexes go during the build ... */
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(has_index(ix, "diag_norm"), 0);
    assert_int_equal(has_index(ix, "items_det"), 1);
    imr_index_rollback(ix);
    /* ... a rollback restores them ... */
    assert_int_equal(has_index(ix, "diag_norm"), 1);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    rec = letter(1);
    assert_int_equal(imr_index_put(ix, rec, NULL, err), IMR_OK);
    imr_record_free(rec);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    /* ... and the commit creates them */
    assert_int_equal(has_index(ix, "diag_norm"), 1);
    assert_int_equal(has_index(ix, "cp_lookup"), 1);
    assert_int_equal(has_index(ix, "det_date"), 1);
    /* an index with letters keeps them during a build */
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(has_index(ix, "diag_norm"), 1);
    imr_index_rollback(ix);
    imr_index_close(ix);
}

/* Runs SQL on the file PATH through a plain connection. */
static void run_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A new index at a fresh path called NAME, made to look like an older
 * version's by SQL; returns the path (free()). */
static char *old_index(const char *name, const char *sql)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "", *path = strdup(db_path(name));

    assert_non_null(path);
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_OK);
    imr_index_close(ix);
    run_sql(path, sql);
    return path;
}

static void test_schema_2(void **state)
{
    struct imr_index *ix = NULL;
    char err[IMR_ERR_LEN] = "", *path;
    sqlite3_stmt *st = NULL;

    (void)state;
    path = old_index("v2", "DROP TABLE pack_dicts; UPDATE meta SET"
                     " value = '2' WHERE key = 'schema_version'");
    /* read-only: read as it is (its letters use no dictionary) */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    imr_index_close(ix);
    /* a writer migrates it */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_OK);
    assert_int_equal(sqlite3_prepare_v2(imr_index_db(ix), "SELECT (SELECT"
                     " value FROM meta WHERE key = 'schema_version'),"
                     " (SELECT count(*) FROM pack_dicts)", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), IMR_INDEX_SCHEMA_VERSION);
    assert_int_equal(sqlite3_column_int(st, 1), 0);
    sqlite3_finalize(st);
    imr_index_close(ix);
    free(path);
}

/* sqlite3_exec callback counting rows into *ARG. */
static int count_row(void *arg, int n, char **v, char **names)
{
    (void)n;
    (void)v;
    (void)names;
    (*(int *)arg)++;
    return 0;
}

/* Deflates IN (N bytes) with the preset dictionary DICT into BLOB as a
 * schema 3 "IMRD" letter of dictionary ID; returns its size. */
static size_t deflate_imrd(const char *text, const char *record,
                           const char *dict, unsigned id,
                           unsigned char *blob, size_t cap)
{
    size_t tl = strlen(text), rl = strlen(record);
    char in[512];
    z_stream z;

    assert_true(tl + rl <= sizeof(in));
    memcpy(in, text, tl);
    memcpy(in + tl, record, rl);
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit(&z, 3), Z_OK);
    assert_int_equal(deflateSetDictionary(&z, (const Bytef *)dict,
                                          (uInt)strlen(dict)), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)(tl + rl);
    z.next_out = blob + 16;
    z.avail_out = (uInt)(cap - 16);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    memcpy(blob, "IMRD", 4);
    blob[4] = (unsigned char)id;
    blob[5] = blob[6] = blob[7] = 0;
    blob[8] = (unsigned char)tl;
    blob[9] = blob[10] = blob[11] = 0;
    blob[12] = (unsigned char)rl;
    blob[13] = blob[14] = blob[15] = 0;
    deflateEnd(&z);
    return 16 + z.total_out;
}

/* Schema 3: letters deflated with a raw dictionary stay readable; a
 * writer migrates to 4 and trains a zstd dictionary instead of packing
 * with the deflate one. */
static void test_schema_3(void **state)
{
    static const char dict[] = "The request for physical therapy is not"
        " medically necessary. MTUS Chronic Pain Medical Treatment"
        " Guidelines, page 99. {\"id\":\"CM13\"}";
    const char *text = "The request for physical therapy 12 sessions is"
        " not medically necessary (MTUS page 99).";
    const char *record = "{\"id\":\"CM13-0000001\"}";
    struct imr_record *recs[N_LETTERS];
    struct imr_index *ix = NULL;
    unsigned char blob[512];
    char err[IMR_ERR_LEN] = "", *t = NULL, *r = NULL, *path, sql[512];
    size_t n, i;
    int rows = 0;

    (void)state;
    snprintf(sql, sizeof(sql), "INSERT INTO pack_dicts(id, data, letters,"
             " created_at) VALUES(7, CAST('%s' AS BLOB), 256, 'then');"
             " UPDATE meta SET value = '3' WHERE key = 'schema_version'",
             dict);
    path = old_index("v3", sql);
    n = deflate_imrd(text, record, dict, 7, blob, sizeof(blob));

    /* read-only: read as it is */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_index_unpack(ix, blob, n, &t, &r, err), IMR_OK);
    assert_string_equal(t, text);
    assert_string_equal(r, record);
    free(t);
    free(r);
    /* the wrong dictionary is detected (zlib checks its adler32) */
    blob[4] = 8;
    check_bad(ix, blob, n, "no dictionary 8");
    blob[4] = 7;
    imr_index_close(ix);

    /* a writer migrates it and does not pack with the deflate dictionary */
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDWR, &ix, err),
                     IMR_OK);
    assert_int_equal(imr_index_begin(ix, err), IMR_OK);
    assert_int_equal(imr_index_dict_id(ix), 0);
    for (i = 0; i < N_LETTERS; i++)
        recs[i] = letter((int)i);
    assert_int_equal(imr_index_train(ix, recs, N_LETTERS, err), IMR_OK);
    assert_true(imr_index_dict_id(ix) > 7);
    assert_int_equal(imr_index_put(ix, recs[2], NULL, err), IMR_OK);
    assert_int_equal(imr_index_commit(ix, err), IMR_OK);
    assert_int_equal(imr_index_unpack(ix, blob, n, &t, NULL, err), IMR_OK);
    assert_string_equal(t, text);
    free(t);
    imr_index_close(ix);
    run_sql(path, "UPDATE pack_dicts SET data = CAST(upper(CAST(data AS"
            " TEXT)) AS BLOB) WHERE id = 7");
    assert_int_equal(imr_index_open(path, IMR_INDEX_RDONLY, &ix, err),
                     IMR_OK);
    assert_int_equal(sqlite3_exec(imr_index_db(ix), "SELECT 1 FROM meta"
                     " WHERE key = 'schema_version' AND value = '4'",
                     count_row, &rows, NULL), SQLITE_OK);
    assert_int_equal(rows, 1);
    check_bad(ix, blob, n, "not the one it was packed with");
    imr_index_close(ix);
    free_letters(recs, N_LETTERS);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_dictionary),
        cmocka_unit_test(test_old_blob),
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_deferred_indexes),
        cmocka_unit_test(test_schema_2),
        cmocka_unit_test(test_schema_3),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
