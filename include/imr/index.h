/* The SQLite index of determinations (docs/schema.md): open/create, the
 * writer used by `imr-index build`, file bookkeeping for incremental runs,
 * statistics, and the read-only handle the daemon queries through. */
#ifndef IMR_INDEX_H
#define IMR_INDEX_H
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <jansson.h>
#include "imr/record.h"

#define IMR_INDEX_SCHEMA_VERSION 4

/* The zstd dictionary of packed letters (docs/schema.md). */
#define IMR_INDEX_DICT_MAX 112640    /* bytes at most (zstd's default) */
#define IMR_INDEX_DICT_MIN_SAMPLES 8 /* fewer letters: no dictionary */
#define IMR_INDEX_DICT_SAMPLES 1024  /* letters a build trains it on */
/* An index grown by small builds trains once it holds this many. */
#define IMR_INDEX_DICT_GROW_SAMPLES 256

/* Flags of imr_index_open. */
#define IMR_INDEX_RDONLY 0x0   /* read-only (SQLITE_OPEN_READONLY) */
#define IMR_INDEX_RDWR   0x1   /* read-write, created with its schema */
/* With IMR_INDEX_RDWR: a new file no other process knows of yet (a first
 * build writes it beside its final name, then imr_index_publish): no
 * journal and no syncs while it is built, so each page is written once
 * instead of to the WAL and again by its checkpoint; imr_index_commit
 * leaves it in WAL mode like any index. A failed build of such a file
 * leaves it unusable: the caller deletes it. */
#define IMR_INDEX_FRESH  0x2

#define IMR_HASH_HEX_LEN 16    /* hex digits of imr_hash64 */

/* The state of one input file in the files table. */
enum imr_file_status {
    IMR_FILE_INDEXED = 0,  /* its letter is determinations.id = det_id */
    IMR_FILE_REJECTED,     /* holds no determination; reason says why */
    IMR_FILE_DUPLICATE     /* same record id as the letter det_id, which
                              came from another file and was kept */
};

/* One row of the files table. */
struct imr_index_file {
    char *path;                          /* absolute path */
    char hash[IMR_HASH_HEX_LEN + 1];     /* imr_hash64 of the content, hex */
    long long size;                      /* bytes */
    long long mtime;                     /* seconds since the epoch */
    enum imr_file_status status;
    char *reason;                        /* rejected/duplicate: why; NULL */
    long long det_id;                    /* determinations.id or 0 */
};

/* A count of letters/items/citations under one key (a decision, ...). */
struct imr_index_count {
    char *key;        /* "upheld", "MTUS", "2014"; "(none)" for NULL */
    long long n;
};

/* What `imr-index stats` and GET /v1/stats report. */
struct imr_index_stats {
    int schema_version;
    char *updated_at;          /* ISO-8601 UTC of the last build, or NULL */
    long long letters, items, citations, files, rejected, duplicates;
    struct imr_index_count *by_decision;   /* items by decision */
    size_t n_by_decision;
    struct imr_index_count *by_outcome;    /* letters by outcome */
    size_t n_by_outcome;
    struct imr_index_count *by_guideline;  /* items citing each guideline */
    size_t n_by_guideline;
    struct imr_index_count *by_format;     /* letters by format */
    size_t n_by_format;
    struct imr_index_count *by_year;       /* letters by decision year */
    size_t n_by_year;
};

struct imr_index;   /* an open index: one SQLite connection, one thread */

/* The 64-bit content hash used for incremental builds: MurmurHash64A
 * (Austin Appleby, public domain) with a fixed seed, 8 bytes per step,
 * independent of the host's byte order. */
uint64_t imr_hash64(const void *data, size_t len);
/* Writes imr_hash64(DATA, LEN) as 16 lower-case hex digits + NUL to OUT. */
void imr_hash64_hex(const void *data, size_t len,
                    char out[IMR_HASH_HEX_LEN + 1]);

/* The tokenizer of item_fts: FTS5's porter over unicode61 (lib/snippet.c
 * tokenizes the hits' text with it again). */
#define IMR_FTS_TOKENIZE "porter unicode61 remove_diacritics 2"

/* The CREATE statements of schema version IMR_INDEX_SCHEMA_VERSION
 * (lib/index_schema.c; docs/schema.md explains them). */
const char *imr_index_schema_sql(void);

