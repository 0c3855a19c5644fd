/* The SQLite index: open/create with a version check, the writer of
 * records (tables + external-content FTS5 rows), file bookkeeping for
 * incremental builds, and statistics. One handle = one connection, used
 * by one thread at a time. */
#include "imr/index.h"
#include "imr/imr.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* determinations.text of a packed letter: "IMRZ", the byte lengths of
 * the text and of the record JSON (32-bit little endian), then one
 * deflate stream of the text followed by the record: the record repeats
 * the rationales and citations of the text, so it costs almost nothing
 * after it. determinations.record is '' then. */
#define PACK_MAGIC "IMRZ"
#define PACK_HEAD 12
#define PACK_LEVEL 1     /* fastest: the writer thread pays for it */

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

/* Packs TEXT and RECORD into a new buffer *OUT of *N bytes (free()).
 * IMR_OK, IMR_ENOMEM, or IMR_ELIMIT for parts over 4 GB. */
static int pack_letter(const char *text, const char *record,
                       unsigned char **out, size_t *n)
{
    size_t tl = strlen(text), rl = strlen(record);
    unsigned char *buf = NULL;
    z_stream z;
    int zrc;

    *out = NULL;
    *n = 0;
    if (tl > UINT32_MAX || rl > UINT32_MAX || tl + rl > UINT32_MAX)
        return IMR_ELIMIT;
    memset(&z, 0, sizeof(z));
    if (deflateInit(&z, PACK_LEVEL) != Z_OK)
        return IMR_ENOMEM;
    buf = malloc(PACK_HEAD + deflateBound(&z, (uLong)(tl + rl)));
    if (buf == NULL) {
        deflateEnd(&z);
        return IMR_ENOMEM;
    }
    memcpy(buf, PACK_MAGIC, 4);
    put_u32(buf + 4, tl);
    put_u32(buf + 8, rl);
    z.next_out = buf + PACK_HEAD;
    z.avail_out = (uInt)deflateBound(&z, (uLong)(tl + rl));
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)tl;
    zrc = deflate(&z, Z_NO_FLUSH);
    if (zrc == Z_OK) {
        z.next_in = (Bytef *)(uintptr_t)record;
        z.avail_in = (uInt)rl;
        zrc = deflate(&z, Z_FINISH);
    }
    *n = PACK_HEAD + z.total_out;
    deflateEnd(&z);
    if (zrc != Z_STREAM_END) {
        free(buf);
        *n = 0;
        return IMR_ENOMEM;
    }
    *out = buf;
    return IMR_OK;
}

/* Unpacks a determinations.text blob; see index.h. */
int imr_index_unpack(const void *blob, size_t n, char **text,
                     char **record)
{
    const unsigned char *p = blob;
    size_t tl, rl;
    char *buf = NULL;
    uLongf got;

    *text = NULL;
    if (record != NULL)
        *record = NULL;
    if (n < PACK_HEAD || memcmp(p, PACK_MAGIC, 4) != 0)
        return IMR_EINVAL;
    tl = get_u32(p + 4);
    rl = get_u32(p + 8);
    buf = malloc(tl + rl + 2);
    if (buf == NULL)
        return IMR_ENOMEM;
    got = (uLongf)(tl + rl);
    if (uncompress((Bytef *)buf, &got, p + PACK_HEAD,
                   (uLong)(n - PACK_HEAD)) != Z_OK || got != tl + rl) {
        free(buf);
        return IMR_EINVAL;
    }
    /* text NUL record NUL, in one allocation; the record is copied */
    memmove(buf + tl + 1, buf + tl, rl);
    buf[tl] = '\0';
    buf[tl + 1 + rl] = '\0';
    if (record != NULL) {
        *record = strdup(buf + tl + 1);
        if (*record == NULL) {
            free(buf);
            return IMR_ENOMEM;
        }
    }
    *text = buf;
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
    }
    if (rc != IMR_OK) {
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec_sql(ix, "COMMIT", err);
}

/* Schema 1 -> 2 (DMHC columns and indexes), in one transaction. */
static int migrate_v1(struct imr_index *ix, char *err)
{
    static const char sql[] =
        "ALTER TABLE determinations ADD COLUMN type TEXT;"
        "ALTER TABLE determinations ADD COLUMN age_range TEXT;"
        "ALTER TABLE determinations ADD COLUMN diag_category TEXT;"
        "ALTER TABLE determinations ADD COLUMN diag_subcategory TEXT;"
        "CREATE INDEX det_program ON determinations(program);"
        "CREATE INDEX det_type ON determinations(type);"
        "CREATE INDEX det_source ON determinations(source);"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
        "INSERT OR REPLACE INTO meta(key, value) VALUES('migrated_at',"
        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));";
    long long version = 0;
    int rc;

    if ((rc = exec_sql(ix, "BEGIN IMMEDIATE", err)) != IMR_OK)
        return rc;
    /* Re-read under the lock: another writer may have migrated it. */
    rc = query_int(ix, "SELECT CAST(value AS INTEGER) FROM meta"
                   " WHERE key = 'schema_version'", &version, err);
    if (rc == IMR_OK && version == 1)
        rc = exec_sql(ix, sql, err);
    if (rc != IMR_OK) {
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec_sql(ix, "COMMIT", err);
}

