/* imr-index build: N parser threads feed one writer (the main thread)
 * through a bounded queue; the whole build is one SQLite transaction.
 *
 * Incremental rules: a file whose content hash and size match its files
 * row is skipped; a changed file has its old letter deleted before the
 * new one goes in; a rejected file is recorded with its reason. Two files
 * giving the same record id (e.g. the -layout and plain pdftotext output
 * of one letter): the file whose path sorts later (strcmp) is kept, the
 * other is recorded as 'duplicate' with det_id = the kept letter, and a
 * warning names both. The rule does not depend on thread timing or on
 * the order of runs. Duplicate files are parsed again on every run, so
 * when the kept file goes away the other takes its place. */
#include "indexer.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "imr/input.h"
#include "imr/parse.h"
#include "imr/record.h"

#include <jansson.h>
#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FTS_BATCH 4096   /* letters between two item_fts flushes */

enum result_kind {
    RES_PARSED,      /* rec holds the letter */
    RES_UNCHANGED,   /* same content as recorded: skipped */
    RES_REJECTED     /* reason says why */
};

/* What a worker hands the writer for one file. */
struct result {
    size_t idx;                        /* into the walk list */
    enum result_kind kind;
    struct imr_record *rec;            /* RES_PARSED, one letter */
    struct imr_input in;               /* RES_PARSED: many records (a DMHC
                                          CSV) and skipped rows */
    char hash[IMR_HASH_HEX_LEN + 1];
    long long size, mtime;
    int same_hash;                     /* content as recorded */
    unsigned char *blob;               /* RES_PARSED, one letter: packed
                                          by the worker, or NULL */
    size_t blob_len;
    unsigned char **blobs;             /* many records: in.recs packed by
                                          the worker, or NULL */
    size_t *blob_lens;
    char reason[IMR_ERR_LEN];          /* RES_REJECTED */
};

/* State shared by the workers and the writer. */
struct build {
    const struct walk_list *files;
    const struct imr_index_file *prior;   /* files rows, sorted by path */
    size_t n_prior;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    size_t next;                          /* next file to take */
    struct result **q;                    /* ring of cap results */
    char *counted;                        /* per file: 'p'arsed,
                                             'u'nchanged, 'r'ejected */
    size_t cap, head, count;
    int stop;                             /* writer gave up */
};

/* Counters of the summary line. */
struct tally {
    size_t parsed, unchanged, rejected, duplicate, pruned, warnings;
    unsigned long long bytes;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_prior(const void *key, const void *elem)
{
    return strcmp(key, ((const struct imr_index_file *)elem)->path);
}

/* The recorded row of PATH before this build, or NULL. */
static const struct imr_index_file *prior_find(const struct build *b,
                                               const char *path)
{
    if (b->n_prior == 0)
        return NULL;
    return bsearch(path, b->prior, b->n_prior, sizeof(*b->prior),
                   cmp_prior);
}

static void result_free(struct result *r)
{
    size_t i;

    if (r == NULL)
        return;
    imr_record_free(r->rec);
    for (i = 0; r->blobs != NULL && i < r->in.n_recs; i++)
        free(r->blobs[i]);
    free(r->blobs);
    free(r->blob_lens);
    imr_input_free(&r->in);
    free(r->blob);
    free(r);
}

/* What one worker thread works with. */
struct worker_arg {
    struct build *b;
    struct imr_packer *pk;     /* its own: packs the letters it parses */
};

/* Packs the records of a many-record file (a DMHC CSV) into r->blobs;
 * a record that fails keeps a NULL blob (the writer packs it itself). */
static void pack_many(struct result *r, struct imr_packer *pk)
{
    size_t i;

    r->blobs = calloc(r->in.n_recs, sizeof(*r->blobs));
    r->blob_lens = calloc(r->in.n_recs, sizeof(*r->blob_lens));
    if (r->blobs == NULL || r->blob_lens == NULL) {
        free(r->blobs);
        free(r->blob_lens);
        r->blobs = NULL;
        r->blob_lens = NULL;
        return;
    }
    for (i = 0; i < r->in.n_recs; i++)
        if (r->in.recs[i]->id == NULL ||
            imr_packer_pack(pk, r->in.recs[i], &r->blobs[i],
                            &r->blob_lens[i], NULL) != IMR_OK)
            r->blobs[i] = NULL;
}

/* Reads, hashes and (unless unchanged) parses file IDX into a result;
 * with PK, also packs its letter (imr_packer_pack), so the writer only
 * binds and steps. */
static struct result *work_one(struct build *b, size_t idx,
                               struct imr_packer *pk)
{
    const char *path = b->files->v[idx].path;
    const struct imr_index_file *pf;
    struct result *r = calloc(1, sizeof(*r));
    char *data = NULL;
    size_t len;
    int rc;