/* Opens the index at PATH. With IMR_INDEX_RDWR the file is created when
 * missing, put in WAL mode with foreign keys on, and given the schema if
 * it has none; with IMR_INDEX_RDONLY it must exist. Either way the schema
 * version is checked. Returns IMR_OK and the handle in *OUT
 * (imr_index_close), IMR_ESCHEMA (ERR says to rebuild), IMR_EDB, IMR_EIO,
 * IMR_EBUSY or IMR_ENOMEM; *OUT is NULL on failure. */
int imr_index_open(const char *path, int flags, struct imr_index **out,
                   char *err);
/* Moves the fresh index file TMP (built with IMR_INDEX_FRESH and closed)
 * to PATH, after syncing it to disk: atomically, and only if PATH does not
 * exist (link, then unlink). On failure TMP is deleted. IMR_OK, IMR_EBUSY
 * (PATH appeared meanwhile: another build made it), IMR_EIO. */
int imr_index_publish(const char *tmp, const char *path, char *err);
/* Closes the index, rolling back an open build transaction. NULL is ok. */
void imr_index_close(struct imr_index *ix);
/* The SQLite connection, borrowed for read queries on the same thread. */
sqlite3 *imr_index_db(struct imr_index *ix);

/* Starts the build transaction (BEGIN IMMEDIATE, synchronous=NORMAL, a
 * large cache). Everything written until imr_index_commit is one atomic
 * change: readers see the old state or the new one. IMR_OK, IMR_EBUSY
 * (another writer holds the index), IMR_EDB. */
int imr_index_begin(struct imr_index *ix, char *err);
/* Writes the item_fts rows of the letters put since the last flush.
 * Within a build they are deferred (one bulk statement is far faster than
 * one per letter); call this before full-text queries on the writer's own
 * connection. Outside a build it does nothing. IMR_OK or IMR_EDB. */
int imr_index_flush(struct imr_index *ix, char *err);
/* Flushes, updates meta (letters, updated_at) and commits. IMR_OK or
 * IMR_EDB. */
int imr_index_commit(struct imr_index *ix, char *err);
/* Abandons the build transaction; the index keeps its old state. */
void imr_index_rollback(struct imr_index *ix);
/* Merges item_fts's segments into one in a transaction of its own
 * (FTS5's 'optimize'; a large build does it before its commit, see
 * lib/index.c): for an index whose segments small builds left. The
 * number of segments before goes to *SEGMENTS (may be NULL); one or none
 * is left as it is. IMR_OK, IMR_EINVAL (read-only, or a build is open),
 * IMR_EBUSY (another writer), IMR_EDB. */
int imr_index_merge_fts(struct imr_index *ix, long long *segments,
                        char *err);

/* Looks up the letter whose record id is EXT_ID. Returns IMR_OK with its
 * determinations.id in *DET_ID and its source path in *SOURCE (free()),
 * IMR_ENOTFOUND (*DET_ID 0, *SOURCE NULL), IMR_EDB or IMR_ENOMEM. SOURCE
 * may be NULL. */
int imr_index_find(struct imr_index *ix, const char *ext_id,
                   long long *det_id, char **source, char *err);
/* Inserts REC into every table and item_fts (within a build the FTS rows
 * wait for imr_index_flush). A letter with the same id is replaced (its
 * rows and FTS rows deleted first). Returns IMR_OK and
 * the new determinations.id in *DET_ID (may be NULL), IMR_EINVAL (no id
 * or format), IMR_EDB, IMR_ENOMEM. */
int imr_index_put(struct imr_index *ix, const struct imr_record *rec,
                  long long *det_id, char *err);
/* Deletes the letter DET_ID: its FTS rows first, then its rows (the
 * foreign keys cascade). A missing letter is not an error. IMR_OK or
 * IMR_EDB. */
int imr_index_delete(struct imr_index *ix, long long det_id, char *err);

/* Deletes every letter whose source is SOURCE (the rows of one DMHC
 * CSV), as imr_index_delete does. IMR_OK, IMR_EDB or IMR_ENOMEM. */
int imr_index_delete_source(struct imr_index *ix, const char *source,
                            char *err);

/* Unpacks BLOB (N bytes), the determinations.text of a letter written by
 * imr_index_put (compressed together with its record by zstd, or by
 * zlib before schema 4, with or without a dictionary of the index, which
 * is read through IX and cached per handle; IX may be NULL for blobs
 * without one): the letter text in
 * *TEXT and, when RECORD is not NULL, the record JSON in *RECORD (both
 * free()). IMR_OK, IMR_EINVAL (not a packed letter, or corrupt: ERR says
 * why; ERR may be NULL), IMR_EDB, IMR_ENOMEM. */