/* Checks meta.schema_version; creates the schema first when the database
 * is empty and writable; migrates schema 1 when writable. */
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
    if (version == 1 && IMR_INDEX_SCHEMA_VERSION == 2) {
        if (!(ix->flags & IMR_INDEX_RDWR))
            return imr_seterr(err, IMR_ESCHEMA, "%s: index schema version"
                              " 1, this program needs 2: run `imr-index"
                              " build --db %s PATH...` once (it migrates"
                              " the index in place, keeping its letters)",
                              ix->path, ix->path);
        if ((rc = migrate_v1(ix, err)) != IMR_OK)
            return rc;
        version = IMR_INDEX_SCHEMA_VERSION;
    }
    if (version != IMR_INDEX_SCHEMA_VERSION)
        return imr_seterr(err, IMR_ESCHEMA, "%s: index schema version %lld,"
                          " this program needs %d: remove the file and run"
                          " `imr-index build --db %s PATH...` again",
                          ix->path, version, IMR_INDEX_SCHEMA_VERSION,
                          ix->path);
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
        rc = exec_sql(ix, "PRAGMA page_size = 16384;"
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

void imr_index_close(struct imr_index *ix)
{
    int i;

    if (ix == NULL)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(ix->st[i]);
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

int imr_index_begin(struct imr_index *ix, char *err)
{
    int rc;

    if (!(ix->flags & IMR_INDEX_RDWR))
        return imr_seterr(err, IMR_EINVAL, "%s: opened read-only",
                          ix->path);
    rc = exec_sql(ix, "PRAGMA synchronous = NORMAL;"
                  " PRAGMA cache_size = -262144;"
                  " PRAGMA temp_store = MEMORY;", err);
    if (rc != IMR_OK)
        return rc;
    rc = exec_sql(ix, "BEGIN IMMEDIATE", err);
    if (rc == IMR_EBUSY)
        return imr_seterr(err, IMR_EBUSY, "%s: locked by another writer"
                          " (is another imr-index build running?)",
                          ix->path);
    if (rc != IMR_OK)
        return rc;
    rc = query_int(ix, "SELECT coalesce(max(id), 0) + 1 FROM items",
                   &ix->next_item, err);
    if (rc != IMR_OK) {
        imr_index_rollback(ix);
        return rc;
    }
    ix->fts_from = ix->next_item;
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

int imr_index_commit(struct imr_index *ix, char *err)
{
    int rc;

    if ((rc = imr_index_flush(ix, err)) != IMR_OK)
        return rc;
    rc = exec_sql(ix, "INSERT OR REPLACE INTO meta(key, value) VALUES"
                  " ('letters', (SELECT count(*) FROM determinations)),"
                  " ('updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                  err);
    if (rc != IMR_OK)
        return rc;
    if ((rc = exec_sql(ix, "COMMIT", err)) != IMR_OK)
        return rc;
    ix->in_build = 0;
    return IMR_OK;
}

void imr_index_rollback(struct imr_index *ix)
{
    ix->in_build = 0;
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
        (sections = json_dumps(sec, JSON_COMPACT)) == NULL) {
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
    sqlite3_stmt *st;
    json_t *js = NULL;
    char *record = NULL;
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    long long det = 0, old = 0;
    size_t i;
    int rc, year;

    if (det_id != NULL)
        *det_id = 0;
    if (rec->id == NULL || rec->format == NULL)
        return imr_seterr(err, IMR_EINVAL, "record without %s",
                          rec->id == NULL ? "id" : "format");
    rc = imr_index_find(ix, rec->id, &old, NULL, err);
    if (rc == IMR_OK)
        rc = imr_index_delete(ix, old, err);
    else if (rc == IMR_ENOTFOUND)
        rc = IMR_OK;
    if (rc != IMR_OK)
        return rc;
    js = imr_record_to_json(rec, 0);
    if (js == NULL || (record = json_dumps(js, JSON_COMPACT)) == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    rc = pack_letter(rec->text ? rec->text : "", record, &packed,
                     &packed_len);
    if (rc != IMR_OK) {
        imr_seterr(err, rc, rc == IMR_ELIMIT ? "letter too large" :
                   "out of memory");
        goto done;
    }
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
    sqlite3_bind_blob(st, 16, packed, (int)packed_len, SQLITE_TRANSIENT);
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
    free(packed);
    free(record);
    json_decref(js);
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
    st->schema_version = IMR_INDEX_SCHEMA_VERSION;
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
