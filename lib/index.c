/* The SQLite index: open/create with a version check, the writer of
 * records (tables + external-content FTS5 rows), file bookkeeping for
 * incremental builds, and statistics. One handle = one connection, used
 * by one thread at a time. */
#include "imr/index.h"
#include "imr/buf.h"
#include "imr/imr.h"
#include "json_out.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zdict.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* determinations.text of a packed letter: a magic, the byte lengths of
 * the text and of the record JSON (32-bit little endian), then one
 * compressed stream of the text followed by the record: the record
 * repeats the rationales and citations of the text, so it costs little
 * after it. determinations.record is '' then.
 *   "IMRS" id tl rl frame           one zstd frame (content size and
 *                                   checksum in it), compressed with the
 *                                   zstd dictionary pack_dicts.id = id,
 *                                   or with none when id is 0: what this
 *                                   version writes (schema 4)
 *   "IMRZ" tl rl stream             zlib, no dictionary (schema 2-3)
 *   "IMRD" id tl rl stream          zlib with pack_dicts.id as its preset
 *                                   dictionary (schema 3); read only
 * The zlib and zstd frames name their dictionary too (adler32, dictID),
 * so a wrong dictionary is detected. */
#define PACK_MAGIC "IMRZ"
#define PACK_MAGIC_D "IMRD"
#define PACK_MAGIC_S "IMRS"
#define PACK_HEAD 12
#define PACK_HEAD_D 16
/* zstd level 6 with a 110 KB dictionary trained on 1,024 letters packs
 * text + record 14.6x at 35 us a letter (deflate 3 with its 32 KB
 * dictionary: 5.8x at 80 us; docs/benchmarks.md round 7). The level's
 * match finder is replaced: greedy matching over up to 16 candidates,
 * matches of 6 bytes or more, instead of lazy matching over 8 candidates
 * and 4 bytes. Packing 600 letters (the record's JSON included) then
 * takes 18% fewer instructions and 2.2% fewer bytes (docs/benchmarks.md
 * round 15). */
#define PACK_LEVEL 6
static const struct {
    ZSTD_cParameter p;
    int v;
} pack_params[] = {
    {ZSTD_c_compressionLevel, PACK_LEVEL},
    {ZSTD_c_strategy, ZSTD_greedy},
    {ZSTD_c_searchLog, 4}, {ZSTD_c_minMatch, 6},
    {ZSTD_c_checksumFlag, 1},
};
#define DICT_CACHE 4     /* dictionaries a reading handle keeps */
/* zstd expands at most 128 KB per 4-byte block (an RLE block) */
#define PACK_MAX_RATIO 32768

/* The zstd state of one thread and the dictionary it packs with. */
struct imr_packer {
    ZSTD_CCtx *cc;               /* its parameters and dictionary set */
    long long dict_id;           /* pack_dicts.id, 0: none */
    unsigned char *src;          /* text + record, reused */
    size_t src_cap;
};

/* A dictionary read back for unpacking. */
struct dict_ent {
    long long id;
    unsigned char *data;
    size_t len;
    ZSTD_DDict *dd;              /* for "IMRS" blobs; made on first use */
};

/* Every statement the index reuses, prepared on first use. */
enum stmt_id {
    ST_FIND, ST_INS_DET, ST_INS_ITEM, ST_INS_CIT, ST_INS_CP, ST_INS_DIAG,
    ST_INS_SPEC, ST_INS_LIC, ST_INS_FTS, ST_DEL_FTS, ST_DEL_DET,
    ST_FILE_GET, ST_FILE_PUT, ST_FILE_DEL, ST_FLUSH_FTS, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_FIND] = "SELECT id, source FROM determinations WHERE ext_id = ?1",
    [ST_INS_DET] =
        "INSERT INTO determinations(ext_id, case_number, format, program,"
        " source, date_assigned, date_injury, date_decision,"
        " date_ur_denial, date_received, year, age, gender, outcome,"
        " summary, text, record, type, age_range, diag_category,"
        " diag_subcategory) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    [ST_INS_ITEM] =
        "INSERT INTO items(det_id, n, treatment, decision, category,"
        " subcategory, rationale, id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8)",
    [ST_INS_CIT] =
        "INSERT INTO citations(item_id, by, guideline, document, chapter,"
        " edition, sections, text) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_INS_CP] =
        "INSERT INTO citation_pages(citation_id, item_id, guideline,"
        " page_from, page_to) VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_INS_DIAG] =
        "INSERT INTO diagnoses(det_id, name, norm) VALUES(?1, ?2, ?3)",
    [ST_INS_SPEC] = "INSERT INTO specialties(det_id, name) VALUES(?1, ?2)",
    [ST_INS_LIC] = "INSERT INTO licensure(det_id, state) VALUES(?1, ?2)",
    /* The FTS rows are read back through the content view itself, so the
     * values indexed are exactly those snippet() and 'delete' see. */
    [ST_INS_FTS] =
        "INSERT INTO item_fts(rowid, treatment, rationale, diagnoses,"
        " summary) SELECT id, treatment, rationale, diagnoses, summary"
        " FROM item_fts_src WHERE id IN"
        " (SELECT id FROM items WHERE det_id = ?1)",
    [ST_DEL_FTS] =
        "INSERT INTO item_fts(item_fts, rowid, treatment, rationale,"
        " diagnoses, summary) SELECT 'delete', id, treatment, rationale,"
        " diagnoses, summary FROM item_fts_src WHERE id IN"
        " (SELECT id FROM items WHERE det_id = ?1 AND id < ?2)",
    [ST_DEL_DET] = "DELETE FROM determinations WHERE id = ?1",
    [ST_FILE_GET] =
        "SELECT path, hash, size, mtime, status, reason, det_id"
        " FROM files WHERE path = ?1",
    [ST_FILE_PUT] =
        "INSERT OR REPLACE INTO files(path, hash, size, mtime, status,"
        " reason, det_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_FILE_DEL] = "DELETE FROM files WHERE path = ?1",
    [ST_FLUSH_FTS] =
        "INSERT INTO item_fts(rowid, treatment, rationale, diagnoses,"
        " summary) SELECT id, treatment, rationale, diagnoses, summary"
        " FROM item_fts_src WHERE id >= ?1",
};

struct imr_index {
    sqlite3 *db;
    char *path;                       /* as opened, for messages */
    int flags;                        /* IMR_INDEX_RDONLY / _RDWR */
    sqlite3_stmt *st[ST_COUNT];       /* prepared on first use */
    /* During a build the FTS rows of new items are written in one
     * statement at imr_index_flush/commit: an FTS5 table joined to the
     * transaction flushes its pending terms at every statement savepoint,
     * which made a segment per letter. New items get ids >= fts_from
     * (assigned from next_item); items below it are in item_fts. */
    int in_build;
    long long fts_from;
    long long next_item;
    long long build_from;             /* the first item id of this build */
    int version;                      /* meta.schema_version as opened */
    /* The dictionary new letters are packed with (loaded by
     * imr_index_begin, set by imr_index_train), the writer's packer and
     * the dictionaries read back by imr_index_unpack. */
    unsigned char *dict;
    size_t dict_len;
    long long dict_id;
    struct imr_packer *pk;
    struct dict_ent dc[DICT_CACHE];
    size_t n_dc;
    ZSTD_DCtx *dctx;                  /* for "IMRS" blobs; made on first use */
    /* A fresh build (the index was empty) creates these indexes at
     * commit instead of updating them row by row: their CREATE SQL. */
    char *deferred;
};

static const char *const status_names[] = {
    [IMR_FILE_INDEXED] = "indexed",
    [IMR_FILE_REJECTED] = "rejected",
    [IMR_FILE_DUPLICATE] = "duplicate",
};

/* ---- hashing ---------------------------------------------------------- */

