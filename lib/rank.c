/* imr_bm25: the BM25 ranking function of FTS5 (the same formula and the
 * same floating-point steps, so its scores equal bm25()'s bit for bit)
 * that can leave the IDF of a one-phrase query to its caller. See rank.h
 * for why: the search's store path (lib/search.c) counts every match of
 * the query in the same pass and applies the IDF once at the end. The
 * IDFs of a query of several phrases are computed as bm25() does, once
 * per index state and MATCH string (a small LRU cache per handle), but
 * a phrase whose rows the caller knows (the synonym spellings and every
 * term of the index, counted with the facet store, and the phrases other
 * queries of the same index state counted: lib/phrase_rows.h) is not run
 * again. imr_bm25_take is the same score computed in a WHERE clause for
 * the rows its caller takes, handed to that caller instead of returned.
 * imr_each_phrase hands the caller the rows of a one-phrase MATCH string
 * in a range, walked by FTS5 as for bm25()'s IDF counts. */
#include "rank.h"
#include "imr/imr.h"
#include "imr/record.h"
#include "phrase_rows.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BM25_K1 1.2
#define BM25_B 0.75
#define CACHE_SLOTS 256         /* MATCH strings whose IDFs are kept */

/* The IDFs of one MATCH string in the cache's index state. */
struct rank_cache_ent {
    char *expr;
    int nphrase;
    double *idf;
    unsigned long long used;    /* tick of the last use (LRU) */
};

struct imr_rank_cache {
    char *sig;                  /* the index state the entries belong to */
    struct rank_cache_ent e[CACHE_SLOTS];
    unsigned long long tick;
};

/* Per-query values, computed before the first row (FTS5 auxdata). */
struct bm25_query {
    int nphrase;
    double avgdl;          /* mean tokens per row over the table */
    double *idf;           /* per phrase; 1 for a deferred one */
    double *freq;          /* per phrase, of the current row */
};

/* The IDF bm25() gives a phrase found in HITS of ROWS rows; see rank.h.
 * A phrase in more than half the rows would get a negative IDF: as in
 * bm25(), it gets a tiny positive one instead. */
double imr_rank_idf(long long rows, long long hits)
{
    double idf = log(((double)rows - (double)hits + 0.5) /
                     ((double)hits + 0.5));

    return idf <= 0.0 ? 1e-6 : idf;
}

struct imr_rank_cache *imr_rank_cache_new(void)
{
    return calloc(1, sizeof(struct imr_rank_cache));
}

static void cache_clear(struct imr_rank_cache *c)
{
    size_t i;

    for (i = 0; i < CACHE_SLOTS; i++) {
        free(c->e[i].expr);
        free(c->e[i].idf);
        memset(&c->e[i], 0, sizeof(c->e[i]));
    }
    free(c->sig);
    c->sig = NULL;
}

void imr_rank_cache_free(struct imr_rank_cache *c)
{
    if (c == NULL)
        return;
    cache_clear(c);
    free(c);
}

/* The cached IDFs of SLOT's query (NPHRASE of them) into IDF: 1 if
 * found. An entry of another index state is never used: the cache is
 * emptied when the state changes. */
static int cache_get(const struct imr_rank_defer *slot, int nphrase,
                     double *idf)
{
    struct imr_rank_cache *c = slot->cache;
    size_t i;

    if (c == NULL || slot->sig == NULL || slot->expr == NULL)
        return 0;
    if (c->sig == NULL || strcmp(c->sig, slot->sig) != 0) {
        cache_clear(c);
        if ((c->sig = strdup(slot->sig)) == NULL)
            return 0;
    }
    for (i = 0; i < CACHE_SLOTS; i++)
        if (c->e[i].expr != NULL && c->e[i].nphrase == nphrase &&
            strcmp(c->e[i].expr, slot->expr) == 0) {
            memcpy(idf, c->e[i].idf, (size_t)nphrase * sizeof(double));
            c->e[i].used = ++c->tick;
            return 1;
        }
    return 0;
}