    if (r == NULL)
        return NULL;
    r->idx = idx;
    if (walk_read_file(path, &data, &len, &r->mtime, r->reason) != 0) {
        r->kind = RES_REJECTED;
        return r;
    }
    r->size = (long long)len;
    imr_hash64_hex(data, len, r->hash);
    pf = prior_find(b, path);
    r->same_hash = pf != NULL && pf->size == r->size &&
                   strcmp(pf->hash, r->hash) == 0;
    if (r->same_hash && pf->status != IMR_FILE_DUPLICATE) {
        r->kind = RES_UNCHANGED;
        free(data);
        return r;
    }
    /* By content: a PDF (extracted here, in the worker), a DMHC CSV
     * or case text, or a letter as text. */
    rc = imr_input_parse(data, len, path, &r->in, r->reason);
    free(data);
    if (rc == IMR_ENOMEM) {
        free(r);
        return NULL;
    }
    if (rc == IMR_OK && r->in.n_recs == 1) {
        r->rec = r->in.recs[0];
        r->in.n_recs = 0;
        /* a failure leaves blob NULL: the writer packs and reports it */
        if (pk != NULL && r->rec->id != NULL &&
            imr_packer_pack(pk, r->rec, &r->blob, &r->blob_len, NULL)
            != IMR_OK)
            r->blob = NULL;
    } else if (rc == IMR_OK && pk != NULL && r->in.n_recs > 1) {
        pack_many(r, pk);
    }
    r->kind = rc == IMR_OK ? RES_PARSED : RES_REJECTED;
    return r;
}

/* Worker thread: takes files until none are left or the writer stops. */
static void *worker(void *arg)
{
    struct worker_arg *wa = arg;
    struct build *b = wa->b;
    struct result *r;
    size_t idx;

    for (;;) {
        pthread_mutex_lock(&b->mu);
        if (b->stop || b->next >= b->files->n) {
            pthread_mutex_unlock(&b->mu);
            return NULL;
        }
        idx = b->next++;
        pthread_mutex_unlock(&b->mu);

        /* NULL: out of memory, the writer stops the build */
        r = work_one(b, idx, wa->pk);
        pthread_mutex_lock(&b->mu);
        while (b->count == b->cap && !b->stop)
            pthread_cond_wait(&b->not_full, &b->mu);
        if (b->stop) {
            pthread_mutex_unlock(&b->mu);
            result_free(r);
            return NULL;
        }
        b->q[(b->head + b->count) % b->cap] = r;   /* NULL = OOM */
        b->count++;
        pthread_cond_signal(&b->not_empty);
        pthread_mutex_unlock(&b->mu);
    }
}

/* Takes the next result from the queue (waits for one). */
static struct result *queue_pop(struct build *b)
{
    struct result *r;

    pthread_mutex_lock(&b->mu);
    while (b->count == 0)
        pthread_cond_wait(&b->not_empty, &b->mu);
    r = b->q[b->head];
    b->head = (b->head + 1) % b->cap;
    b->count--;
    pthread_cond_signal(&b->not_full);
    pthread_mutex_unlock(&b->mu);
    return r;
}

/* Tells the workers to stop and wakes them. */
static void queue_stop(struct build *b)
{
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_broadcast(&b->not_full);
    pthread_mutex_unlock(&b->mu);
}

/* ---- the writer --------------------------------------------------------- */

/* The progress line is on screen: clear it before printing a message. */
static int progress_shown;

static void clear_progress(void)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
}