uint64_t imr_hash64(const void *data, size_t len)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    const unsigned char *p = data;
    uint64_t h = 0x1f0d3804a8c2b7e5ULL ^ (len * m);
    size_t i, nblocks = len / 8;
    uint64_t k;
    int j;

    for (i = 0; i < nblocks; i++, p += 8) {
        k = 0;
        for (j = 7; j >= 0; j--)        /* little-endian on every host */
            k = (k << 8) | p[j];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    k = 0;
    for (j = (int)(len & 7) - 1; j >= 0; j--)
        k = (k << 8) | p[j];
    if (len & 7) {
        h ^= k;
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

void imr_hash64_hex(const void *data, size_t len,
                    char out[IMR_HASH_HEX_LEN + 1])
{
    snprintf(out, IMR_HASH_HEX_LEN + 1, "%016llx",
             (unsigned long long)imr_hash64(data, len));
}

/* ---- helpers ---------------------------------------------------------- */

/* Copies the connection's message into ERR; returns IMR_EDB (or
 * IMR_EBUSY when SQLite says the database is locked). */
static int db_err(struct imr_index *ix, char *err, const char *what)
{
    int code = sqlite3_errcode(ix->db);
    int rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? IMR_EBUSY
                                                              : IMR_EDB;

    return imr_seterr(err, rc, "%s: %s: %s", ix->path, what,
                      sqlite3_errmsg(ix->db));
}

/* Returns the statement ID reset and unbound, preparing it if needed. */
static int get_stmt(struct imr_index *ix, enum stmt_id id,
                    sqlite3_stmt **out, char *err)
{
    *out = NULL;
    if (ix->st[id] == NULL) {
        if (sqlite3_prepare_v3(ix->db, stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &ix->st[id],
                               NULL) != SQLITE_OK)
            return db_err(ix, err, "prepare");
    } else {
        sqlite3_reset(ix->st[id]);
        sqlite3_clear_bindings(ix->st[id]);
    }
    *out = ix->st[id];
    return IMR_OK;
}

/* Binds S as text, or NULL when S is NULL. */
static int bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void put_u32(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)((v >> 24) & 0xff);
}

static size_t get_u32(const unsigned char *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
           (size_t)p[3] << 24;
}

/* ---- packing ---------------------------------------------------------- */

int imr_packer_new(struct imr_index *ix, struct imr_packer **out,
                   char *err)
{
    struct imr_packer *pk = calloc(1, sizeof(*pk));
    size_t i, r = 0;

    *out = NULL;
    if (pk == NULL || (pk->cc = ZSTD_createCCtx()) == NULL) {
        free(pk);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    for (i = 0; i < sizeof(pack_params) / sizeof(pack_params[0]) &&
         !ZSTD_isError(r); i++)
        r = ZSTD_CCtx_setParameter(pk->cc, pack_params[i].p,
                                   pack_params[i].v);
    /* a copy; zstd digests it for these parameters once, at the first
     * letter, in the thread that packs */
    if (!ZSTD_isError(r) && ix != NULL && ix->dict_id > 0) {
        r = ZSTD_CCtx_loadDictionary(pk->cc, ix->dict, ix->dict_len);
        pk->dict_id = ix->dict_id;
    }
    if (ZSTD_isError(r)) {
        imr_packer_free(pk);
        return imr_seterr(err, IMR_ENOMEM, "zstd: %s",
                          ZSTD_getErrorName(r));
    }
    *out = pk;
    return IMR_OK;
}

void imr_packer_free(struct imr_packer *pk)
{
    if (pk == NULL)
        return;
    ZSTD_freeCCtx(pk->cc);
    free(pk->src);
    free(pk);
}

/* Packs TEXT and RECORD into a new buffer *OUT of *N bytes (free()).
 * IMR_OK, IMR_ENOMEM, or IMR_ELIMIT for parts over 4 GB. */
static int pack_letter(struct imr_packer *pk, const char *text,
                       const char *record, unsigned char **out, size_t *n)
{
    size_t tl = strlen(text), rl = strlen(record), cap, zn;
    unsigned char *buf;

    *out = NULL;
    *n = 0;
    if (tl > UINT32_MAX || rl > UINT32_MAX || tl + rl > UINT32_MAX)
        return IMR_ELIMIT;
    if (tl + rl > pk->src_cap) {        /* one input: text then record */
        unsigned char *src = realloc(pk->src, tl + rl);

        if (src == NULL)
            return IMR_ENOMEM;
        pk->src = src;
        pk->src_cap = tl + rl;
    }
    memcpy(pk->src, text, tl);
    memcpy(pk->src + tl, record, rl);
    cap = ZSTD_compressBound(tl + rl);
    if ((buf = malloc(PACK_HEAD_D + cap)) == NULL)
        return IMR_ENOMEM;
    memcpy(buf, PACK_MAGIC_S, 4);
    put_u32(buf + 4, (size_t)pk->dict_id);
    put_u32(buf + 8, tl);
    put_u32(buf + 12, rl);
    zn = ZSTD_compress2(pk->cc, buf + PACK_HEAD_D, cap, pk->src, tl + rl);
    if (ZSTD_isError(zn)) {
        /* the bound always fits: only an allocation can fail (the next
         * ZSTD_compress2 starts a new frame anyway) */
        free(buf);
        return IMR_ENOMEM;
    }
    *n = PACK_HEAD_D + zn;
    *out = buf;
    return IMR_OK;
}

/* Packs a record; see index.h. */
int imr_packer_pack(struct imr_packer *pk, const struct imr_record *rec,
                    unsigned char **blob, size_t *n, char *err)
{
    json_t *js = NULL;
    char *record = NULL;
    int rc;

    *blob = NULL;
    *n = 0;
    js = imr_record_to_json(rec, 0);
    if (js == NULL || (record = imr_json_compact_utf8(js)) == NULL) {
        json_decref(js);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    rc = pack_letter(pk, rec->text ? rec->text : "", record, blob, n);
    if (rc != IMR_OK)
        imr_seterr(err, rc, rc == IMR_ELIMIT ? "letter too large" :
                   "out of memory");
    free(record);
    json_decref(js);
    return rc;
}

/* Finds dictionary ID for unpacking: cached, or read from pack_dicts
 * (the writer's own too: it is there once trained) and cached.
 * IMR_OK with *OUT, IMR_EINVAL (no such dictionary), IMR_EDB,
 * IMR_ENOMEM. */
static int get_dict(struct imr_index *ix, long long id,
                    struct dict_ent **out, char *err)
{
    sqlite3_stmt *st = NULL;
    struct dict_ent e;
    size_t i;
    int rc;

    *out = NULL;
    if (ix == NULL)
        return imr_seterr(err, IMR_EINVAL, "packed with dictionary %lld,"
                          " read without its index", id);
    for (i = 0; i < ix->n_dc; i++) {
        if (ix->dc[i].id == id) {
            *out = &ix->dc[i];
            return IMR_OK;
        }
    }
    if (sqlite3_prepare_v2(ix->db, "SELECT data FROM pack_dicts WHERE"
                           " id = ?1", -1, &st, NULL) != SQLITE_OK)
        return imr_seterr(err, IMR_EINVAL, "%s: dictionary %lld: %s",
                          ix->path, id, sqlite3_errmsg(ix->db));
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE
             ? imr_seterr(err, IMR_EINVAL, "%s: no dictionary %lld",
                          ix->path, id)
             : db_err(ix, err, "dictionary");
        sqlite3_finalize(st);
        return rc;
    }
    memset(&e, 0, sizeof(e));
    e.id = id;
    e.len = (size_t)sqlite3_column_bytes(st, 0);
    e.data = malloc(e.len + 1);
    if (e.data == NULL) {
        sqlite3_finalize(st);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    if (e.len > 0)
        memcpy(e.data, sqlite3_column_blob(st, 0), e.len);
    sqlite3_finalize(st);
    if (ix->n_dc == DICT_CACHE) {          /* drop the oldest */
        free(ix->dc[0].data);
        ZSTD_freeDDict(ix->dc[0].dd);
        memmove(ix->dc, ix->dc + 1, (DICT_CACHE - 1) * sizeof(ix->dc[0]));
        ix->n_dc--;
    }
    ix->dc[ix->n_dc] = e;
    *out = &ix->dc[ix->n_dc++];
    return IMR_OK;
}

/* Forgets the dictionaries read back (a rolled back build may have
 * made one) and the writer's. */
static void dict_forget(struct imr_index *ix)
{
    size_t i;

    for (i = 0; i < ix->n_dc; i++) {
        free(ix->dc[i].data);
        ZSTD_freeDDict(ix->dc[i].dd);
    }
    ix->n_dc = 0;
    free(ix->dict);
    ix->dict = NULL;
    ix->dict_len = 0;
    ix->dict_id = 0;
    imr_packer_free(ix->pk);
    ix->pk = NULL;
}

/* Inflates the zlib stream of an "IMRZ"/"IMRD" blob (ID: its dictionary,
 * 0: none) into BUF of OUT_LEN bytes. IMR_OK, IMR_EINVAL, IMR_EDB,
 * IMR_ENOMEM. */
static int unpack_zlib(struct imr_index *ix, long long id,
                       const unsigned char *in, size_t in_len, char *buf,
                       size_t out_len, char *err)
{
    struct dict_ent *d = NULL;
    z_stream z;
    int rc = IMR_OK, zrc;

    if (id > 0 && (rc = get_dict(ix, id, &d, err)) != IMR_OK)
        return rc;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)out_len;
    zrc = inflate(&z, Z_FINISH);
    if (zrc == Z_NEED_DICT) {
        if (d == NULL)
            rc = imr_seterr(err, IMR_EINVAL, "corrupt packed letter: it"
                            " needs a dictionary its header does not"
                            " name");
        else if (inflateSetDictionary(&z, d->data, (uInt)d->len) != Z_OK)
            rc = imr_seterr(err, IMR_EINVAL, "packed letter: dictionary"
                            " %lld is not the one it was packed with",
                            id);
        else
            zrc = inflate(&z, Z_FINISH);
    }
    if (rc == IMR_OK && (zrc != Z_STREAM_END || z.total_out != out_len ||
                         z.avail_in != 0))
        rc = imr_seterr(err, IMR_EINVAL, "corrupt packed letter: %s",
                        zrc == Z_STREAM_END ? "wrong length"
                        : z.msg ? z.msg : "truncated");
    inflateEnd(&z);
    return rc;
}

/* Decompresses the zstd frame of an "IMRS" blob (ID: its dictionary,
 * 0: none) into BUF of OUT_LEN bytes, with IX's context (a passing one
 * when IX is NULL). IMR_OK, IMR_EINVAL, IMR_EDB, IMR_ENOMEM. */
static int unpack_zstd(struct imr_index *ix, long long id,
                       const unsigned char *in, size_t in_len, char *buf,
                       size_t out_len, char *err)
{
    struct dict_ent *d = NULL;
    ZSTD_DCtx *dc;
    size_t r;
    int rc;

    if (id > 0) {
        if ((rc = get_dict(ix, id, &d, err)) != IMR_OK)
            return rc;
        if (d->dd == NULL &&
            (d->dd = ZSTD_createDDict(d->data, d->len)) == NULL)
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    if (ix != NULL && ix->dctx == NULL &&
        (ix->dctx = ZSTD_createDCtx()) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    dc = ix != NULL ? ix->dctx : ZSTD_createDCtx();
    if (dc == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    r = d != NULL
        ? ZSTD_decompress_usingDDict(dc, buf, out_len, in, in_len, d->dd)
        : ZSTD_decompressDCtx(dc, buf, out_len, in, in_len);
    if (ix == NULL)
        ZSTD_freeDCtx(dc);
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_dictionary_wrong && id == 0)
            return imr_seterr(err, IMR_EINVAL, "corrupt packed letter: it"
                              " needs a dictionary its header does not"
                              " name");
        if (ZSTD_getErrorCode(r) == ZSTD_error_dictionary_wrong)
            return imr_seterr(err, IMR_EINVAL, "packed letter: dictionary"
                              " %lld is not the one it was packed with",
                              id);
        if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        return imr_seterr(err, IMR_EINVAL, "corrupt packed letter: %s",
                          ZSTD_getErrorName(r));
    }
    if (r != out_len)
        return imr_seterr(err, IMR_EINVAL, "corrupt packed letter: wrong"
                          " length");
    return IMR_OK;
}

/* Unpacks a determinations.text blob; see index.h. */
int imr_index_unpack(struct imr_index *ix, const void *blob, size_t n,
                     char **text, char **record, char *err)
{
    const unsigned char *p = blob;
    size_t tl, rl, head, ratio = 1032;   /* deflate: 1032:1 at most */
    long long id = 0;
    int zstd = 0, rc;
    char *buf = NULL;

    *text = NULL;
    if (record != NULL)
        *record = NULL;
    if (n >= PACK_HEAD && memcmp(p, PACK_MAGIC, 4) == 0) {
        head = PACK_HEAD;
    } else if (n >= PACK_HEAD_D && (memcmp(p, PACK_MAGIC_D, 4) == 0 ||
                                    memcmp(p, PACK_MAGIC_S, 4) == 0)) {
        head = PACK_HEAD_D;
        id = (long long)get_u32(p + 4);
        zstd = p[3] == 'S';
        if (zstd)
            ratio = PACK_MAX_RATIO;
    } else {
        return imr_seterr(err, IMR_EINVAL, "not a packed letter (no"
                          " IMRS/IMRZ/IMRD header)");
    }
    tl = get_u32(p + head - 8);
    rl = get_u32(p + head - 4);
    /* a larger claim than the format can hold is corrupt */
    if (tl + rl > (n - head) * ratio + 64)
        return imr_seterr(err, IMR_EINVAL, "corrupt packed letter: %zu"
                          " bytes cannot hold %zu", n - head, tl + rl);
    if (zstd && ZSTD_getFrameContentSize(p + head, n - head) != tl + rl)
        return imr_seterr(err, IMR_EINVAL, "corrupt packed letter: not a"
                          " zstd frame of %zu bytes", tl + rl);
    if ((buf = malloc(tl + rl + 2)) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    rc = zstd ? unpack_zstd(ix, id, p + head, n - head, buf, tl + rl, err)
         : unpack_zlib(ix, id, p + head, n - head, buf, tl + rl, err);
    if (rc != IMR_OK) {
        free(buf);
        return rc;
    }
    /* text NUL record NUL, in one allocation; the record is copied */
    memmove(buf + tl + 1, buf + tl, rl);
    buf[tl] = '\0';
    buf[tl + 1 + rl] = '\0';
    if (record != NULL) {
        *record = strdup(buf + tl + 1);
        if (*record == NULL) {
            free(buf);
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        }
    }
    *text = buf;
    return IMR_OK;
}

/* ---- the zstd dictionary ---------------------------------------------- */

/* Trains and stores the dictionary; see index.h. */
int imr_index_train(struct imr_index *ix, struct imr_record *const *recs,
                    size_t n, char *err)
{
    unsigned char *all = NULL, *d = NULL, *grown;
    size_t *sizes = NULL, len = 0, used = 0, cap = 0, i, k, m = 0;
    sqlite3_stmt *st = NULL;
    char *record;
    json_t *js;
    int rc = IMR_OK;

    if (!ix->in_build)
        return imr_seterr(err, IMR_EINVAL, "%s: train outside a build",
                          ix->path);
    if (ix->dict_id > 0 || n < IMR_INDEX_DICT_MIN_SAMPLES)
        return IMR_OK;
    if ((sizes = calloc(n, sizeof(*sizes))) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    /* the samples one after another, each as it is packed: text then
     * record JSON */
    for (i = 0; i < n; i++) {
        const char *text = recs[i]->text ? recs[i]->text : "";
        size_t tl = strlen(text), rl;

        /* one letter in two files (PDF and text) counts once */
        for (k = 0; k < i; k++)
            if (recs[k]->id != NULL && recs[i]->id != NULL &&
                strcmp(recs[k]->id, recs[i]->id) == 0)
                break;
        if (k < i)
            continue;
        js = imr_record_to_json(recs[i], 0);
        record = js ? imr_json_compact_utf8(js) : NULL;
        json_decref(js);
        if (record == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        rl = strlen(record);
        if (used + tl + rl > cap) {
            cap = (used + tl + rl) * 2;
            if ((grown = realloc(all, cap)) == NULL) {
                free(record);
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto done;
            }
            all = grown;
        }
        memcpy(all + used, text, tl);
        memcpy(all + used + tl, record, rl);
        free(record);
        used += tl + rl;
        sizes[m++] = tl + rl;
    }
    if (m < IMR_INDEX_DICT_MIN_SAMPLES)
        goto done;
    if ((d = malloc(IMR_INDEX_DICT_MAX)) == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    len = ZDICT_trainFromBuffer(d, IMR_INDEX_DICT_MAX, all, sizes,
                                (unsigned)m);
    /* too little to learn from (a few short letters): none; a later
     * build trains again */
    if (ZDICT_isError(len) || len < 256)
        goto done;
    if (sqlite3_prepare_v2(ix->db, "INSERT INTO pack_dicts(data, letters,"
                           " created_at) VALUES(?1, ?2, strftime("
                           "'%Y-%m-%dT%H:%M:%SZ', 'now'))", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = db_err(ix, err, "dictionary");
        goto done;
    }
    sqlite3_bind_blob(st, 1, d, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (long long)m);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(ix, err, "dictionary");
        goto done;
    }
    free(ix->dict);
    ix->dict = d;
    ix->dict_len = len;
    ix->dict_id = sqlite3_last_insert_rowid(ix->db);
    d = NULL;
done:
    sqlite3_finalize(st);
    free(all);
    free(sizes);
    free(d);
    return rc;
}

long long imr_index_dict_id(const struct imr_index *ix)
{
    return ix->dict_id;
}

/* Loads the newest dictionary of the index as the one to pack with.
 * IMR_OK (also when there is none), IMR_EDB, IMR_ENOMEM. */
static int dict_load(struct imr_index *ix, char *err)
{
    sqlite3_stmt *st = NULL;
    size_t len;
    int rc;

    dict_forget(ix);
    if (sqlite3_prepare_v2(ix->db, "SELECT id, data FROM pack_dicts"
                           " ORDER BY id DESC LIMIT 1", -1, &st, NULL)
        != SQLITE_OK)
        return db_err(ix, err, "dictionary");
    rc = sqlite3_step(st);
    /* a deflate dictionary of schema 3 is for reading its letters only:
     * the next build trains a zstd one */
    if (rc == SQLITE_ROW &&
        ZSTD_getDictID_fromDict(sqlite3_column_blob(st, 1),
                                (size_t)sqlite3_column_bytes(st, 1)) != 0) {
        len = (size_t)sqlite3_column_bytes(st, 1);
        if ((ix->dict = malloc(len + 1)) == NULL) {
            sqlite3_finalize(st);
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        }
        if (len > 0)
            memcpy(ix->dict, sqlite3_column_blob(st, 1), len);
        ix->dict_len = len;
        ix->dict_id = sqlite3_column_int64(st, 0);
    } else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        rc = db_err(ix, err, "dictionary");
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    return IMR_OK;
}

/* Steps a statement that returns no row; IMR_OK or IMR_EDB. */
static int step_done(struct imr_index *ix, sqlite3_stmt *st, char *err,
                     const char *what)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE) {
        rc = db_err(ix, err, what);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return IMR_OK;
}

/* Runs SQL that needs no parameters. */
static int exec_sql(struct imr_index *ix, const char *sql, char *err)
{
    char *msg = NULL;
    int rc;

    if (sqlite3_exec(ix->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return IMR_OK;
    rc = sqlite3_errcode(ix->db);
    rc = imr_seterr(err, (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    ? IMR_EBUSY : IMR_EDB, "%s: %s", ix->path,
                    msg ? msg : sqlite3_errmsg(ix->db));
    sqlite3_free(msg);
    return rc;
}

/* Runs a one-row, one-integer query; -1 when it yields no row. */
static int query_int(struct imr_index *ix, const char *sql, long long *out,
                     char *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = -1;
    if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(ix, err, "prepare");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE) {
        rc = db_err(ix, err, "query");
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    return IMR_OK;
}

/* ---- open / close ----------------------------------------------------- */

/* FTS5 keeps up to 64 MB of pending terms (stored in item_fts_config):
 * a build's bulk inserts write one segment each instead of one per MB,
 * so less merging (100k: 1.4 s less CPU, same size). */
static const char fts_hashsize_sql[] =
    "INSERT INTO item_fts(item_fts, rank) VALUES('hashsize', 67108864)";

/* Creates the schema in an empty database (inside its own transaction,
 * re-checking emptiness so two creators cannot race). */
static int create_schema(struct imr_index *ix, char *err)
{
    long long n;
    int rc;

    if ((rc = exec_sql(ix, "BEGIN IMMEDIATE", err)) != IMR_OK)
        return rc;
    rc = query_int(ix, "SELECT count(*) FROM sqlite_master", &n, err);
    if (rc == IMR_OK && n == 0) {
        rc = exec_sql(ix, imr_index_schema_sql(), err);
        if (rc == IMR_OK) {
            char sql[256];

            snprintf(sql, sizeof(sql),
                     "INSERT INTO meta(key, value) VALUES"
                     "('schema_version', '%d'), ('letters', '0'),"
                     "('created_at', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ',"
                     " 'now'))", IMR_INDEX_SCHEMA_VERSION);
            rc = exec_sql(ix, sql, err);
        }
        if (rc == IMR_OK)
            rc = exec_sql(ix, fts_hashsize_sql, err);
    }
    if (rc != IMR_OK) {
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec_sql(ix, "COMMIT", err);
}

/* Schema 1 -> 2: the DMHC columns and indexes. */
static const char migrate_v1_sql[] =
    "ALTER TABLE determinations ADD COLUMN type TEXT;"
    "ALTER TABLE determinations ADD COLUMN age_range TEXT;"
    "ALTER TABLE determinations ADD COLUMN diag_category TEXT;"
    "ALTER TABLE determinations ADD COLUMN diag_subcategory TEXT;"
    "CREATE INDEX det_program ON determinations(program);"
    "CREATE INDEX det_type ON determinations(type);"
    "CREATE INDEX det_source ON determinations(source);";

/* Schema 2 -> 3: the deflate dictionaries of packed letters (a schema 2
 * index holds none: its letters stay "IMRZ" or TEXT, read as they are). */
static const char migrate_v2_sql[] =
    "CREATE TABLE pack_dicts(id INTEGER PRIMARY KEY,"
    " data BLOB NOT NULL, letters INTEGER NOT NULL,"
    " created_at TEXT NOT NULL);";

/* Migrates a schema 1, 2 or 3 index to IMR_INDEX_SCHEMA_VERSION in one
 * transaction, keeping every letter. Schema 3 -> 4 changes no table: a
 * version 4 program packs with zstd ("IMRS"), which a version 3 program
 * cannot read, so the number tells it to refuse the index. */
static int migrate(struct imr_index *ix, char *err)
{
    char sql[160];
    long long version = 0;
    int rc;

    if ((rc = exec_sql(ix, "BEGIN IMMEDIATE", err)) != IMR_OK)
        return rc;
    /* Re-read under the lock: another writer may have migrated it. */
    rc = query_int(ix, "SELECT CAST(value AS INTEGER) FROM meta"
                   " WHERE key = 'schema_version'", &version, err);
    if (rc == IMR_OK && version == 1)
        rc = exec_sql(ix, migrate_v1_sql, err);
    if (rc == IMR_OK && (version == 1 || version == 2))
        rc = exec_sql(ix, migrate_v2_sql, err);
    if (rc == IMR_OK && (version == 1 || version == 2))
        rc = exec_sql(ix, fts_hashsize_sql, err);
    if (rc == IMR_OK && version >= 1 && version <= 3) {
        snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' WHERE"
                 " key = 'schema_version'", IMR_INDEX_SCHEMA_VERSION);
        rc = exec_sql(ix, sql, err);
        if (rc == IMR_OK)
            rc = exec_sql(ix, "INSERT OR REPLACE INTO meta(key, value)"
                          " VALUES('migrated_at', strftime("
                          "'%Y-%m-%dT%H:%M:%SZ', 'now'))", err);
    }
    if (rc != IMR_OK) {
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec_sql(ix, "COMMIT", err);
}

/* Checks meta.schema_version; creates the schema first when the database
 * is empty and writable; migrates schema 1 and 2 when writable. */
static int check_schema(struct imr_index *ix, char *err)
{
    long long n, version;
    int rc;

    rc = query_int(ix, "SELECT count(*) FROM sqlite_master", &n, err);
    if (rc != IMR_OK)
        return rc;
    if (n == 0) {
        if (ix->flags & IMR_INDEX_RDWR) {
            if ((rc = create_schema(ix, err)) != IMR_OK)
                return rc;
        } else {
            return imr_seterr(err, IMR_ESCHEMA, "%s: empty, not an index:"
                              " build it with `imr-index build --db %s"
                              " PATH...`", ix->path, ix->path);
        }
    }
    rc = query_int(ix, "SELECT count(*) FROM sqlite_master WHERE"
                   " type = 'table' AND name = 'meta'", &n, err);
    if (rc != IMR_OK)
        return rc;
    if (n == 0)
        return imr_seterr(err, IMR_ESCHEMA, "%s: not an imr-search index"
                          " (no meta table): remove it or choose another"
                          " --db file", ix->path);
    rc = query_int(ix, "SELECT CAST(value AS INTEGER) FROM meta"
                   " WHERE key = 'schema_version'", &version, err);
    if (rc != IMR_OK)
        return rc;
    /* Version 2 differs only by the dictionaries table, which its
     * letters do not use, version 3 only by the letters' format, which
     * is still read: read-only programs read them as they are. */
    if ((version == 2 || version == 3) && !(ix->flags & IMR_INDEX_RDWR)) {
        ix->version = (int)version;
        return IMR_OK;
    }
    if (version >= 1 && version <= 3) {
        if (!(ix->flags & IMR_INDEX_RDWR))
            return imr_seterr(err, IMR_ESCHEMA, "%s: index schema version"
                              " 1, this program needs %d: run `imr-index"
                              " build --db %s PATH...` once (it migrates"
                              " the index in place, keeping its letters)",
                              ix->path, IMR_INDEX_SCHEMA_VERSION,
                              ix->path);
        if ((rc = migrate(ix, err)) != IMR_OK)
            return rc;
        version = IMR_INDEX_SCHEMA_VERSION;
    }
    if (version != IMR_INDEX_SCHEMA_VERSION)
        return imr_seterr(err, IMR_ESCHEMA, "%s: index schema version %lld,"
                          " this program needs %d: remove the file and run"
                          " `imr-index build --db %s PATH...` again",
                          ix->path, version, IMR_INDEX_SCHEMA_VERSION,
                          ix->path);
    ix->version = (int)version;
    return IMR_OK;
}

int imr_index_open(const char *path, int flags, struct imr_index **out,
                   char *err)
{
    struct imr_index *ix = NULL;
    int oflags, rc;

    *out = NULL;
    ix = calloc(1, sizeof(*ix));
    if (ix == NULL || (ix->path = strdup(path)) == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto fail;
    }
    ix->flags = flags;
    oflags = SQLITE_OPEN_NOMUTEX | ((flags & IMR_INDEX_RDWR)
             ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
             : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(path, &ix->db, oflags, NULL) != SQLITE_OK) {
        rc = imr_seterr(err, IMR_EIO, "%s: cannot open: %s", path,
                        ix->db ? sqlite3_errmsg(ix->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(ix->db, 0);
    sqlite3_busy_timeout(ix->db, 10000);
    if (flags & IMR_INDEX_RDWR) {
        /* 16 KB pages (effective only for a new file, before WAL): the
         * packed letters of a few KB share pages instead of leaving a
         * third of each 4 KB page empty */
        rc = exec_sql(ix, (flags & IMR_INDEX_FRESH)
                      ? "PRAGMA page_size = 16384;"
                        " PRAGMA journal_mode = OFF;"
                        " PRAGMA synchronous = OFF;"
                        " PRAGMA foreign_keys = ON;"
                      : "PRAGMA page_size = 16384;"
                        " PRAGMA journal_mode = WAL;"
                        " PRAGMA foreign_keys = ON;", err);
        if (rc != IMR_OK)
            goto fail;
    }
    if ((rc = check_schema(ix, err)) != IMR_OK)
        goto fail;
    *out = ix;
    return IMR_OK;
fail:
    imr_index_close(ix);
    return rc;
}

/* fsync()s the file or folder at PATH: 0, or -1 with errno. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags), r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    if (close(fd) != 0)
        r = -1;
    return r;
}

int imr_index_publish(const char *tmp, const char *path, char *err)
{
    char *dir = strdup(path), *slash;
    int rc = IMR_OK;

    if (dir == NULL) {
        unlink(tmp);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
    if (sync_path(tmp, O_RDONLY) != 0)
        rc = imr_seterr(err, IMR_EIO, "%s: cannot sync: %s", tmp,
                        strerror(errno));
    else if (link(tmp, path) != 0)
        rc = errno == EEXIST
             ? imr_seterr(err, IMR_EBUSY, "%s was created by another"
                          " process during this build (another build?);"
                          " these letters were not added: run the build"
                          " again", path)
             : imr_seterr(err, IMR_EIO, "%s: cannot create: %s", path,
                          strerror(errno));
    unlink(tmp);
    /* the new name lasts once the folder is on disk too */
    if (rc == IMR_OK && sync_path(dir, O_RDONLY | O_DIRECTORY) != 0)
        rc = imr_seterr(err, IMR_EIO, "%s: cannot sync: %s", dir,
                        strerror(errno));
    free(dir);
    return rc;
}

void imr_index_close(struct imr_index *ix)
{
    int i;

    if (ix == NULL)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(ix->st[i]);
    dict_forget(ix);
    ZSTD_freeDCtx(ix->dctx);
    free(ix->deferred);
    if (ix->db != NULL && !sqlite3_get_autocommit(ix->db))
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(ix->db);
    free(ix->path);
    free(ix);
}

sqlite3 *imr_index_db(struct imr_index *ix)
{
    return ix->db;
}

/* ---- transactions ----------------------------------------------------- */

/* The secondary indexes a fresh build creates at commit: their rows come
 * in no order (low-cardinality or random keys), so one sorted CREATE
 * INDEX at the end is faster than updating them per row, and packs their
 * pages full. The indexes a build itself reads (ext_id, files.path,
 * the *_det ones of the cascades and of item_fts_src) stay. */
static const char deferred_sql[] =
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN"
    " ('det_date', 'det_year', 'det_program', 'det_type',"
    " 'items_decision', 'items_category', 'cit_guideline', 'cp_lookup',"
    " 'diag_norm', 'spec_name', 'lic_state') AND sql IS NOT NULL";

/* In an empty index: drops the deferred indexes, keeping their CREATE
 * statements in ix->deferred for imr_index_commit. */
static int defer_indexes(struct imr_index *ix, char *err)
{
    struct imr_buf create = IMR_BUF_INIT, drop = IMR_BUF_INIT;
    sqlite3_stmt *st = NULL;
    long long fresh = 0;
    int rc;

    rc = query_int(ix, "SELECT NOT EXISTS (SELECT 1 FROM determinations)",
                   &fresh, err);
    if (rc != IMR_OK || fresh != 1)
        return rc;
    if (sqlite3_prepare_v2(ix->db, deferred_sql, -1, &st, NULL)
        != SQLITE_OK)
        return db_err(ix, err, "prepare");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        imr_buf_addf(&create, "%s;", (const char *)
                       sqlite3_column_text(st, 1));
        imr_buf_addf(&drop, "DROP INDEX \"%s\";", (const char *)
                       sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        rc = db_err(ix, err, "indexes");
    else if (imr_buf_error(&create) || imr_buf_error(&drop))
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
    else if (drop.n == 0)
        rc = IMR_OK;
    else if ((rc = exec_sql(ix, drop.p, err)) == IMR_OK &&
             (ix->deferred = imr_buf_take(&create)) == NULL)
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
    imr_buf_free(&create);
    imr_buf_free(&drop);
    return rc;
}

/* BEGIN IMMEDIATE, saying who may hold the lock when another does. */
static int begin_write(struct imr_index *ix, char *err)
{
    int rc = exec_sql(ix, "BEGIN IMMEDIATE", err);

    if (rc == IMR_EBUSY)
        return imr_seterr(err, IMR_EBUSY, "%s: locked by another writer"
                          " (is another imr-index build running?)",
                          ix->path);
    return rc;
}

int imr_index_begin(struct imr_index *ix, char *err)
{
    int rc;

    if (!(ix->flags & IMR_INDEX_RDWR))
        return imr_seterr(err, IMR_EINVAL, "%s: opened read-only",
                          ix->path);
    rc = exec_sql(ix, (ix->flags & IMR_INDEX_FRESH)
                  ? "PRAGMA cache_size = -262144;"
                    " PRAGMA temp_store = MEMORY;"
                  : "PRAGMA synchronous = NORMAL;"
                    " PRAGMA cache_size = -262144;"
                    " PRAGMA temp_store = MEMORY;", err);
    if (rc != IMR_OK)
        return rc;
    if ((rc = begin_write(ix, err)) != IMR_OK)
        return rc;
    rc = query_int(ix, "SELECT coalesce(max(id), 0) + 1 FROM items",
                   &ix->next_item, err);
    if (rc == IMR_OK)
        rc = dict_load(ix, err);
    if (rc == IMR_OK)
        rc = defer_indexes(ix, err);

    if (rc != IMR_OK) {
        imr_index_rollback(ix);
        return rc;
    }
    ix->fts_from = ix->next_item;
    ix->build_from = ix->next_item;
    ix->in_build = 1;
    return IMR_OK;
}

int imr_index_flush(struct imr_index *ix, char *err)
{
    sqlite3_stmt *st;
    int rc;

    if (!ix->in_build || ix->next_item == ix->fts_from)
        return IMR_OK;
    if ((rc = get_stmt(ix, ST_FLUSH_FTS, &st, err)) != IMR_OK)
        return rc;
    sqlite3_bind_int64(st, 1, ix->fts_from);
    if ((rc = step_done(ix, st, err, "insert fts")) != IMR_OK)
        return rc;
    ix->fts_from = ix->next_item;
    return IMR_OK;
}

/* A build's flushes leave FTS5 several segments (8 at 100k letters, 12
 * at 1M), and every term of a query is then looked up and merged across
 * all of them: each per-row lookup of the snippets of a page, each match
 * of a stream. When this build wrote at least 1/IMR_FTS_MERGE_SHARE of the
 * items, its commit merges them into one ('optimize': 1.2 s at 100k, 13 s
 * at 1M, in the build's transaction); a smaller one leaves them to FTS5's
 * automerge, so that adding a few letters to a large index stays cheap. */
#define IMR_FTS_MERGE_SHARE 4

static const char fts_optimize_sql[] =
    "INSERT INTO item_fts(item_fts) VALUES('optimize')";

static int merge_fts(struct imr_index *ix, char *err)
{
    long long total;
    long long added = ix->next_item - ix->build_from;
    int rc;

    if (added <= 0)
        return IMR_OK;
    rc = query_int(ix, "SELECT count(*) FROM items", &total, err);
    if (rc != IMR_OK || added * IMR_FTS_MERGE_SHARE < total)
        return rc;
    return exec_sql(ix, fts_optimize_sql, err);
}

int imr_index_merge_fts(struct imr_index *ix, long long *segments,
                        char *err)
{
    long long n = 0;
    int rc;

    if (segments != NULL)
        *segments = 0;
    if (!(ix->flags & IMR_INDEX_RDWR) || ix->in_build)
        return imr_seterr(err, IMR_EINVAL, "%s: %s", ix->path,
                          ix->in_build ? "a build is open"
                                       : "opened read-only");
    if ((rc = begin_write(ix, err)) != IMR_OK)
        return rc;
    rc = query_int(ix, "SELECT count(DISTINCT segid) FROM item_fts_idx",
                   &n, err);
    if (rc == IMR_OK && n > 1)
        rc = exec_sql(ix, fts_optimize_sql, err);
    if (rc == IMR_OK)
        rc = exec_sql(ix, "COMMIT", err);
    if (rc != IMR_OK) {
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (segments != NULL)
        *segments = n;
    return IMR_OK;
}

int imr_index_commit(struct imr_index *ix, char *err)
{
    int rc;

    if ((rc = imr_index_flush(ix, err)) != IMR_OK)
        return rc;
    if ((rc = merge_fts(ix, err)) != IMR_OK)
        return rc;
    if (ix->deferred != NULL &&
        (rc = exec_sql(ix, ix->deferred, err)) != IMR_OK)
        return rc;
    rc = exec_sql(ix, "INSERT OR REPLACE INTO meta(key, value) VALUES"
                  " ('letters', (SELECT count(*) FROM determinations)),"
                  " ('updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                  err);
    if (rc != IMR_OK)
        return rc;
    if ((rc = exec_sql(ix, "COMMIT", err)) != IMR_OK)
        return rc;
    /* a fresh file becomes an index like the others (imr_index_publish
     * syncs it) */
    if ((ix->flags & IMR_INDEX_FRESH) &&
        (rc = exec_sql(ix, "PRAGMA journal_mode = WAL", err)) != IMR_OK)
        return rc;
    ix->in_build = 0;
    free(ix->deferred);
    ix->deferred = NULL;
    return IMR_OK;
}

void imr_index_rollback(struct imr_index *ix)
{
    ix->in_build = 0;
    free(ix->deferred);        /* the rollback restores the indexes */
    ix->deferred = NULL;
    dict_forget(ix);           /* and drops a dictionary made in it */
    if (!sqlite3_get_autocommit(ix->db))
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- letters ---------------------------------------------------------- */

int imr_index_find(struct imr_index *ix, const char *ext_id,
                   long long *det_id, char **source, char *err)
{
    sqlite3_stmt *st;
    int rc;

    *det_id = 0;
    if (source != NULL)
        *source = NULL;
    if ((rc = get_stmt(ix, ST_FIND, &st, err)) != IMR_OK)
        return rc;
    bind_str(st, 1, ext_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return IMR_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        rc = db_err(ix, err, "find");
        sqlite3_reset(st);
        return rc;
    }
    if (source != NULL) {
        const char *s = (const char *)sqlite3_column_text(st, 1);

        if (s != NULL && (*source = strdup(s)) == NULL) {
            sqlite3_reset(st);
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        }
    }
    *det_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return IMR_OK;
}

int imr_index_delete(struct imr_index *ix, long long det_id, char *err)
{
    sqlite3_stmt *st;
    int rc;

    /* FTS5 'delete' needs the old values, so it runs before the rows go. */
    if ((rc = get_stmt(ix, ST_DEL_FTS, &st, err)) != IMR_OK)
        return rc;
    sqlite3_bind_int64(st, 1, det_id);
    /* Items not yet flushed to item_fts have no FTS rows to delete. */
    sqlite3_bind_int64(st, 2, ix->in_build ? ix->fts_from : INT64_MAX);
    if ((rc = step_done(ix, st, err, "delete fts")) != IMR_OK)
        return rc;
    if ((rc = get_stmt(ix, ST_DEL_DET, &st, err)) != IMR_OK)
        return rc;
    sqlite3_bind_int64(st, 1, det_id);
    return step_done(ix, st, err, "delete letter");
}

/* Deletes every letter whose source is SOURCE (a DMHC CSV's rows).
 * IMR_OK, IMR_EDB or IMR_ENOMEM. */
int imr_index_delete_source(struct imr_index *ix, const char *source,
                            char *err)
{
    sqlite3_stmt *st = NULL;
    long long *ids = NULL, *nv;
    size_t n = 0, cap = 0, i;
    int rc = IMR_OK, s;

    if (sqlite3_prepare_v2(ix->db, "SELECT id FROM determinations WHERE"
                           " source = ?1", -1, &st, NULL) != SQLITE_OK)
        return db_err(ix, err, "delete source");
    bind_str(st, 1, source);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap * 2 + 16;
            if ((nv = realloc(ids, cap * sizeof(*ids))) == NULL) {
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                break;
            }
            ids = nv;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    if (rc == IMR_OK && s != SQLITE_DONE)
        rc = db_err(ix, err, "delete source");
    sqlite3_finalize(st);
    for (i = 0; rc == IMR_OK && i < n; i++)
        rc = imr_index_delete(ix, ids[i], err);
    free(ids);
    return rc;
}

/* Lower-cases S and folds runs of white space to one space (trimmed)
 * into a new string (free()); NULL on OOM. */
static char *norm_name(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    int space = 0;

    if (out == NULL)
        return NULL;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (isspace(c)) {
            space = 1;
            continue;
        }
        if (space && o != out)
            *o++ = ' ';
        space = 0;
        *o++ = (c < 0x80) ? (char)tolower(c) : (char)c;
    }
    *o = '\0';
    return out;
}

/* Inserts one name row (diagnoses, specialties, licensure) per string. */
static int put_names(struct imr_index *ix, enum stmt_id id, long long det,
                     char **v, size_t n, char *err)
{
    sqlite3_stmt *st;
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        char *norm = NULL;

        if ((rc = get_stmt(ix, id, &st, err)) != IMR_OK)
            return rc;
        sqlite3_bind_int64(st, 1, det);
        bind_str(st, 2, v[i]);
        if (id == ST_INS_DIAG) {
            if ((norm = norm_name(v[i])) == NULL)
                return imr_seterr(err, IMR_ENOMEM, "out of memory");
            sqlite3_bind_text(st, 3, norm, -1, SQLITE_TRANSIENT);
            free(norm);
        }
        if ((rc = step_done(ix, st, err, "insert name")) != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

/* Inserts citation C of item ITEM_ID with its page ranges. */
static int put_citation(struct imr_index *ix, long long item_id,
                        const struct imr_citation *c, char *err)
{
    sqlite3_stmt *st;
    json_t *sec = NULL;
    char *sections = NULL;
    long long cit_id;
    size_t i;
    int rc;

    if (c->guideline == NULL)
        return imr_seterr(err, IMR_EINVAL, "citation without guideline");
    if ((sec = json_array()) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    for (i = 0; i < c->n_sections; i++)
        if (json_array_append_new(sec, json_string(c->sections[i])) != 0)
            break;
    if (i < c->n_sections ||
        (sections = imr_json_compact_utf8(sec)) == NULL) {
        json_decref(sec);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    json_decref(sec);
    if ((rc = get_stmt(ix, ST_INS_CIT, &st, err)) != IMR_OK)
        goto done;
    sqlite3_bind_int64(st, 1, item_id);
    bind_str(st, 2, imr_by_name(c->by));
    bind_str(st, 3, c->guideline);
    bind_str(st, 4, c->document);
    bind_str(st, 5, c->chapter);
    bind_str(st, 6, c->edition);
    bind_str(st, 7, sections);
    bind_str(st, 8, c->text);
    if ((rc = step_done(ix, st, err, "insert citation")) != IMR_OK)
        goto done;
    cit_id = sqlite3_last_insert_rowid(ix->db);
    for (i = 0; i < c->n_pages; i++) {
        if ((rc = get_stmt(ix, ST_INS_CP, &st, err)) != IMR_OK)
            goto done;
        sqlite3_bind_int64(st, 1, cit_id);
        sqlite3_bind_int64(st, 2, item_id);
        bind_str(st, 3, c->guideline);
        sqlite3_bind_int(st, 4, c->pages[i].from);
        sqlite3_bind_int(st, 5, c->pages[i].to);
        if ((rc = step_done(ix, st, err, "insert pages")) != IMR_OK)
            goto done;
    }
done:
    free(sections);
    return rc;
}

/* Inserts item IT of letter DET with its citations. */
static int put_item(struct imr_index *ix, long long det,
                    const struct imr_item *it, char *err)
{
    sqlite3_stmt *st;
    long long item_id;
    size_t i;
    int rc;

    if ((rc = get_stmt(ix, ST_INS_ITEM, &st, err)) != IMR_OK)
        return rc;
    sqlite3_bind_int64(st, 1, det);
    sqlite3_bind_int(st, 2, it->n);
    bind_str(st, 3, it->treatment);
    bind_str(st, 4, imr_decision_name(it->decision));
    bind_str(st, 5, it->category);
    bind_str(st, 6, it->subcategory);
    bind_str(st, 7, it->rationale);
    if (ix->in_build)
        sqlite3_bind_int64(st, 8, ix->next_item);
    if ((rc = step_done(ix, st, err, "insert item")) != IMR_OK)
        return rc;
    if (ix->in_build)
        ix->next_item++;
    item_id = sqlite3_last_insert_rowid(ix->db);
    for (i = 0; i < it->n_citations; i++)
        if ((rc = put_citation(ix, item_id, &it->citations[i], err))
            != IMR_OK)
            return rc;
    return IMR_OK;
}

/* The year of a "YYYY-MM-DD" date, or 0. */
static int date_year(const char *d)
{
    int i, y = 0;

    if (d == NULL)
        return 0;
    for (i = 0; i < 4; i++) {
        if (d[i] < '0' || d[i] > '9')
            return 0;
        y = y * 10 + (d[i] - '0');
    }
    return y;
}

int imr_index_put(struct imr_index *ix, const struct imr_record *rec,
                  long long *det_id, char *err)
{
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    int rc;

    if (det_id != NULL)
        *det_id = 0;
    if (ix->pk != NULL && ix->pk->dict_id != ix->dict_id) {
        imr_packer_free(ix->pk);       /* a dictionary was trained */
        ix->pk = NULL;
    }
    if (ix->pk == NULL && (rc = imr_packer_new(ix, &ix->pk, err)) != IMR_OK)
        return rc;
    if ((rc = imr_packer_pack(ix->pk, rec, &packed, &packed_len, err))
        != IMR_OK)
        return rc;
    rc = imr_index_put_packed(ix, rec, packed, packed_len, det_id, err);
    free(packed);
    return rc;
}

int imr_index_put_packed(struct imr_index *ix, const struct imr_record *rec,
                         const unsigned char *packed, size_t packed_len,
                         long long *det_id, char *err)
{
    sqlite3_stmt *st;
    long long det = 0, old = 0;
    size_t i;
    int rc, year;

    if (det_id != NULL)
        *det_id = 0;
    if (rec->id == NULL || rec->format == NULL)
        return imr_seterr(err, IMR_EINVAL, "record without %s",
                          rec->id == NULL ? "id" : "format");
    if (packed_len > INT_MAX || packed_len < PACK_HEAD_D ||
        memcmp(packed, PACK_MAGIC_S, 4) != 0 ||
        (long long)get_u32(packed + 4) != ix->dict_id)
        return imr_seterr(err, IMR_EINVAL, "%s: letter %s packed with"
                          " another dictionary or format", ix->path, rec->id);
    rc = imr_index_find(ix, rec->id, &old, NULL, err);
    if (rc == IMR_OK)
        rc = imr_index_delete(ix, old, err);
    else if (rc == IMR_ENOTFOUND)
        rc = IMR_OK;
    if (rc != IMR_OK)
        return rc;
    if ((rc = get_stmt(ix, ST_INS_DET, &st, err)) != IMR_OK)
        goto done;
    bind_str(st, 1, rec->id);
    bind_str(st, 2, rec->case_number);
    bind_str(st, 3, rec->format);
    bind_str(st, 4, rec->program ? rec->program : "dwc");
    bind_str(st, 5, rec->source ? rec->source : "");
    bind_str(st, 6, rec->date_assigned);
    bind_str(st, 7, rec->date_injury);
    bind_str(st, 8, rec->date_decision);
    bind_str(st, 9, rec->date_ur_denial);
    bind_str(st, 10, rec->date_received);
    year = date_year(rec->date_decision);
    if (year <= 0)
        year = rec->report_year;     /* DMHC: the Report Year */
    if (year > 0)
        sqlite3_bind_int(st, 11, year);
    if (rec->age >= 0)
        sqlite3_bind_int(st, 12, rec->age);
    bind_str(st, 13, rec->gender);
    bind_str(st, 14, imr_record_outcome(rec));
    bind_str(st, 15, rec->summary);
    sqlite3_bind_blob(st, 16, packed, (int)packed_len, SQLITE_STATIC);
    bind_str(st, 17, "");
    bind_str(st, 18, rec->review_type);
    bind_str(st, 19, rec->age_range);
    bind_str(st, 20, rec->diag_category);
    bind_str(st, 21, rec->diag_subcategory);
    if ((rc = step_done(ix, st, err, "insert letter")) != IMR_OK)
        goto done;
    det = sqlite3_last_insert_rowid(ix->db);
    rc = put_names(ix, ST_INS_DIAG, det, rec->diagnoses, rec->n_diagnoses,
                   err);
    if (rc == IMR_OK)
        rc = put_names(ix, ST_INS_SPEC, det, rec->specialties,
                       rec->n_specialties, err);
    if (rc == IMR_OK)
        rc = put_names(ix, ST_INS_LIC, det, rec->licensure,
                       rec->n_licensure, err);
    for (i = 0; rc == IMR_OK && i < rec->n_items; i++)
        rc = put_item(ix, det, &rec->items[i], err);
    if (rc != IMR_OK)
        goto done;
    if (ix->in_build)
        goto done_ok;     /* FTS rows at imr_index_flush */
    /* Last, once the items and diagnoses the view reads are in place. */
    if ((rc = get_stmt(ix, ST_INS_FTS, &st, err)) != IMR_OK)
        goto done;
    sqlite3_bind_int64(st, 1, det);
    if ((rc = step_done(ix, st, err, "insert fts")) != IMR_OK)
        goto done;
done_ok:
    if (det_id != NULL)
        *det_id = det;
done:
    return rc;
}

/* ---- files ------------------------------------------------------------ */

const char *imr_file_status_name(enum imr_file_status s)
{
    if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
        return "unknown";
    return status_names[s];
}

/* Maps a status name back; -1 if unknown. */
static int status_parse(const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < sizeof(status_names) /
         sizeof(status_names[0]); i++)
        if (strcmp(s, status_names[i]) == 0)
            return (int)i;
    return -1;
}

void imr_index_file_clear(struct imr_index_file *f)
{
    free(f->path);
    free(f->reason);
    f->path = NULL;
    f->reason = NULL;
}

void imr_index_files_free(struct imr_index_file *v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++)
        imr_index_file_clear(&v[i]);
    free(v);
}

/* Fills F from the current row of ST (the ST_FILE_GET column order). */
static int file_from_row(sqlite3_stmt *st, struct imr_index_file *f,
                         char *err)
{
    const char *path = (const char *)sqlite3_column_text(st, 0);
    const char *hash = (const char *)sqlite3_column_text(st, 1);
    const char *reason = (const char *)sqlite3_column_text(st, 5);
    int status = status_parse((const char *)sqlite3_column_text(st, 4));

    memset(f, 0, sizeof(*f));
    snprintf(f->hash, sizeof(f->hash), "%s", hash ? hash : "");
    f->size = sqlite3_column_int64(st, 2);
    f->mtime = sqlite3_column_int64(st, 3);
    /* An unknown status reads as rejected: the file is parsed again. */
    f->status = status < 0 ? IMR_FILE_REJECTED : (enum imr_file_status)status;
    f->det_id = sqlite3_column_int64(st, 6);
    f->path = strdup(path ? path : "");
    if (reason != NULL)
        f->reason = strdup(reason);
    if (f->path == NULL || (reason != NULL && f->reason == NULL)) {
        imr_index_file_clear(f);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    return IMR_OK;
}

int imr_index_file_get(struct imr_index *ix, const char *path,
                       struct imr_index_file *out, char *err)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = get_stmt(ix, ST_FILE_GET, &st, err)) != IMR_OK)
        return rc;
    bind_str(st, 1, path);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = file_from_row(st, out, err);
    else if (rc == SQLITE_DONE)
        rc = IMR_ENOTFOUND;
    else
        rc = db_err(ix, err, "files");
    sqlite3_reset(st);
    return rc;
}

int imr_index_file_put(struct imr_index *ix, const struct imr_index_file *f,
                       char *err)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = get_stmt(ix, ST_FILE_PUT, &st, err)) != IMR_OK)
        return rc;
    bind_str(st, 1, f->path);
    bind_str(st, 2, f->hash);
    sqlite3_bind_int64(st, 3, f->size);
    sqlite3_bind_int64(st, 4, f->mtime);
    bind_str(st, 5, imr_file_status_name(f->status));
    bind_str(st, 6, f->reason);
    if (f->det_id > 0)
        sqlite3_bind_int64(st, 7, f->det_id);
    return step_done(ix, st, err, "files");
}

int imr_index_file_delete(struct imr_index *ix, const char *path,
                          char *err)
{
    struct imr_index_file f;
    sqlite3_stmt *st;
    int rc;

    rc = imr_index_file_get(ix, path, &f, err);
    if (rc == IMR_ENOTFOUND)
        return IMR_OK;
    if (rc != IMR_OK)
        return rc;
    if (f.status == IMR_FILE_INDEXED && f.det_id > 0)
        rc = imr_index_delete(ix, f.det_id, err);
    if (rc == IMR_OK && f.status == IMR_FILE_INDEXED)
        rc = imr_index_delete_source(ix, path, err);  /* CSV rows */
    imr_index_file_clear(&f);
    if (rc != IMR_OK)
        return rc;
    if ((rc = get_stmt(ix, ST_FILE_DEL, &st, err)) != IMR_OK)
        return rc;
    bind_str(st, 1, path);
    return step_done(ix, st, err, "files");
}

int imr_index_files_list(struct imr_index *ix, struct imr_index_file **out,
                         size_t *n, char *err)
{
    sqlite3_stmt *st = NULL;
    struct imr_index_file *v = NULL, *nv;
    size_t cnt = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    /* BINARY collation = memcmp order = strcmp order for UTF-8. */
    if (sqlite3_prepare_v2(ix->db, "SELECT path, hash, size, mtime, status,"
                           " reason, det_id FROM files ORDER BY path",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(ix, err, "prepare");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL) {
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto fail;
            }
            v = nv;
        }
        if ((rc = file_from_row(st, &v[cnt], err)) != IMR_OK)
            goto fail;
        cnt++;
    }
    if (rc != SQLITE_DONE) {
        rc = db_err(ix, err, "files");
        goto fail;
    }
    sqlite3_finalize(st);
    *out = v;
    *n = cnt;
    return IMR_OK;
fail:
    sqlite3_finalize(st);
    imr_index_files_free(v, cnt);
    return rc;
}

/* ---- stats ------------------------------------------------------------ */

static void counts_free(struct imr_index_count *v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++)
        free(v[i].key);
    free(v);
}

void imr_index_stats_free(struct imr_index_stats *st)
{
    if (st == NULL)
        return;
    free(st->updated_at);
    counts_free(st->by_decision, st->n_by_decision);
    counts_free(st->by_outcome, st->n_by_outcome);
    counts_free(st->by_guideline, st->n_by_guideline);
    counts_free(st->by_format, st->n_by_format);
    counts_free(st->by_year, st->n_by_year);
    free(st);
}

/* Runs a "SELECT key, count" query into a new array *V of *N counts. */
static int query_counts(struct imr_index *ix, const char *sql,
                        struct imr_index_count **v, size_t *n, char *err)
{
    sqlite3_stmt *st = NULL;
    struct imr_index_count *nv;
    size_t cap = 0;
    int rc;

    if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(ix, err, "prepare");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);

        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            if ((nv = realloc(*v, cap * sizeof(*nv))) == NULL)
                goto oom;
            *v = nv;
        }
        if (((*v)[*n].key = strdup(key ? key : "(none)")) == NULL)
            goto oom;
        (*v)[*n].n = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    if (rc != SQLITE_DONE)
        rc = db_err(ix, err, "stats");
    else
        rc = IMR_OK;
    sqlite3_finalize(st);
    return rc;
oom:
    sqlite3_finalize(st);
    return imr_seterr(err, IMR_ENOMEM, "out of memory");
}

int imr_index_stats(struct imr_index *ix, struct imr_index_stats **out,
                    char *err)
{
    struct imr_index_stats *st = calloc(1, sizeof(*st));
    sqlite3_stmt *q = NULL;
    long long v;
    int rc;

    *out = NULL;
    if (st == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    st->schema_version = ix->version;
    if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key ="
                           " 'updated_at'", -1, &q, NULL) != SQLITE_OK) {
        rc = db_err(ix, err, "prepare");
        goto fail;
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(q, 0);

        if (s != NULL && (st->updated_at = strdup(s)) == NULL) {
            sqlite3_finalize(q);
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto fail;
        }
    }
    sqlite3_finalize(q);
#define COUNT(field, sql) \
    if ((rc = query_int(ix, sql, &v, err)) != IMR_OK) \
        goto fail; \
    st->field = v
    COUNT(letters, "SELECT count(*) FROM determinations");
    COUNT(items, "SELECT count(*) FROM items");
    COUNT(citations, "SELECT count(*) FROM citations");
    COUNT(files, "SELECT count(*) FROM files");
    COUNT(rejected, "SELECT count(*) FROM files WHERE status = 'rejected'");
    COUNT(duplicates,
          "SELECT count(*) FROM files WHERE status = 'duplicate'");
#undef COUNT
    rc = query_counts(ix, "SELECT decision, count(*) FROM items"
                      " GROUP BY 1 ORDER BY 2 DESC, 1", &st->by_decision,
                      &st->n_by_decision, err);
    if (rc == IMR_OK)
        rc = query_counts(ix, "SELECT outcome, count(*) FROM determinations"
                          " GROUP BY 1 ORDER BY 2 DESC, 1", &st->by_outcome,
                          &st->n_by_outcome, err);
    if (rc == IMR_OK)
        rc = query_counts(ix, "SELECT guideline, count(DISTINCT item_id)"
                          " FROM citations GROUP BY 1 ORDER BY 2 DESC, 1",
                          &st->by_guideline, &st->n_by_guideline, err);
    if (rc == IMR_OK)
        rc = query_counts(ix, "SELECT format, count(*) FROM determinations"
                          " GROUP BY 1 ORDER BY 2 DESC, 1", &st->by_format,
                          &st->n_by_format, err);
    if (rc == IMR_OK)
        rc = query_counts(ix, "SELECT year, count(*) FROM determinations"
                          " GROUP BY 1 ORDER BY 1", &st->by_year,
                          &st->n_by_year, err);
    if (rc != IMR_OK)
        goto fail;
    *out = st;
    return IMR_OK;
fail:
    imr_index_stats_free(st);
    return rc;
}

/* {"key": n, ...} in the array's order. */
static json_t *counts_json(const struct imr_index_count *v, size_t n)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; o != NULL && i < n; i++) {
        if (json_object_set_new(o, v[i].key, json_integer(v[i].n)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *imr_index_stats_json(const struct imr_index_stats *st)
{
    return json_pack("{s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:o, s:o, s:o, s:o, s:o}",
        "schema_version", st->schema_version,
        "updated_at", st->updated_at ? json_string(st->updated_at)
                                     : json_null(),
        "letters", (json_int_t)st->letters,
        "items", (json_int_t)st->items,
        "citations", (json_int_t)st->citations,
        "files", (json_int_t)st->files,
        "rejected", (json_int_t)st->rejected,
        "duplicates", (json_int_t)st->duplicates,
        "by_decision", counts_json(st->by_decision, st->n_by_decision),
        "by_outcome", counts_json(st->by_outcome, st->n_by_outcome),
        "by_guideline", counts_json(st->by_guideline, st->n_by_guideline),
        "by_format", counts_json(st->by_format, st->n_by_format),
        "by_year", counts_json(st->by_year, st->n_by_year));
}