int imr_index_unpack(struct imr_index *ix, const void *blob, size_t n,
                     char **text, char **record, char *err);

/* Trains the index's zstd dictionary from the N letters RECS (their
 * text and record JSON, as they are packed; zstd's ZDICT trainer, up to
 * IMR_INDEX_DICT_MAX bytes) and stores it, inside the build transaction,
 * when the index has none yet and at least IMR_INDEX_DICT_MIN_SAMPLES of
 * the letters have distinct ids and they teach it something; otherwise
 * does nothing (a later build tries again). Letters put
 * afterwards are packed with it. IMR_OK, IMR_EINVAL (no build
 * transaction), IMR_EDB, IMR_ENOMEM. */
int imr_index_train(struct imr_index *ix, struct imr_record *const *recs,
                    size_t n, char *err);

/* The id of the dictionary new letters are packed with (loaded by
 * imr_index_begin, made by imr_index_train); 0: none. */
long long imr_index_dict_id(const struct imr_index *ix);

/* A packer: the record JSON and zstd work of imr_index_put, made
 * usable on another thread than the writer's (one packer per thread). */
struct imr_packer;

/* Makes a packer with a copy of the index's current dictionary (call on
 * the writer's thread, after imr_index_train). IMR_OK with *OUT
 * (imr_packer_free), IMR_ENOMEM. */
int imr_packer_new(struct imr_index *ix, struct imr_packer **out,
                   char *err);
/* Frees a packer; NULL is ok. */
void imr_packer_free(struct imr_packer *pk);
/* Packs REC's text and record JSON into a new blob *BLOB of *N bytes
 * (free()), as imr_index_put stores it. Touches no database. IMR_OK,
 * IMR_ELIMIT (over 4 GB), IMR_ENOMEM. */
int imr_packer_pack(struct imr_packer *pk, const struct imr_record *rec,
                    unsigned char **blob, size_t *n, char *err);
/* imr_index_put with the blob made by imr_packer_pack for REC (a packer
 * of this index: its dictionary must be the index's). IMR_OK, IMR_EINVAL
 * (a blob of another dictionary), IMR_EDB, IMR_ENOMEM. */
int imr_index_put_packed(struct imr_index *ix, const struct imr_record *rec,
                         const unsigned char *blob, size_t n,
                         long long *det_id, char *err);

/* Reads the files row of PATH into *OUT (imr_index_file_clear). Returns
 * IMR_OK, IMR_ENOTFOUND, IMR_EDB or IMR_ENOMEM. */
int imr_index_file_get(struct imr_index *ix, const char *path,
                       struct imr_index_file *out, char *err);
/* Inserts or replaces the files row F->path. IMR_OK or IMR_EDB. */
int imr_index_file_put(struct imr_index *ix, const struct imr_index_file *f,
                       char *err);
/* Deletes the files row of PATH and, when it is indexed, its letter.
 * IMR_OK (also when there is no such row) or IMR_EDB. */
int imr_index_file_delete(struct imr_index *ix, const char *path,
                          char *err);
/* Reads every files row, sorted by path (strcmp order), into a new array
 * *OUT of *N rows (imr_index_files_free). IMR_OK, IMR_EDB, IMR_ENOMEM. */
int imr_index_files_list(struct imr_index *ix, struct imr_index_file **out,
                         size_t *n, char *err);
/* Frees the strings of one row (not the row itself). */
void imr_index_file_clear(struct imr_index_file *f);
/* Frees an array from imr_index_files_list; NULL is ok. */
void imr_index_files_free(struct imr_index_file *v, size_t n);
/* "indexed", "rejected", "duplicate". */
const char *imr_file_status_name(enum imr_file_status s);

/* Counts what the index holds. Returns IMR_OK and a new struct in *OUT
 * (imr_index_stats_free), IMR_EDB or IMR_ENOMEM. */
int imr_index_stats(struct imr_index *ix, struct imr_index_stats **out,
                    char *err);
/* Frees stats; NULL is ok. */
void imr_index_stats_free(struct imr_index_stats *st);
/* The stats as a JSON object (new reference), NULL on OOM. */
json_t *imr_index_stats_json(const struct imr_index_stats *st);

#endif