/* Prints "imr-index: PATH: MESSAGE" on stderr. */
static void report(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report(const char *path, const char *fmt, ...)
{
    va_list ap;

    clear_progress();
    fprintf(stderr, "imr-index: %s: ", path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Writes the files row of PATH. */
static int put_file(struct imr_index *ix, const char *path,
                    const struct result *r, enum imr_file_status status,
                    const char *reason, long long det_id, char *err)
{
    struct imr_index_file f;

    memset(&f, 0, sizeof(f));
    f.path = (char *)(uintptr_t)path;    /* only read by file_put */
    snprintf(f.hash, sizeof(f.hash), "%s", r->hash);
    f.size = r->size;
    f.mtime = r->mtime;
    f.status = status;
    f.reason = (char *)(uintptr_t)reason;
    f.det_id = det_id;
    return imr_index_file_put(ix, &f, err);
}

/* Deletes the letter PATH held before this build, if any. */
static int drop_old(struct imr_index *ix, const char *path,
                    struct imr_index_file *cur, int *had, char *err)
{
    int rc = imr_index_file_get(ix, path, cur, err);

    *had = 0;
    if (rc == IMR_ENOTFOUND)
        return IMR_OK;
    if (rc != IMR_OK)
        return rc;
    *had = 1;
    if (cur->status == IMR_FILE_INDEXED && cur->det_id > 0 &&
        (rc = imr_index_delete(ix, cur->det_id, err)) != IMR_OK)
        return rc;
    if (cur->status == IMR_FILE_INDEXED)   /* the rows of a DMHC CSV */
        return imr_index_delete_source(ix, path, err);
    return IMR_OK;
}

/* Inserts the letter of R, packed by the worker when it could. */
static int put_rec(struct imr_index *ix, struct result *r, long long *det,
                   char *err)
{
    if (r->blob != NULL)
        return imr_index_put_packed(ix, r->rec, r->blob, r->blob_len, det,
                                    err);
    return imr_index_put(ix, r->rec, det, err);
}

/* Stores a parsed letter from PATH, applying the duplicate-id rule. */
static int write_parsed(struct imr_index *ix, const char *path,
                        struct result *r, const struct build_opts *o,
                        struct tally *t, char *err)
{
    struct imr_record *rec = r->rec;
    struct imr_index_file cur, other;
    char *other_src = NULL, reason[IMR_ERR_LEN + 64];
    long long other_det = 0, det = 0;
    int rc, had = 0, unchanged = 0;
    size_t i;

    memset(&other, 0, sizeof(other));
    if ((rc = drop_old(ix, path, &cur, &had, err)) != IMR_OK)
        return rc;
    rc = imr_index_find(ix, rec->id, &other_det, &other_src, err);
    if (rc == IMR_ENOTFOUND) {
        rc = put_rec(ix, r, &det, err);
        if (rc == IMR_OK)
            rc = put_file(ix, path, r, IMR_FILE_INDEXED, NULL, det, err);
        t->parsed++;
    } else if (rc == IMR_OK && other_src != NULL &&
               strcmp(path, other_src) < 0) {
        /* The other file sorts later: it keeps the id. */
        snprintf(reason, sizeof(reason), "same id %s as %s", rec->id,
                 other_src);
        if (had && r->same_hash && cur.status == IMR_FILE_DUPLICATE &&
            cur.det_id == other_det) {
            unchanged = 1;     /* parsed again only to check the rule */
            t->unchanged++;
        } else {
            report(path, "warning: %s, which is kept (its path sorts"
                   " later)", reason);
            t->parsed++;
            t->duplicate++;
        }
        rc = put_file(ix, path, r, IMR_FILE_DUPLICATE, reason, other_det,
                      err);
    } else if (rc == IMR_OK) {
        /* This file sorts later (or the letter had no file): replace. */
        rc = put_rec(ix, r, &det, err);
        if (rc == IMR_OK)
            rc = put_file(ix, path, r, IMR_FILE_INDEXED, NULL, det, err);
        if (rc == IMR_OK && other_src != NULL &&
            strcmp(path, other_src) != 0) {
            report(other_src, "warning: same id %s as %s, which is kept"
                   " (its path sorts later)", rec->id, path);
            t->duplicate++;
            rc = imr_index_file_get(ix, other_src, &other, err);
            if (rc == IMR_OK) {
                snprintf(reason, sizeof(reason), "same id %s as %s",
                         rec->id, path);
                free(other.reason);
                other.reason = strdup(reason);
                other.status = IMR_FILE_DUPLICATE;
                other.det_id = det;
                rc = other.reason == NULL
                     ? imr_seterr(err, IMR_ENOMEM, "out of memory")
                     : imr_index_file_put(ix, &other, err);
            } else if (rc == IMR_ENOTFOUND) {
                rc = IMR_OK;
            }
        }
        t->parsed++;
    }
    if (rc == IMR_OK && !unchanged) {
        t->warnings += rec->n_warnings;
        for (i = 0; o->verbose && i < rec->n_warnings; i++)
            report(path, "warning: %s", rec->warnings[i]);
    }
    imr_index_file_clear(&other);
    imr_index_file_clear(&cur);
    free(other_src);
    return rc;
}

/* Stores the records of a many-record file (a DMHC CSV): the file's
 * previous rows go first; a row id already held by another file is
 * replaced (the CSV is the newer data). */
static int write_many(struct imr_index *ix, const char *path,
                      struct result *r, struct tally *t, char *err)
{
    struct imr_index_file cur;
    long long det = 0, first = 0;
    size_t i;
    int rc, had;

    if ((rc = drop_old(ix, path, &cur, &had, err)) != IMR_OK)
        return rc;
    imr_index_file_clear(&cur);
    for (i = 0; rc == IMR_OK && i < r->in.n_recs; i++) {
        if (r->blobs != NULL && r->blobs[i] != NULL)
            rc = imr_index_put_packed(ix, r->in.recs[i], r->blobs[i],
                                      r->blob_lens[i], &det, err);
        else
            rc = imr_index_put(ix, r->in.recs[i], &det, err);
        if (i == 0)
            first = det;
    }
    if (rc != IMR_OK)
        return rc;
    t->parsed++;
    report(path, "%s: %zu records, %zu rows skipped", r->in.kind,
           r->in.n_recs, r->in.n_skipped);
    return put_file(ix, path, r, IMR_FILE_INDEXED, NULL, first, err);
}

/* Applies one worker result to the index. */
static int write_result(struct imr_index *ix, const struct build *b,
                        struct result *r, const struct build_opts *o,
                        struct tally *t, char *err)
{
    const char *path = b->files->v[r->idx].path;
    const struct imr_index_file *pf;
    struct imr_index_file cur;
    int rc, had;

    t->bytes += (unsigned long long)r->size;
    switch (r->kind) {
    case RES_UNCHANGED:
        t->unchanged++;
        pf = prior_find(b, path);
        if (pf == NULL || pf->mtime == r->mtime)
            return IMR_OK;
        /* Only the mtime changed; the row may have changed in this build
         * (another file took its id), so update the current row. */
        if ((rc = imr_index_file_get(ix, path, &cur, err)) != IMR_OK)
            return rc == IMR_ENOTFOUND ? IMR_OK : rc;
        cur.mtime = r->mtime;
        rc = imr_index_file_put(ix, &cur, err);
        imr_index_file_clear(&cur);
        return rc;
    case RES_REJECTED:
        report(path, "%s", r->reason[0] ? r->reason
               : "holds no determination");
        t->rejected++;
        if ((rc = drop_old(ix, path, &cur, &had, err)) != IMR_OK)
            return rc;
        imr_index_file_clear(&cur);
        return put_file(ix, path, r, IMR_FILE_REJECTED,
                        r->reason[0] ? r->reason : "holds no determination",
                        0, err);
    case RES_PARSED:
        for (rc = 0; (size_t)rc < r->in.n_skipped; rc++)
            report(path, "%s: skipped", r->in.skipped[rc]);
        if (r->rec == NULL)
            return write_many(ix, path, r, t, err);
        return write_parsed(ix, path, r, o, t, err);
    }
    return IMR_OK;
}

/* Shows "N/T files, X files/s, ETA" at most 4 times a second. */
static void show_progress(size_t done, size_t total, double start,
                          double *last)
{
    double now = now_s(), rate;

    if (now - *last < 0.25)
        return;
    *last = now;
    rate = done / (now - start > 1e-6 ? now - start : 1e-6);
    fprintf(stderr, "\r\033[Kimr-index: %zu/%zu files, %.0f files/s,"
            " ETA %.0f s", done, total, rate,
            rate > 0 ? (double)(total - done) / rate : 0.0);
    progress_shown = 1;
}

static int cmp_walk(const void *a, const void *b)
{
    return strcmp(((const struct walk_file *)a)->path,
                  ((const struct walk_file *)b)->path);
}

/* Drops the letters of recorded files that no longer exist. */
static int prune(struct imr_index *ix, const struct build *b,
                 struct tally *t, char *err)
{
    const struct walk_list *l = b->files;
    struct stat st;
    size_t i;
    int rc;

    for (i = 0; i < b->n_prior; i++) {
        const char *p = b->prior[i].path;
        struct walk_file key;

        key.path = (char *)(uintptr_t)p;
        if (l->n > 0 && bsearch(&key, l->v, l->n, sizeof(*l->v),
                                cmp_walk) != NULL)
            continue;
        if (stat(p, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
            continue;
        if ((rc = imr_index_file_delete(ix, p, err)) != IMR_OK)
            return rc;
        report(p, "gone, dropped from the index");
        t->pruned++;
    }
    return IMR_OK;
}

/* A file processed again by fix_orphans leaves the counter it was
 * counted in, so every file is counted once. */
static void uncount(struct build *b, const char *path, struct tally *t)
{
    struct walk_file key, *f;

    key.path = (char *)(uintptr_t)path;
    if (b->files->n == 0 || (f = bsearch(&key, b->files->v, b->files->n,
                                         sizeof(key), cmp_walk)) == NULL)
        return;
    switch (b->counted[f - b->files->v]) {
    case 'p':
        t->parsed--;
        break;
    case 'u':
        t->unchanged--;
        break;
    case 'r':
        t->rejected--;
        break;
    }
    b->counted[f - b->files->v] = 0;
}

/* Duplicate files whose kept letter went away during this build (its file
 * changed id or was dropped) are parsed again here, so their letter comes
 * back in the same transaction. */
static int fix_orphans(struct imr_index *ix, struct build *b,
                       const struct build_opts *o, struct tally *t,
                       char *err)
{
    static const char sql[] =
        "SELECT path, hash FROM files WHERE status = 'duplicate' AND"
        " (det_id IS NULL OR det_id NOT IN (SELECT id FROM determinations))"
        " ORDER BY path";
    sqlite3_stmt *st = NULL;
    struct walk_list paths = {NULL, 0, 0};
    struct build one;
    struct result *r = NULL;
    size_t i;
    int rc, round;

    memset(&one, 0, sizeof(one));
    one.files = &paths;
    for (round = 0; round < 4; round++) {
        rc = IMR_OK;
        if (sqlite3_prepare_v2(imr_index_db(ix), sql, -1, &st, NULL)
            != SQLITE_OK)
            return imr_seterr(err, IMR_EDB, "orphans: %s",
                              sqlite3_errmsg(imr_index_db(ix)));
        while (rc == IMR_OK && sqlite3_step(st) == SQLITE_ROW) {
            const char *p = (const char *)sqlite3_column_text(st, 0);
            struct walk_file *nv = paths.v;

            if (paths.n == paths.cap) {
                paths.cap = paths.cap * 2 + 8;
                nv = realloc(paths.v, paths.cap * sizeof(*nv));
            }
            if (nv == NULL || p == NULL ||
                (nv[paths.n].path = strdup(p)) == NULL) {
                if (nv != NULL)
                    paths.v = nv;
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                break;
            }
            paths.v = nv;
            paths.n++;
        }
        sqlite3_finalize(st);
        for (i = 0; rc == IMR_OK && i < paths.n; i++) {
            if ((r = work_one(&one, i, NULL)) == NULL) {
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                break;
            }
            uncount(b, paths.v[i].path, t);
            rc = write_result(ix, &one, r, o, t, err);
            result_free(r);
        }
        i = paths.n;
        walk_list_free(&paths);
        if (rc != IMR_OK || i == 0)
            return rc;
    }
    return IMR_OK;
}

/* Trains the index's zstd dictionary, when it has none, from the
 * first letters of this build (parsed here and again by the workers:
 * a fraction of a second). */
static int train(struct imr_index *ix, struct build *b, char *err)
{
    struct imr_record *recs[IMR_INDEX_DICT_SAMPLES] = {NULL};
    struct result *r;
    size_t i, n = 0;
    int rc = IMR_OK;

    for (i = 0; i < b->files->n && i < 4 * IMR_INDEX_DICT_SAMPLES &&
         n < IMR_INDEX_DICT_SAMPLES; i++) {
        if ((r = work_one(b, i, NULL)) == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            break;
        }
        if (r->kind == RES_PARSED && r->rec != NULL) {
            recs[n++] = r->rec;
            r->rec = NULL;
        }
        result_free(r);
    }
    if (rc == IMR_OK)
        rc = imr_index_train(ix, recs, n, err);
    for (i = 0; i < n; i++)
        imr_record_free(recs[i]);
    return rc;
}

/* One stored letter of IX's row ST (text, record) as a record with its
 * text, into *OUT (NULL when the row cannot be read back). */
static int stored_record(struct imr_index *ix, sqlite3_stmt *st,
                         struct imr_record **out, char *err)
{
    const char *rec_col = (const char *)sqlite3_column_text(st, 1);
    char *text = NULL, *rjs = NULL;
    json_t *js;
    int rc;

    *out = NULL;
    if (rec_col != NULL && rec_col[0] != '\0') {      /* not packed */
        const char *t = (const char *)sqlite3_column_text(st, 0);

        text = strdup(t != NULL ? t : "");
        rjs = strdup(rec_col);
        if (text == NULL || rjs == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    } else if ((rc = imr_index_unpack(ix, sqlite3_column_blob(st, 0),
                   (size_t)sqlite3_column_bytes(st, 0), &text, &rjs,
                   err)) != IMR_OK) {
        if (rc == IMR_EINVAL)       /* unreadable: train without it */
            rc = IMR_OK;
        goto done;
    }
    js = json_loads(rjs, 0, NULL);
    rc = js != NULL ? imr_record_from_json(js, out, err) : IMR_OK;
    json_decref(js);
    if (rc == IMR_EINVAL)
        rc = IMR_OK;
    if (rc == IMR_OK && *out != NULL) {
        free((*out)->text);
        (*out)->text = text;
        text = NULL;
    }
done:
    free(text);
    free(rjs);
    return rc;
}

/* An index grown by small builds (imr-index watch adds a letter at a
 * time, too few to train on) trains its dictionary from its own newest
 * IMR_INDEX_DICT_GROW_SAMPLES letters once it holds that many. */
static int train_from_index(struct imr_index *ix, char *err)
{
    struct imr_record *recs[IMR_INDEX_DICT_GROW_SAMPLES];
    sqlite3_stmt *st = NULL;
    size_t n = 0, rows = 0, i;
    int rc = IMR_OK, step;

    /* letters read back only once there are enough of them */
    if (sqlite3_prepare_v2(imr_index_db(ix), "SELECT count(*) FROM (SELECT"
                           " 1 FROM determinations LIMIT ?1)", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_bind_int(st, 1, IMR_INDEX_DICT_GROW_SAMPLES) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = imr_seterr(err, IMR_EDB, "counting letters to train on: %s",
                        sqlite3_errmsg(imr_index_db(ix)));
        goto done;
    }
    if (sqlite3_column_int(st, 0) < IMR_INDEX_DICT_GROW_SAMPLES)
        goto done;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(imr_index_db(ix), "SELECT text, record FROM"
                           " determinations ORDER BY id DESC LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int(st, 1, IMR_INDEX_DICT_GROW_SAMPLES) != SQLITE_OK) {
        rc = imr_seterr(err, IMR_EDB, "reading letters to train on: %s",
                        sqlite3_errmsg(imr_index_db(ix)));
        goto done;
    }
    while (rc == IMR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        rc = stored_record(ix, st, &recs[n], err);
        if (rc == IMR_OK && recs[n] != NULL)
            n++;
    }
    if (rc == IMR_OK && step != SQLITE_DONE)
        rc = imr_seterr(err, IMR_EDB, "reading letters to train on: %s",
                        sqlite3_errmsg(imr_index_db(ix)));
    if (rc == IMR_OK && rows >= IMR_INDEX_DICT_GROW_SAMPLES)
        rc = imr_index_train(ix, recs, n, err);
done:
    for (i = 0; i < n; i++)
        imr_record_free(recs[i]);
    sqlite3_finalize(st);
    return rc;
}

/* The file a first build writes (fresh_file), deleted if SIGINT or
 * SIGTERM stops the build: the index does not exist until it is done. */
static const char *volatile fresh_now;
static struct sigaction fresh_old[2];   /* SIGINT's and SIGTERM's before */
static int fresh_guarded[2];

static void fresh_on_signal(int sig)
{
    if (fresh_now != NULL)
        unlink(fresh_now);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* From now on, deletes PATH when SIGINT or SIGTERM stops the process;
 * with NULL, no more. Only for a signal that would stop it: one ignored
 * stays ignored, and a caller's handler stays (imr-index watch stops
 * when its build is done). */
static void fresh_guard(const char *path)
{
    static const int sigs[2] = {SIGINT, SIGTERM};
    struct sigaction sa;
    int i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fresh_on_signal;
    sigemptyset(&sa.sa_mask);
    fresh_now = path;
    for (i = 0; i < 2; i++) {
        if (path == NULL) {
            if (fresh_guarded[i])
                sigaction(sigs[i], &fresh_old[i], NULL);
            fresh_guarded[i] = 0;
        } else if (sigaction(sigs[i], NULL, &fresh_old[i]) == 0 &&
                   fresh_old[i].sa_handler == SIG_DFL) {
            fresh_guarded[i] = sigaction(sigs[i], &sa, NULL) == 0;
        }
    }
}

/* For an index that does not exist yet: creates an empty file beside it
 * for the build to write (IMR_INDEX_FRESH) into *TMP (free()), to move
 * into place when committed. NULL when the index exists, or when no such
 * file can be made: the build then writes the index itself. */
static char *fresh_file(const char *db)
{
    struct stat st;
    char *tmp;
    size_t n;
    int fd;

    if (stat(db, &st) == 0 || errno != ENOENT)
        return NULL;
    n = strlen(db) + 32;
    if ((tmp = malloc(n)) == NULL)
        return NULL;
    snprintf(tmp, n, "%s.new-%ld", db, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) {
        free(tmp);
        return NULL;
    }
    close(fd);
    return tmp;
}

int build_run(const struct build_opts *o, char *const *paths, int npaths)
{
    struct walk_list files = {NULL, 0, 0};
    struct imr_index_file *prior = NULL;
    struct imr_index *ix = NULL;
    struct build b;
    struct tally t, before;
    pthread_t *th = NULL;
    struct worker_arg *wa = NULL;
    size_t n_prior = 0, done = 0, flushed = 0;
    int i, started = 0, status = 1, rc = IMR_OK, tty = isatty(2);
    double start = now_s(), last = start, secs;
    char err[IMR_ERR_LEN] = "", *fresh = NULL;

    memset(&b, 0, sizeof(b));
    memset(&t, 0, sizeof(t));
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.not_empty, NULL);
    pthread_cond_init(&b.not_full, NULL);
    if (walk_paths(paths, npaths, &files) != 0)
        goto done;
    /* a first build writes a new file once, without a journal */
    if ((fresh = fresh_file(o->db)) != NULL)
        fresh_guard(fresh);
    if ((rc = imr_index_open(fresh ? fresh : o->db, IMR_INDEX_RDWR |
                             (fresh ? IMR_INDEX_FRESH : 0), &ix, err)) !=
        IMR_OK)
        goto done;
    if ((rc = imr_index_begin(ix, err)) != IMR_OK)
        goto done;
    /* Read under the write lock, so no other build changes it meanwhile. */
    if ((rc = imr_index_files_list(ix, &prior, &n_prior, err)) != IMR_OK)
        goto done;
    b.files = &files;
    b.prior = prior;
    b.n_prior = n_prior;
    if (o->prune && (rc = prune(ix, &b, &t, err)) != IMR_OK)
        goto done;

    if (imr_index_dict_id(ix) == 0 &&
        files.n >= IMR_INDEX_DICT_MIN_SAMPLES &&
        (rc = train(ix, &b, err)) != IMR_OK)
        goto done;
    if (imr_index_dict_id(ix) == 0 && files.n > 0 &&
        (rc = train_from_index(ix, err)) != IMR_OK)
        goto done;

    b.cap = (size_t)o->jobs * 4 + 4;
    b.q = calloc(b.cap, sizeof(*b.q));
    th = calloc((size_t)o->jobs, sizeof(*th));
    wa = calloc((size_t)o->jobs, sizeof(*wa));
    b.counted = calloc(files.n + 1, 1);
    if (b.q == NULL || th == NULL || wa == NULL || b.counted == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < o->jobs; i++) {
        wa[i].b = &b;
        if ((rc = imr_packer_new(ix, &wa[i].pk, err)) != IMR_OK)
            goto done;
    }
    for (i = 0; i < o->jobs; i++) {
        if (pthread_create(&th[i], NULL, worker, &wa[i]) != 0) {
            rc = imr_seterr(err, IMR_ENOMEM, "cannot start a thread: %s",
                            strerror(errno));
            goto done;
        }
        started++;
    }
    for (done = 0; done < files.n; done++) {
        struct result *r = queue_pop(&b);

        if (r == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        before = t;
        rc = write_result(ix, &b, r, o, &t, err);
        b.counted[r->idx] = t.parsed != before.parsed ? 'p'
                            : t.unchanged != before.unchanged ? 'u'
                            : t.rejected != before.rejected ? 'r' : 0;
        result_free(r);
        /* The full-text rows in batches, while the workers parse: the
         * writer is mostly idle then, and less is left for the end. */
        if (rc == IMR_OK && t.parsed - flushed >= FTS_BATCH) {
            rc = imr_index_flush(ix, err);
            flushed = t.parsed;
        }
        if (rc != IMR_OK)
            goto done;
        if (tty)
            show_progress(done + 1, files.n, start, &last);
    }
    if ((rc = fix_orphans(ix, &b, o, &t, err)) != IMR_OK)
        goto done;
    clear_progress();
    if (tty) {
        fprintf(stderr, "imr-index: %zu files read; writing the full-text"
                " index and committing...", files.n);
        progress_shown = 1;
    }
    if ((rc = imr_index_commit(ix, err)) != IMR_OK)
        goto done;
    if (fresh != NULL) {
        imr_index_close(ix);
        ix = NULL;
        rc = imr_index_publish(fresh, o->db, err);
        fresh_guard(NULL);
        free(fresh);
        fresh = NULL;
        if (rc != IMR_OK)
            goto done;
    }
    clear_progress();
    secs = now_s() - start;
    printf("imr-index: %zu files: %zu parsed, %zu unchanged, %zu rejected,"
           " %zu duplicate, %zu pruned, %zu warnings; %.2f s, %.0f"
           " letters/s, %.1f MB/s\n", files.n, t.parsed, t.unchanged,
           t.rejected, t.duplicate, t.pruned, t.warnings, secs,
           t.parsed / (secs > 1e-6 ? secs : 1e-6),
           (double)t.bytes / 1e6 / (secs > 1e-6 ? secs : 1e-6));
    status = 0;
done:
    if (started > 0) {
        queue_stop(&b);
        /* Drain what the workers still hold so none blocks on a full
         * queue; they see stop and exit. */
        for (i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        while (b.count > 0) {
            result_free(b.q[b.head]);
            b.head = (b.head + 1) % b.cap;
            b.count--;
        }
    }
    if (status != 0) {
        clear_progress();
        if (err[0] != '\0')
            fprintf(stderr, "imr-index: %s\n", err);
        if (ix != NULL)
            fprintf(stderr, "imr-index: build failed, the index keeps its"
                    " previous state\n");
    }
    imr_index_close(ix);     /* rolls back an unfinished build */
    if (fresh != NULL) {     /* a first build that failed: no index */
        unlink(fresh);
        fresh_guard(NULL);
        free(fresh);
    }
    for (i = 0; wa != NULL && i < o->jobs; i++)
        imr_packer_free(wa[i].pk);
    free(wa);
    free(th);
    free(b.q);
    free(b.counted);
    imr_index_files_free(prior, n_prior);
    walk_list_free(&files);
    pthread_cond_destroy(&b.not_full);
    pthread_cond_destroy(&b.not_empty);
    pthread_mutex_destroy(&b.mu);
    return status;
}