/* Keeps the NPHRASE IDFs of SLOT's query, in place of the least recently
 * used entry (out of memory: not kept). */
static void cache_put(const struct imr_rank_defer *slot, int nphrase,
                      const double *idf)
{
    struct imr_rank_cache *c = slot->cache;
    struct rank_cache_ent *e;
    size_t i, lru = 0;
    char *expr;
    double *v;

    if (c == NULL || c->sig == NULL || slot->sig == NULL ||
        slot->expr == NULL || strcmp(c->sig, slot->sig) != 0)
        return;
    for (i = 1; i < CACHE_SLOTS; i++)
        if (c->e[i].used < c->e[lru].used)
            lru = i;
    expr = strdup(slot->expr);
    v = malloc((size_t)nphrase * sizeof(double));
    if (expr == NULL || v == NULL) {
        free(expr);
        free(v);
        return;
    }
    memcpy(v, idf, (size_t)nphrase * sizeof(double));
    e = &c->e[lru];
    free(e->expr);
    free(e->idf);
    e->expr = expr;
    e->idf = v;
    e->nphrase = nphrase;
    e->used = ++c->tick;
}

/* xQueryPhrase callback: one more row holds the phrase. */
static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts,
                     void *user)
{
    (void)api;
    (void)fts;
    (*(long long *)user)++;
    return SQLITE_OK;
}

/* What one_token gathers: the first token of a text, and how many. */
struct one_token {
    int n;
    int len;                    /* -1: longer than buf */
    char buf[128];
};

/* xTokenize callback: keeps the first token of the text in CTX. A token
 * at the same position as the one before (FTS5_TOKEN_COLOCATED, a
 * tokenizer's synonym) counts as another. */
static int one_token_cb(void *ctx, int flags, const char *tok, int len,
                        int start, int end)
{
    struct one_token *o = ctx;

    (void)flags;
    (void)start;
    (void)end;
    if (o->n++ == 0) {
        if (len < 0 || (size_t)len > sizeof(o->buf)) {
            o->len = -1;
        } else {
            memcpy(o->buf, tok, (size_t)len);
            o->len = len;
        }
    }
    return SQLITE_OK;
}

/* The rows of the phrase of key KEY into *HITS when it is one term of
 * FTS's index whose rows TERMS holds (lib/phrase_rows.h): 1, else 0 (a
 * phrase of several terms or of none, a prefix phrase, a term TERMS does
 * not hold: the caller counts). The key is tokenized by FTS's own
 * tokenizer, as FTS5 tokenizes the phrase. */
static int term_rows(const Fts5ExtensionApi *api, Fts5Context *fts,
                     const struct imr_term_rows *terms, const char *key,
                     long long *hits)
{
    struct one_token o;
    size_t n = strlen(key);

    if (imr_term_rows_count(terms) == 0 ||
        (n >= 2 && key[n - 2] == ' ' && key[n - 1] == '*') || n > INT_MAX)
        return 0;
    memset(&o, 0, sizeof(o));
    if (api->xTokenize(fts, key, (int)n, &o, one_token_cb) != SQLITE_OK ||
        o.n != 1 || o.len < 0)
        return 0;
    return imr_term_rows_get(terms, o.buf, (size_t)o.len, hits);
}

/* The per-query values of FTS, made on the first row of the query. */
static int bm25_query_of(const Fts5ExtensionApi *api, Fts5Context *fts,
                         struct imr_rank_defer *slot,
                         struct bm25_query **out)
{
    struct bm25_query *q = api->xGetAuxdata(fts, 0);
    sqlite3_int64 rows = 0, tokens = 0;
    int i, rc;

    *out = q;
    if (q != NULL)
        return SQLITE_OK;
    i = api->xPhraseCount(fts);
    q = sqlite3_malloc64(sizeof(*q) + 2 * (size_t)i * sizeof(double));
    if (q == NULL)
        return SQLITE_NOMEM;
    memset(q, 0, sizeof(*q) + 2 * (size_t)i * sizeof(double));
    q->nphrase = i;
    q->idf = (double *)(q + 1);
    q->freq = q->idf + i;
    if ((rc = api->xRowCount(fts, &rows)) != SQLITE_OK ||
        (rc = api->xColumnTotalSize(fts, -1, &tokens)) != SQLITE_OK) {
        sqlite3_free(q);
        return rc;
    }
    q->avgdl = (double)tokens / (double)rows;
    if (slot->allow && q->nphrase == 1) {
        /* one phrase: its IDF scales every score alike; the caller,
         * which counts the matches, applies it (imr_rank_idf) */
        slot->deferred = 1;
        slot->rows = rows;
        q->idf[0] = 1.0;
    } else if (!cache_get(slot, q->nphrase, q->idf)) {
        char **keys = NULL;
        size_t nkeys = 0;

        /* the phrases' keys, when the caller knows some phrases' rows
         * and the MATCH string has exactly FTS5's phrases (else, as on
         * any failure here, every phrase is counted) */
        if ((slot->known != NULL || slot->memo != NULL ||
             slot->terms != NULL) &&
            slot->expr != NULL &&
            (imr_phrase_keys(slot->expr, &keys, &nkeys) != IMR_OK ||
             nkeys != (size_t)q->nphrase)) {
            imr_strv_free(keys, nkeys);
            keys = NULL;
            nkeys = 0;
        }
        for (i = 0; i < q->nphrase; i++) {
            long long hits = 0;

            if (keys != NULL && keys[i] != NULL &&
                (imr_phrase_rows_get(slot->known, keys[i], &hits) ||
                 imr_phrase_memo_get(slot->memo, keys[i], &hits) ||
                 term_rows(api, fts, slot->terms, keys[i], &hits))) {
                q->idf[i] = imr_rank_idf(rows, hits);
                continue;
            }
            hits = 0;
            if ((rc = api->xQueryPhrase(fts, i, &hits, count_row)) !=
                SQLITE_OK) {
                imr_strv_free(keys, nkeys);
                sqlite3_free(q);
                return rc;
            }
            if (keys != NULL)
                imr_phrase_memo_put(slot->memo, keys[i], hits);
            q->idf[i] = imr_rank_idf(rows, hits);
        }
        imr_strv_free(keys, nkeys);
        cache_put(slot, q->nphrase, q->idf);
    }
    if ((rc = api->xSetAuxdata(fts, q, sqlite3_free)) != SQLITE_OK)
        return rc;             /* xSetAuxdata freed Q */
    *out = q;
    return SQLITE_OK;
}

/* The score imr_bm25 gives the current row of FTS into *OUT (VAL: the
 * column weights); an SQLite result code. */
static int bm25_score(const Fts5ExtensionApi *api, Fts5Context *fts,
                      struct imr_rank_defer *slot, int nval,
                      sqlite3_value **val, double *out)
{
    struct bm25_query *q;
    double score = 0.0, d;
    long long len = -1;
    int i, rc, tok = 0;

    rc = bm25_query_of(api, fts, slot, &q);
    /* each phrase's instances in this row, in the order of xInst (column,
     * then offset) and so summed in bm25()'s order; walked phrase by
     * phrase, without the merged and sorted array xInst builds */
    for (i = 0; rc == SQLITE_OK && i < q->nphrase; i++) {
        Fts5PhraseIter it;
        int ic, io;
        double f = 0.0;

        rc = api->xPhraseFirst(fts, i, &it, &ic, &io);
        for (; rc == SQLITE_OK && ic >= 0;
             api->xPhraseNext(fts, &it, &ic, &io))
            f += nval > ic ? sqlite3_value_double(val[ic]) : 1.0;
        q->freq[i] = f;
    }
    if (rc == SQLITE_OK && slot->doclen != NULL)
        len = slot->doclen(slot->doclen_arg, api->xRowid(fts));
    if (len >= 0 && len <= INT_MAX)
        tok = (int)len;           /* as the docsize record holds it */
    else if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, -1, &tok);
    if (rc != SQLITE_OK)
        return rc;
    d = (double)tok;
    for (i = 0; i < q->nphrase; i++)
        score += q->idf[i] * ((q->freq[i] * (BM25_K1 + 1.0)) /
                              (q->freq[i] + BM25_K1 * (1 - BM25_B +
                               BM25_B * d / q->avgdl)));
    *out = -1.0 * score;
    return SQLITE_OK;
}

/* imr_bm25(item_fts, w0, w1, ...): column weights as in bm25(). */
static void bm25_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    double score;
    int rc = bm25_score(api, fts, api->xUserData(fts), nval, val, &score);

    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_double(ctx, score);
}

/* imr_bm25_take(item_fts, w0, w1, ...): see rank.h. In the WHERE clause,
 * it saves the VM what returning each ranked row costs: the result row,
 * the step back to the caller, a second function call (a first pass of
 * `ketoprofen`, 3,661 matches ranked, took 14% fewer instructions). */
static void bm25_take_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                         sqlite3_context *ctx, int nval,
                         sqlite3_value **val)
{
    struct imr_rank_defer *slot = api->xUserData(fts);
    long long id = api->xRowid(fts);
    double score;
    int rc;

    if (slot->take == NULL || slot->put == NULL) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    if (!slot->take(slot->take_arg, id)) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    if ((rc = bm25_score(api, fts, slot, nval, val, &score)) != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_int(ctx, slot->put(slot->take_arg, id, score));
}

/* One walk of imr_each_phrase. */
struct each_walk {
    const struct imr_rank_defer *slot;
    long long lo, hi;
    unsigned long rows;
};

/* xQueryPhrase callback: a row of the phrase (ascending rowids). */
static int each_row(const Fts5ExtensionApi *api, Fts5Context *fts,
                    void *user)
{
    struct each_walk *w = user;
    long long id = api->xRowid(fts);

    if (id < w->lo)
        return SQLITE_OK;
    if (id >= w->hi)
        return SQLITE_DONE;         /* the rest are above the range */
    if ((++w->rows & 1023) == 0 && w->slot->halt != NULL &&
        w->slot->halt(w->slot->halt_arg))
        return SQLITE_INTERRUPT;
    w->slot->each(w->slot->take_arg, id);
    return SQLITE_OK;
}

/* imr_each_phrase(item_fts, lo, hi): see rank.h. 1 when every row of the
 * range was handed on; an error for a MATCH string of more phrases than
 * one, or a slot without EACH. */
static void each_phrase_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                           sqlite3_context *ctx, int nval,
                           sqlite3_value **val)
{
    struct each_walk w;
    int rc;

    w.slot = api->xUserData(fts);
    if (w.slot->each == NULL || nval != 2 || api->xPhraseCount(fts) != 1) {
        sqlite3_result_error(ctx, "imr_each_phrase: one phrase, a range "
                             "and a walk to hand its rows to", -1);
        return;
    }
    w.lo = sqlite3_value_int64(val[0]);
    w.hi = sqlite3_value_int64(val[1]);
    w.rows = 0;
    rc = api->xQueryPhrase(fts, 0, &w, each_row);
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_int(ctx, 1);
}

/* FTS5's extension API of DB (NULL without FTS5). */
static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

/* Registers imr_bm25 on DB; see rank.h. */
int imr_rank_register(sqlite3 *db, struct imr_rank_defer *slot)
{
    fts5_api *api = fts5_api_of(db);
    int rc;

    if (api == NULL || api->iVersion < 2)
        return SQLITE_ERROR;
    rc = api->xCreateFunction(api, "imr_bm25", slot, bm25_fn, NULL);
    if (rc == SQLITE_OK)
        rc = api->xCreateFunction(api, "imr_bm25_take", slot, bm25_take_fn,
                                  NULL);
    if (rc == SQLITE_OK)
        rc = api->xCreateFunction(api, "imr_each_phrase", slot,
                                  each_phrase_fn, NULL);
    return rc;
}
