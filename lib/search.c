/* Search: a query plan -> SQL over the index (every user value a bound
 * parameter, full text through an FTS5 MATCH string of quoted words) ->
 * hits, total and facets as JSON. */
#include "imr/search.h"
#include "imr/buf.h"
#include "imr/facets.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "rank.h"
#include "phrase_rows.h"
#include "json_out.h"
#include "rank_memo.h"
#include "snippet.h"
#include "tally_memo.h"

#include <ctype.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#define MAX_PARAMS 256
#define SNIPPET_TOKENS 24
#define PLAIN_SNIPPET 240     /* bytes of rationale shown without text */

#define STORE_MAX_DEPTH 100000  /* offset + limit of the store path */
#define CACHE_SLOTS 1024      /* results kept per handle (LRU) */
#define CACHE_MAX_BYTES (16u << 20)  /* their compact JSON, at most */
#define CACHE_MAX_LIMIT 100   /* pages larger than this are not kept */

enum { ST_CITES, ST_PAGES, ST_DIAG, ST_SNIPPET, ST_SNIP_TEXT, ST_DATAVER,
       ST_ROWS,
       ST_MATCH, ST_KEEP, ST_SCORED, ST_SCORED_DESC, ST_SCORED_ASC,
       ST_MATCH_RANGE, ST_PHRASE_RANGE, ST_COUNT };

static const char *const static_sql[ST_COUNT] = {
    /* a whole page of hits at a time: ?1 is the JSON array of its item
     * (or letter) ids */
    [ST_CITES] = "SELECT item_id, id, by, guideline, document, chapter, "
                 "edition, text FROM citations WHERE item_id IN (SELECT "
                 "value FROM json_each(?1)) ORDER BY item_id, id",
    [ST_PAGES] = "SELECT citation_id, page_from, page_to FROM "
                 "citation_pages WHERE item_id IN (SELECT value FROM "
                 "json_each(?1)) ORDER BY citation_id, rowid",
    [ST_DIAG] = "SELECT det_id, name FROM diagnoses WHERE det_id IN "
                "(SELECT value FROM json_each(?1)) ORDER BY det_id, rowid",
    /* the rowids drive the loop: one lookup per hit, not a scan of
     * every match */
    [ST_SNIPPET] = "SELECT item_fts.rowid, snippet(item_fts, -1, '[', ']', "
                   "'...', 24) FROM json_each(?2) j CROSS JOIN item_fts "
                   "ON item_fts.rowid = j.value WHERE item_fts MATCH ?1",
    /* the text FTS5 indexed for each item of the page (item_fts's
     * content), for the snippets made here (lib/snippet.c) */
    [ST_SNIP_TEXT] = "SELECT j.value, s.treatment, s.rationale, "
                     "s.diagnoses, s.summary FROM json_each(?1) j CROSS "
                     "JOIN item_fts_src s ON s.id = j.value",
    [ST_DATAVER] = "PRAGMA data_version",
    /* the store path (store_run): the page's rows by id (the columns of
     * hits_sql), and the full-text matches streamed in rowid order */
    [ST_ROWS] = "SELECT i.id, d.ext_id, d.case_number, i.n, i.treatment, "
                "i.decision, i.category, i.subcategory, d.date_decision, "
                "d.id, i.rationale, d.outcome FROM json_each(?1) j CROSS "
                "JOIN items i ON i.id = j.value JOIN determinations d ON "
                "d.id = i.det_id",
    /* the negation's matches, collected whole */
    [ST_MATCH] = "SELECT rowid FROM item_fts WHERE item_fts MATCH ?1",
    /* imr_keep (keep_fn) tests, counts and tallies each match in memory
     * in the WHERE clause, so that SQLite computes BM25 and hands a row
     * back only for a match that goes on to the page's heap: a query
     * whose filters reject most of its text matches ranks only the rest */
    [ST_KEEP] = "SELECT rowid FROM item_fts WHERE item_fts MATCH ?1 AND "
                "imr_keep(rowid)",
    /* imr_bm25_take tests, counts and tallies each match as imr_keep
     * does, and ranks those that go on to the page's heap with imr_bm25
     * (bm25 whose IDF of a one-phrase query the pass applies at its end,
     * lib/rank.h), putting them on the heap itself (pass_put): no row
     * comes back */
    [ST_SCORED] = "SELECT rowid FROM item_fts WHERE item_fts MATCH ?1 AND "
                  "imr_bm25_take(item_fts, 10.0, 4.0, 3.0, 1.0)",
    /* the bound on the candidates ranked: the newest matches first
     * (FTS5 walks its doclists backwards) until enough are ranked, then
     * the older ones counted without BM25; rowids in [?2, ?3] (the two
     * halves of rank_split); imr_bm25_take hands back the row at which
     * the bound stops the pass */
    [ST_SCORED_DESC] = "SELECT rowid FROM item_fts WHERE item_fts MATCH "
                       "?1 AND rowid >= ?2 AND rowid <= ?3 AND "
                       "imr_bm25_take(item_fts, 10.0, 4.0, 3.0, 1.0) "
                       "ORDER BY rowid DESC",
    /* the same oldest first, when the bound cannot stop the ranking
     * (the query's terms are in too few rows): FTS5 walks its doclists
     * forwards in about two thirds of the time */
    [ST_SCORED_ASC] = "SELECT rowid FROM item_fts WHERE item_fts MATCH "
                      "?1 AND rowid >= ?2 AND rowid <= ?3 AND "
                      "imr_bm25_take(item_fts, 10.0, 4.0, 3.0, 1.0) "
                      "ORDER BY rowid ASC",
    /* the matches in a rowid range [?2, ?3), counted in keep_fn: those
     * left after the ranked ones, or half of them (count_rest) */
    [ST_MATCH_RANGE] = "SELECT rowid FROM item_fts WHERE item_fts MATCH ?1 "
                       "AND rowid >= ?2 AND rowid < ?3 AND imr_keep(rowid)",
    /* the same for a MATCH string of one phrase, in a third of the time:
     * on its first row imr_each_phrase hands every row of the range to
     * pass_each (keep_row) as FTS5 walks the phrase (rank.h) */
    [ST_PHRASE_RANGE] = "SELECT imr_each_phrase(item_fts, ?2, ?3) FROM "
                        "item_fts WHERE item_fts MATCH ?1 LIMIT 1",
};

/* One cached result: the query text and options -> the JSON answer,
 * kept as compact JSON text (a quarter of the memory of the tree). */
struct cache_ent {
    char *key;
    char *res;
    size_t bytes;                    /* strlen(key) + strlen(res) */
    unsigned long long used;         /* tick of the last use (LRU) */
};

struct imr_search {
    struct imr_index *ix;
    sqlite3 *db;                     /* borrowed from ix */
    sqlite3_stmt *st[ST_COUNT];
    struct timespec deadline;        /* of the running query */
    int has_deadline;
    /* results of recent queries, valid while PRAGMA data_version (which
     * changes whenever another connection commits) stays the same */
    struct cache_ent cache[CACHE_SLOTS];
    size_t cache_bytes;
    unsigned long long tick;
    long long data_version;
    /* the facet store of this file, shared in the process (facets.c) */
    struct imr_facets_src *fsrc;
    sqlite3_stmt *sig_st;            /* imr_facets_sig_sql(), prepared */
    struct spass *pass;              /* the store path's pass, for keep_fn */
    struct imr_rank_defer rank;      /* imr_bm25's IDF deferral */
    /* a second read-only connection on which a second thread ranks or
     * counts half of a long pass (rank_split, count_rest); opened at
     * the first such pass */
    sqlite3 *help_db;
    sqlite3_stmt *help_st;           /* ST_MATCH_RANGE on help_db */
    sqlite3_stmt *help_phrase;       /* ST_PHRASE_RANGE on help_db */
    sqlite3_stmt *help_scored;       /* ST_SCORED_DESC on help_db */
    sqlite3_stmt *help_scored_asc;   /* ST_SCORED_ASC on help_db */
    sqlite3_stmt *help_sig;          /* imr_facets_sig_sql() on help_db */
    struct spass *help_pass;         /* keep_fn's pass on help_db */
    struct imr_rank_defer help_rank; /* imr_bm25's on help_db */
    struct cand *help_log;           /* rank_split's lower half, ranked */
    size_t help_log_cap;
    struct cand *ranked_all;         /* a ranking's candidates, for the
                                        rank memo (spass.all) */
    size_t ranked_all_cap;
    atomic_int help_stop;            /* set: the helper's pass stops */
    int help_broken;                 /* could not be opened: not again */
    /* item_fts's tokenizer, for the snippets (page_snippets); opened at
     * the first page with full text */
    struct imr_snip_tok *snip_tok;
    int snip_broken;                 /* could not be opened: FTS5's */
};

static void keep_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv);
static long long pass_doclen(void *arg, long long rowid);
static int pass_take(void *arg, long long rowid);
static int pass_put(void *arg, long long rowid, double score);
static void pass_each(void *arg, long long rowid);
static int progress_cb(void *arg);

/* Points the callbacks of R (a connection's imr_bm25 slot) at the pass
 * *PASS of that connection, its time limit at HALT(S). */
static void rank_slot_init(struct imr_rank_defer *r, struct spass **pass,
                           int (*halt)(void *), struct imr_search *s)
{
    r->doclen = pass_doclen;
    r->doclen_arg = pass;
    r->take = pass_take;
    r->put = pass_put;
    r->take_arg = pass;
    r->each = pass_each;
    r->halt = halt;
    r->halt_arg = s;
}

struct param {
    int is_int;
    long long i;
    const char *s;      /* borrowed from the query or from owned */
};

/* SQL under construction: text plus positional parameters. */
struct sqlq {
    struct imr_buf sql;
    struct param p[MAX_PARAMS];
    size_t np;
    char **owned;       /* strings made here (LIKE patterns) */
    size_t n_owned;
    int rc;
};

static void sq_free(struct sqlq *q)
{
    imr_buf_free(&q->sql);
    imr_strv_free(q->owned, q->n_owned);
    q->owned = NULL;
    q->n_owned = 0;
}

static void sq_text(struct sqlq *q, const char *s)
{
    if (q->np >= MAX_PARAMS) {
        q->rc = IMR_ELIMIT;
        return;
    }
    q->p[q->np].is_int = 0;
    q->p[q->np++].s = s;
}

static void sq_int(struct sqlq *q, long long v)
{
    if (q->np >= MAX_PARAMS) {
        q->rc = IMR_ELIMIT;
        return;
    }
    q->p[q->np].is_int = 1;
    q->p[q->np++].i = v;
}

/* Binds the LIKE pattern PRE V POST with V's wildcards escaped by '\'. */
static void sq_pattern(struct sqlq *q, const char *pre, const char *v,
                       const char *post)
{
    struct imr_buf b = IMR_BUF_INIT;

    imr_buf_adds(&b, pre);
    for (; *v; v++) {
        if (*v == '%' || *v == '_' || *v == '\\')
            imr_buf_addc(&b, '\\');
        imr_buf_addc(&b, *v);
    }
    imr_buf_adds(&b, post);
    if (imr_buf_error(&b) != IMR_OK ||
        imr_strv_push(&q->owned, &q->n_owned, b.p) != IMR_OK) {
        q->rc = IMR_ENOMEM;
        imr_buf_free(&b);
        return;
    }
    imr_buf_free(&b);
    sq_text(q, q->owned[q->n_owned - 1]);
}

/* Binds the LIKE pattern %V% ("contains V"). */
static void sq_like(struct sqlq *q, const char *v)
{
    sq_pattern(q, "%", v, "%");
}

static void sq_add(struct sqlq *q, const char *s)
{
    imr_buf_adds(&q->sql, s);
}

static int sq_bind(sqlite3_stmt *st, const struct sqlq *q)
{
    size_t i;
    int rc = SQLITE_OK;

    for (i = 0; i < q->np && rc == SQLITE_OK; i++) {
        if (q->p[i].is_int)
            rc = sqlite3_bind_int64(st, (int)i + 1, q->p[i].i);
        else
            rc = sqlite3_bind_text(st, (int)i + 1, q->p[i].s, -1,
                                   SQLITE_STATIC);
    }
    return rc;
}

static int progress_cb(void *arg)
{
    struct imr_search *s = arg;
    struct timespec now;

    if (!s->has_deadline)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > s->deadline.tv_sec ||
           (now.tv_sec == s->deadline.tv_sec &&
            now.tv_nsec > s->deadline.tv_nsec);
}

/* The helper connection's progress handler: past the deadline, or
 * when its work is no longer needed (rank_split). */
static int help_progress_cb(void *arg)
{
    struct imr_search *s = arg;

    return atomic_load_explicit(&s->help_stop, memory_order_relaxed) ||
           progress_cb(s);
}

/* The error of DB's last call as an IMR code and message (naming WHAT). */
static int db_err_of(sqlite3 *db, char *err, const char *what)
{
    int code = sqlite3_errcode(db);

    if (code == SQLITE_INTERRUPT)
        return imr_seterr(err, IMR_ELIMIT, "the query took too long");
    if (code == SQLITE_NOMEM)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return imr_seterr(err, IMR_EBUSY, "%s: index busy: %s", what,
                          sqlite3_errmsg(db));
    return imr_seterr(err, IMR_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static int db_err(struct imr_search *s, char *err, const char *what)
{
    return db_err_of(s->db, err, what);
}

/* Prepares the statement Q has built into *ST with its parameters bound.
 * IMR_OK, or the error (in ERR) of building (IMR_ENOMEM, Q's own) or of
 * SQLite (db_err, naming WHAT). *ST may be set on failure too. */
static int sq_prepare(struct imr_search *s, const struct sqlq *q,
                      sqlite3_stmt **st, const char *what, char *err)
{
    int rc;

    if (q->rc != IMR_OK || imr_buf_error(&q->sql) != IMR_OK) {
        rc = q->rc != IMR_OK ? q->rc : IMR_ENOMEM;
        return imr_seterr(err, rc, "could not build the query");
    }
    if (sqlite3_prepare_v2(s->db, q->sql.p, -1, st, NULL) != SQLITE_OK ||
        sq_bind(*st, q) != SQLITE_OK)
        return db_err(s, err, what);
    return IMR_OK;
}

/* Opens PATH read-only and prepares the per-hit statements; see
 * search.h. */
int imr_search_open(const char *path, struct imr_search **out, char *err)
{
    struct imr_search *s = NULL;
    int rc, i;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    rc = imr_index_open(path, IMR_INDEX_RDONLY, &s->ix, err);
    if (rc != IMR_OK)
        goto fail;
    s->db = imr_index_db(s->ix);
    /* no slot (the file could not be stat'ed): facets come from SQL */
    if (imr_facets_attach(path, &s->fsrc, NULL) != IMR_OK)
        s->fsrc = NULL;
    if (sqlite3_create_function_v2(s->db, "imr_keep", 1, SQLITE_UTF8 |
                                   SQLITE_DIRECTONLY, &s->pass, keep_fn,
                                   NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_err(s, err, "prepare");
        goto fail;
    }
    s->rank.cache = imr_rank_cache_new();    /* NULL: IDFs uncached */
    rank_slot_init(&s->rank, &s->pass, progress_cb, s);
    if (imr_rank_register(s->db, &s->rank) != SQLITE_OK) {
        rc = imr_seterr(err, IMR_EDB, "prepare: FTS5 is not available");
        goto fail;
    }
    for (i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, static_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            rc = db_err(s, err, "prepare");
            goto fail;
        }
    }
    /* without it (a file that cannot have a facet store), SQL answers */
    if (sqlite3_prepare_v3(s->db, imr_facets_sig_sql(), -1,
                           SQLITE_PREPARE_PERSISTENT, &s->sig_st, NULL) !=
        SQLITE_OK)
        s->sig_st = NULL;
    /* reads only: map the file (up to SQLite's largest map, 2 GB: at
     * 1M letters FTS5's pages lie all over a 4.4 GB file, and a page
     * read with pread is copied; mapped pages are the page cache's, not
     * the process's anonymous memory) and keep a larger page cache per
     * connection (failures just leave the defaults); 16 MB, which also
     * bounds the SQL path's in-memory sorts (larger ones spill): at 1M
     * letters, 32 MB per worker took the daemon past 128 MB while its
     * store was being built */
    sqlite3_exec(s->db, "PRAGMA mmap_size = 2147418112;"
                 " PRAGMA cache_size = -16384;", NULL, NULL, NULL);
    sqlite3_progress_handler(s->db, 4000, progress_cb, s);
    *out = s;
    return IMR_OK;
fail:
    imr_search_close(s);
    return rc;
}

/* Closes the helper connection of S and its statements (none open: a
 * no-op). */
static void helper_close(struct imr_search *s)
{
    sqlite3_finalize(s->help_st);
    sqlite3_finalize(s->help_scored);
    sqlite3_finalize(s->help_scored_asc);
    sqlite3_finalize(s->help_phrase);
    sqlite3_finalize(s->help_sig);
    sqlite3_close(s->help_db);
    s->help_st = NULL;
    s->help_scored = NULL;
    s->help_scored_asc = NULL;
    s->help_phrase = NULL;
    s->help_sig = NULL;
    s->help_db = NULL;
}

/* Finalizes the statements and closes the index; NULL is allowed. */
void imr_search_close(struct imr_search *s)
{
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < CACHE_SLOTS; i++) {
        free(s->cache[i].key);
        free(s->cache[i].res);
    }
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_finalize(s->sig_st);
    helper_close(s);
    imr_facets_detach(s->fsrc);
    imr_index_close(s->ix);
    imr_rank_cache_free(s->rank.cache);
    imr_rank_cache_free(s->help_rank.cache);
    imr_snip_tok_close(s->snip_tok);
    free(s->help_log);
    free(s->ranked_all);
    free(s);
}

/* Appends OP (" AND " / " OR ") and the SQL condition of filter F
 * (items i, determinations d). */
static void filter_sql(struct sqlq *q, const struct imr_qfilter *f,
                       const char *op)
{
    size_t k;

    sq_add(q, op);
    sq_add(q, f->negate ? "NOT (" : "(");
    switch (f->field) {
    case IMR_QF_DECISION:
        sq_add(q, "i.decision = ?");
        sq_text(q, f->value);
        break;
    case IMR_QF_OUTCOME:
        sq_add(q, "d.outcome = ?");
        sq_text(q, f->value);
        break;
    case IMR_QF_CITE:
        /* the items citing so, as one set (the pages joined in): built
         * once, where a correlated EXISTS probed citations per item */
        sq_add(q, "i.id IN (SELECT c.item_id FROM citations c");
        if (f->n_pages > 0)
            sq_add(q, " JOIN citation_pages cp ON cp.citation_id = c.id");
        sq_add(q, " WHERE 1");
        if (f->guideline != NULL) {
            /* the MTUS body-part chapters are ACOEM chapters (see
             * lib/cite.c): ACOEM also finds "MTUS Low Back Complaints" */
            sq_add(q, " AND (c.guideline = ? COLLATE NOCASE OR (upper(?) ="
                   " 'ACOEM' AND c.document = 'ACOEM Practice Guidelines'))");
            sq_text(q, f->guideline);
            sq_text(q, f->guideline);
        }
        if (f->by != NULL) {
            sq_add(q, " AND c.by = ?");
            sq_text(q, f->by);
        }
        if (f->chapter != NULL) {
            /* "12" matches chapter "12 Low Back Complaints"; a region
             * matches the chapter, document or sections */
            sq_add(q, " AND (c.chapter = ? OR c.chapter LIKE ? ESCAPE '\\'"
                   " OR c.chapter LIKE ? ESCAPE '\\'"
                   " OR c.document LIKE ? ESCAPE '\\'"
                   " OR c.sections LIKE ? ESCAPE '\\')");
            sq_text(q, f->chapter);
            sq_pattern(q, "", f->chapter, " %");
            sq_like(q, f->chapter);
            sq_like(q, f->chapter);
            sq_like(q, f->chapter);
        }
        if (f->n_pages > 0) {
            sq_add(q, " AND (");
            for (k = 0; k < f->n_pages; k++) {
                if (k > 0)
                    sq_add(q, " OR ");
                /* a cited range containing the page / overlapping the
                 * asked range */
                sq_add(q, "(cp.page_from <= ? AND cp.page_to >= ?)");
                sq_int(q, f->pages[k].to);
                sq_int(q, f->pages[k].from);
            }
            sq_add(q, ")");
        }
        sq_add(q, ")");
        break;
    case IMR_QF_CASE:
        sq_add(q, "d.case_number = upper(?) OR d.ext_id = ?");
        sq_text(q, f->value);
        sq_text(q, f->value);
        break;
    case IMR_QF_YEAR:
        sq_add(q, "d.year BETWEEN ? AND ?");
        sq_int(q, f->nlo);
        sq_int(q, f->nhi);
        break;
    case IMR_QF_AGE:
        sq_add(q, "d.age BETWEEN ? AND ?");
        sq_int(q, f->nlo);
        sq_int(q, f->nhi);
        break;
    case IMR_QF_DATE:
    case IMR_QF_INJURED:
    case IMR_QF_RECEIVED: {
        const char *col = f->field == IMR_QF_DATE ? "d.date_decision" :
                          f->field == IMR_QF_INJURED ? "d.date_injury" :
                          "d.date_received";

        imr_buf_addf(&q->sql, "%s IS NOT NULL", col);
        if (f->lo != NULL) {
            imr_buf_addf(&q->sql, " AND %s >= ?", col);
            sq_text(q, f->lo);
        }
        if (f->hi != NULL) {
            imr_buf_addf(&q->sql, " AND %s <= ?", col);
            sq_text(q, f->hi);
        }
        break;
    }
    /* letter-level lists as "d.id IN (the letters)": the set is built
     * once and may drive the loop, where EXISTS probed it per item */
    case IMR_QF_SPECIALTY:
        sq_add(q, "d.id IN (SELECT s.det_id FROM specialties s WHERE "
               "s.name LIKE ? ESCAPE '\\')");
        sq_like(q, f->value);
        break;
    case IMR_QF_LICENSURE:
        sq_add(q, "d.id IN (SELECT l.det_id FROM licensure l WHERE "
               "l.state LIKE ? ESCAPE '\\')");
        sq_like(q, f->value);
        break;
    case IMR_QF_GENDER:
        sq_add(q, "d.gender = ?");
        sq_text(q, f->value);
        break;
    case IMR_QF_PROGRAM:
        sq_add(q, "d.program = ?");
        sq_text(q, f->value);
        break;
    case IMR_QF_TYPE:
        sq_add(q, "d.type LIKE ? ESCAPE '\\'");
        sq_like(q, f->value);
        break;
    case IMR_QF_BY:
        sq_add(q, "i.id IN (SELECT c.item_id FROM citations c WHERE "
               "c.by = ?)");
        sq_text(q, f->value);
        break;
    case IMR_QF_CATEGORY:
        sq_add(q, "i.category LIKE ? ESCAPE '\\'");
        sq_like(q, f->value);
        break;
    case IMR_QF_SUBCATEGORY:
        sq_add(q, "i.subcategory LIKE ? ESCAPE '\\'");
        sq_like(q, f->value);
        break;
    case IMR_QF_DIAGNOSIS:
        sq_add(q, "d.id IN (SELECT g.det_id FROM diagnoses g WHERE "
               "g.norm LIKE ? ESCAPE '\\')");
        sq_like(q, f->value);
        break;
    }
    sq_add(q, ")");
}

/* "WITH m AS MATERIALIZED (the full-text matches)": evaluated once, so
 * the planner never re-runs the MATCH per item. With SCORED, m.score is
 * the BM25 rank (about 5 us a row: only the hits query needs it; the
 * total and the facets just count). Ends with ", " when MORE; nothing
 * without FTS. Returns whether it wrote anything. */
static int with_matches(struct sqlq *q, const char *fts, int scored,
                        int more)
{
    if (fts == NULL)
        return 0;
    sq_add(q, scored ? "WITH m AS MATERIALIZED (SELECT rowid AS rid, "
           "bm25(item_fts, 10.0, 4.0, 3.0, 1.0) AS score FROM item_fts "
           "WHERE item_fts MATCH ?)" : "WITH m AS MATERIALIZED (SELECT "
           "rowid AS rid FROM item_fts WHERE item_fts MATCH ?)");
    sq_text(q, fts);
    sq_add(q, more ? ", " : " ");
    return 1;
}

/* FROM ... WHERE ... shared by the hits and the facet queries. */
static void from_where(struct sqlq *q, const struct imr_query *qr,
                       const char *fts, const char *neg)
{
    size_t i;

    if (fts != NULL)
        sq_add(q, " FROM m CROSS JOIN items i ON i.id = m.rid"
               " JOIN determinations d ON d.id = i.det_id");
    else
        sq_add(q, " FROM items i JOIN determinations d ON d.id = i.det_id");
    sq_add(q, " WHERE 1");
    if (neg != NULL) {
        sq_add(q, " AND i.id NOT IN (SELECT rowid FROM item_fts WHERE "
               "item_fts MATCH ?)");
        sq_text(q, neg);
    }
    for (i = 0; i < qr->n_filters; i++) {
        const struct imr_qfilter *f = &qr->filters[i];
        size_t k;

        if (f->any_of == 0) {
            filter_sql(q, f, " AND ");
            continue;
        }
        /* an OR group of fields, written where its first member is */
        for (k = 0; k < i && qr->filters[k].any_of != f->any_of; k++)
            ;
        if (k < i)
            continue;
        sq_add(q, " AND (0");
        for (k = i; k < qr->n_filters; k++)
            if (qr->filters[k].any_of == f->any_of)
                filter_sql(q, &qr->filters[k], " OR ");
        sq_add(q, ")");
    }
}

static void set_deadline(struct imr_search *s, long ms)
{
    s->has_deadline = ms > 0;
    if (ms <= 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &s->deadline);
    s->deadline.tv_sec += ms / 1000;
    s->deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (s->deadline.tv_nsec >= 1000000000L) {
        s->deadline.tv_sec++;
        s->deadline.tv_nsec -= 1000000000L;
    }
}

static json_t *col_json(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
        return json_integer(sqlite3_column_int64(st, col));
    return json_string((const char *)sqlite3_column_text(st, col));
}

/* One hit of the page being built: the ids its details are fetched by
 * and its JSON object (held by the hits array). */
struct page_hit {
    long long item_id, det_id;
    json_t *hit;
};

/* A citation of the page by id, to put its cited pages in. */
struct page_cite {
    long long id;
    json_t *pages;
};

static int cmp_cite(const void *a, const void *b)
{
    long long x = ((const struct page_cite *)a)->id;
    long long y = ((const struct page_cite *)b)->id;

    return (x > y) - (x < y);
}

/* Resets ST and binds the page's item ids (or with DET its letter ids)
 * as the JSON array ?N, for "IN (SELECT value FROM json_each(?N))". */
static int bind_ids(sqlite3_stmt *st, int n, const struct page_hit *ph,
                    size_t nh, int det)
{
    struct imr_buf b = IMR_BUF_INIT;
    size_t i;
    int rc;

    sqlite3_reset(st);
    imr_buf_addc(&b, '[');
    for (i = 0; i < nh; i++)
        imr_buf_addf(&b, "%s%lld", i > 0 ? "," : "",
                     det ? ph[i].det_id : ph[i].item_id);
    imr_buf_addc(&b, ']');
    if (imr_buf_error(&b) != IMR_OK) {
        imr_buf_free(&b);
        return SQLITE_NOMEM;
    }
    rc = sqlite3_bind_text(st, n, b.p, -1, SQLITE_TRANSIENT);
    imr_buf_free(&b);
    return rc;
}

/* The hit of item ITEM on the page, or NULL. */
static json_t *page_find(const struct page_hit *ph, size_t nh,
                         long long item)
{
    size_t k;

    for (k = 0; k < nh; k++)
        if (ph[k].item_id == item)
            return ph[k].hit;
    return NULL;
}

/* Fills the "citations" of every hit of the page: two statements for
 * the whole page (the citations, then their cited pages). */
static int page_citations(struct imr_search *s, const struct page_hit *ph,
                          size_t nh, char *err)
{
    sqlite3_stmt *c = s->st[ST_CITES], *pg = s->st[ST_PAGES];
    struct page_cite *pc = NULL, key, *f;
    size_t npc = 0, cap = 0;
    int rc = IMR_OK, step = SQLITE_DONE;

    if (bind_ids(c, 1, ph, nh, 0) != SQLITE_OK) {
        rc = db_err(s, err, "citations");
        goto done;
    }
    while ((step = sqlite3_step(c)) == SQLITE_ROW) {
        json_t *hit = page_find(ph, nh, sqlite3_column_int64(c, 0));
        json_t *o, *pages = json_array();

        if (pages == NULL)
            goto oom;
        o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                      "by", col_json(c, 2), "guideline", col_json(c, 3),
                      "document", col_json(c, 4), "chapter",
                      col_json(c, 5), "edition", col_json(c, 6),
                      "pages", pages, "text", col_json(c, 7));
        if (o == NULL)
            goto oom;
        if (hit == NULL) {
            json_decref(o);
            continue;
        }
        if (json_array_append_new(json_object_get(hit, "citations"), o))
            goto oom;
        if (npc == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct page_cite *p = realloc(pc, ncap * sizeof(*p));

            if (p == NULL)
                goto oom;
            pc = p;
            cap = ncap;
        }
        pc[npc].id = sqlite3_column_int64(c, 1);
        pc[npc++].pages = pages;      /* held by the hit */
    }
    if (step != SQLITE_DONE) {
        rc = db_err(s, err, "citations");
        goto done;
    }
    if (npc == 0)
        goto done;
    qsort(pc, npc, sizeof(*pc), cmp_cite);
    if (bind_ids(pg, 1, ph, nh, 0) != SQLITE_OK) {
        rc = db_err(s, err, "citation pages");
        goto done;
    }
    while ((step = sqlite3_step(pg)) == SQLITE_ROW) {
        key.id = sqlite3_column_int64(pg, 0);
        f = bsearch(&key, pc, npc, sizeof(*pc), cmp_cite);
        if (f != NULL &&
            json_array_append_new(f->pages, json_pack("[I,I]",
                (json_int_t)sqlite3_column_int64(pg, 1),
                (json_int_t)sqlite3_column_int64(pg, 2))) != 0)
            goto oom;
    }
    if (step != SQLITE_DONE)
        rc = db_err(s, err, "citation pages");
    goto done;
oom:
    rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
done:
    sqlite3_reset(c);
    sqlite3_reset(pg);
    free(pc);
    return rc;
}

/* Fills the "diagnoses" of every hit of the page in one statement. */
static int page_diagnoses(struct imr_search *s, const struct page_hit *ph,
                          size_t nh, char *err)
{
    sqlite3_stmt *st = s->st[ST_DIAG];
    int rc = IMR_OK, step;
    size_t k;

    if (bind_ids(st, 1, ph, nh, 1) != SQLITE_OK)
        return db_err(s, err, "diagnoses");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long long det = sqlite3_column_int64(st, 0);

        /* several items of one letter share its diagnoses */
        for (k = 0; k < nh; k++)
            if (ph[k].det_id == det &&
                json_array_append_new(json_object_get(ph[k].hit,
                                      "diagnoses"), col_json(st, 1))) {
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto done;
            }
    }
    if (step != SQLITE_DONE)
        rc = db_err(s, err, "diagnoses");
done:
    sqlite3_reset(st);
    return rc;
}

/* A plain snippet: the start of TEXT cut at a UTF-8 boundary. */
static json_t *plain_snippet(const char *text)
{
    size_t n;
    char *cut;
    json_t *j;

    if (text == NULL)
        return json_null();
    n = strlen(text);
    if (n <= PLAIN_SNIPPET)
        return json_string(text);
    n = PLAIN_SNIPPET;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    cut = malloc(n + 4);
    if (cut == NULL)
        return NULL;
    memcpy(cut, text, n);
    memcpy(cut + n, "...", 4);
    j = json_string(cut);
    free(cut);
    return j;
}

/* Replaces the plain snippets of the page by the highlighted FTS5
 * snippets of FTS, in one statement (an item the MATCH does not reach
 * keeps its plain snippet). */
static int fts5_snippets(struct imr_search *s, const char *fts,
                         const struct page_hit *ph, size_t nh, char *err)
{
    sqlite3_stmt *st = s->st[ST_SNIPPET];
    int rc = IMR_OK, step;

    if (bind_ids(st, 2, ph, nh, 0) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = db_err(s, err, "snippet");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *hit = page_find(ph, nh, sqlite3_column_int64(st, 0));

        if (hit != NULL &&
            json_object_set_new(hit, "snippet", col_json(st, 1)) != 0) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (step != SQLITE_DONE)
        rc = db_err(s, err, "snippet");
done:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static const char *const fts_columns[] = {"treatment", "rationale",
                                          "diagnoses", "summary"};

/* Opens S's copy of item_fts's tokenizer, once: IMR_OK, else IMR_EINVAL
 * (FTS5's snippets instead). */
static int snip_tok_get(struct imr_search *s, char *err)
{
    if (s->snip_tok != NULL)
        return IMR_OK;
    if (s->snip_broken)
        return IMR_EINVAL;
    if (imr_snip_tok_open(s->db, &s->snip_tok, err) != IMR_OK) {
        s->snip_broken = 1;
        return IMR_EINVAL;
    }
    return IMR_OK;
}

/* The same snippets made here from each item's indexed text (one
 * statement for the page's texts, lib/snippet.c for each), without
 * FTS5's seek of every phrase to each hit. IMR_EINVAL when FTS is not
 * in the syntax lib/snippet.c compiles. */
static int own_snippets(struct imr_search *s, const char *fts,
                        const struct page_hit *ph, size_t nh, char *err)
{
    static const struct imr_snip_fmt fmt = {"[", "]", "...",
                                            SNIPPET_TOKENS};
    sqlite3_stmt *st = s->st[ST_SNIP_TEXT];
    struct imr_snip *sn = NULL;
    int rc, step;

    if ((rc = snip_tok_get(s, err)) != IMR_OK)
        return rc;
    rc = imr_snip_compile(s->snip_tok, fts, fts_columns, 4, &sn, err);
    if (rc != IMR_OK)
        return rc;
    if (bind_ids(st, 1, ph, nh, 0) != SQLITE_OK) {
        rc = db_err(s, err, "snippet");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *hit = page_find(ph, nh, sqlite3_column_int64(st, 0));
        const char *text[4];
        char *snip = NULL;
        int k, matched;

        for (k = 0; k < 4; k++)
            text[k] = (const char *)sqlite3_column_text(st, k + 1);
        if (hit == NULL)
            continue;
        rc = imr_snip_row(sn, text, &fmt, &matched, &snip, err);
        if (rc != IMR_OK)
            goto done;
        if (matched && json_object_set_new(hit, "snippet", snip == NULL ?
                                           json_null() :
                                           json_string(snip)) != 0) {
            free(snip);
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        free(snip);
    }
    if (step != SQLITE_DONE)
        rc = db_err(s, err, "snippet");
done:
    sqlite3_reset(st);
    imr_snip_free(sn);
    return rc;
}

/* Replaces the plain snippets of the page by the highlighted snippets
 * of FTS: made here, or by FTS5 for an expression lib/snippet.c does not
 * compile. */
static int page_snippets(struct imr_search *s, const char *fts,
                         const struct page_hit *ph, size_t nh, char *err)
{
    int rc;

    if (fts == NULL)
        return IMR_OK;
    rc = own_snippets(s, fts, ph, nh, err);
    if (rc != IMR_EINVAL)
        return rc;
    return fts5_snippets(s, fts, ph, nh, err);
}

/* Does the hit's citation C (JSON) satisfy the citation filter F? */
static int cite_matches(const struct imr_qfilter *f, const json_t *c)
{
    const char *g = json_string_value(json_object_get(c, "guideline"));
    const char *by = json_string_value(json_object_get(c, "by"));
    const json_t *pages = json_object_get(c, "pages"), *p;
    size_t i, k;

    if (f->guideline != NULL && (g == NULL ||
                                 strcasecmp(g, f->guideline) != 0))
        return 0;
    if (f->by != NULL && (by == NULL || strcmp(by, f->by) != 0))
        return 0;
    if (f->n_pages == 0)
        return 1;
    json_array_foreach(pages, i, p) {
        json_int_t a = json_integer_value(json_array_get(p, 0));
        json_int_t b = json_integer_value(json_array_get(p, 1));

        for (k = 0; k < f->n_pages; k++)
            if (a <= f->pages[k].to && b >= f->pages[k].from)
                return 1;
    }
    return 0;
}

/* Appends "MTUS pp.30-32,49 (reviewer)" for citation C to B. */
static void cite_text(struct imr_buf *b, const json_t *c)
{
    const json_t *pages = json_object_get(c, "pages"), *p;
    const char *g = json_string_value(json_object_get(c, "guideline"));
    const char *by = json_string_value(json_object_get(c, "by"));
    size_t i;

    imr_buf_adds(b, g != NULL ? g : "?");
    json_array_foreach(pages, i, p) {
        json_int_t x = json_integer_value(json_array_get(p, 0));
        json_int_t y = json_integer_value(json_array_get(p, 1));

        imr_buf_adds(b, i > 0 ? "," : json_array_size(pages) > 1 || x != y ?
                     " pp." : " p.");
        if (x == y)
            imr_buf_addf(b, "%lld", (long long)x);
        else
            imr_buf_addf(b, "%lld-%lld", (long long)x, (long long)y);
    }
    imr_buf_addf(b, " (%s)", by != NULL && strcmp(by, "reviewer") == 0 ?
                 "reviewer" : "claims administrator");
}

/* Why a hit matched, in words: each filter with the citations that meet
 * it, then the words the snippet highlights. NULL on OOM. */
static json_t *hit_why(const struct imr_query *qr, const json_t *interp,
                       const json_t *cites, const json_t *snip)
{
    const json_t *filters = json_object_get(interp, "filters"), *c;
    json_t *why = json_array();
    struct imr_buf b = IMR_BUF_INIT, words = IMR_BUF_INIT;
    const char *sn = json_string_value(snip), *open, *close;
    size_t i, k, nw = 0;

    if (why == NULL)
        return NULL;
    for (i = 0; i < qr->n_filters; i++) {
        const struct imr_qfilter *f = &qr->filters[i];
        size_t hits = 0;

        imr_buf_reset(&b);
        imr_buf_adds(&b, json_string_value(json_object_get(
            json_array_get(filters, i), "means")));
        if (f->field == IMR_QF_CITE && !f->negate) {
            json_array_foreach(cites, k, c) {
                if (!cite_matches(f, c))
                    continue;
                imr_buf_adds(&b, hits++ == 0 ? ": " : "; ");
                cite_text(&b, c);
            }
        }
        /* of an OR group, a citation filter is a reason only when the
         * hit has such a citation; the group's other fields are shown
         * as "one of" */
        if (f->any_of > 0 && f->field == IMR_QF_CITE && hits == 0)
            continue;
        if (f->any_of > 0 && f->field != IMR_QF_CITE) {
            imr_buf_reset(&b);
            imr_buf_adds(&b, "one of: ");
            imr_buf_adds(&b, json_string_value(json_object_get(
                json_array_get(filters, i), "means")));
        }
        json_array_append_new(why, json_string(b.p ? b.p : ""));
    }
    /* the words between [ and ] in the snippet, each once */
    for (; sn != NULL && (open = strchr(sn, '[')) != NULL &&
           (close = strchr(open, ']')) != NULL; sn = close + 1) {
        char *w = malloc((size_t)(close - open));
        size_t wl = (size_t)(close - open - 1), j;
        int seen = 0;

        if (w == NULL)
            break;
        for (j = 0; j < wl; j++)
            w[j] = (char)tolower((unsigned char)open[1 + j]);
        w[wl] = '\0';
        seen = words.p != NULL && strstr(words.p, w) != NULL;
        if (!seen && wl > 0) {
            imr_buf_adds(&words, nw++ == 0 ? "" : ", ");
            imr_buf_adds(&words, w);
        }
        free(w);
    }
    if (nw > 0) {
        imr_buf_reset(&b);
        imr_buf_addf(&b, "text matched: %s", words.p);
        json_array_append_new(why, json_string(b.p ? b.p : ""));
    }
    if (imr_buf_error(&b) != IMR_OK || imr_buf_error(&words) != IMR_OK) {
        json_decref(why);
        why = NULL;
    }
    imr_buf_free(&b);
    imr_buf_free(&words);
    return why;
}

/* The page of hits of QR into HITS: one statement ranks and pages (for
 * plain full text, only the matches scoring at least the page's last
 * one are joined and sorted), then a constant number of statements
 * fetch the citations, diagnoses and snippets of the whole page. With
 * TOT_RES, its "total" is set from a window count over the hits query
 * (left alone when the page is empty). */
/* The hits query of QR into Q. BOUNDED (plain full text): only the
 * matches scoring at least the page's last hit are joined and sorted.
 * TOT: column 13 is the total (a window count over the result). */
static void hits_sql(struct sqlq *q, const struct imr_query *qr,
                     const struct imr_search_opts *o, const char *fts,
                     const char *neg, int bounded, int tot)
{
    long long last = (long long)(o->offset + o->limit) - 1;

    with_matches(q, fts, 1, bounded);
    if (bounded) {
        /* the score of the page's last hit: no better-ranked hit can
         * score worse (ties on it are all kept and ordered below) */
        sq_add(q, "t AS (SELECT score FROM m ORDER BY score LIMIT 1 "
               "OFFSET ?) ");
        sq_int(q, last);
    }
    /* the page is chosen on ids, scores and dates alone; its columns
     * (the rationale among them) are read for its rows only */
    sq_add(q, "SELECT i.id, d.ext_id, d.case_number, i.n, i.treatment, "
           "i.decision, i.category, i.subcategory, d.date_decision, d.id, "
           "i.rationale, d.outcome, p.score, p.x FROM (SELECT i.id AS iid, "
           "d.date_decision AS dd, ");
    sq_add(q, fts != NULL ? "m.score AS score" : "NULL AS score");
    if (tot)
        sq_add(q, ", count(*) OVER ()");
    else
        sq_add(q, ", NULL");
    sq_add(q, " AS x");
    from_where(q, qr, fts, neg);
    if (bounded)
        sq_add(q, " AND (NOT EXISTS (SELECT 1 FROM t) OR m.score <= "
               "(SELECT score FROM t))");
    if (o->sort == IMR_SORT_DATE || fts == NULL)
        sq_add(q, " ORDER BY d.date_decision IS NULL, d.date_decision "
               "DESC, i.id");
    else
        sq_add(q, " ORDER BY m.score, d.date_decision DESC, i.id");
    sq_add(q, " LIMIT ? OFFSET ?) p CROSS JOIN items i ON i.id = p.iid "
           "JOIN determinations d ON d.id = i.det_id");
    sq_int(q, (long long)o->limit);
    sq_int(q, (long long)o->offset);
    if (o->sort == IMR_SORT_DATE || fts == NULL)
        sq_add(q, " ORDER BY p.dd IS NULL, p.dd DESC, i.id");
    else
        sq_add(q, " ORDER BY p.score, p.dd DESC, i.id");
}

/* Is QR plain full text ranked by relevance (every match a hit)? */
static int plain_fts(const struct imr_query *qr,
                     const struct imr_search_opts *o, const char *fts,
                     const char *neg)
{
    return fts != NULL && neg == NULL && qr->n_filters == 0 &&
           o->sort != IMR_SORT_DATE;
}

/* A hit of the page from a row with the columns of hits_sql (0-11) and
 * its SCORE (taken); its citations, diagnoses, snippet and reasons are
 * filled by page_details. NULL when out of memory. */
static json_t *hit_json(sqlite3_stmt *st, json_t *score)
{
    /* the snippet starts as the plain one (kept without full text) */
    json_t *snip = plain_snippet((const char *)sqlite3_column_text(st,
                                                                   10));

    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
                     "s:o, s:o, s:o, s:o}",
                     "id", col_json(st, 1),
                     "case_number", col_json(st, 2),
                     "item", (json_int_t)sqlite3_column_int64(st, 3),
                     "treatment", col_json(st, 4),
                     "decision", col_json(st, 5),
                     "category", col_json(st, 6),
                     "subcategory", col_json(st, 7),
                     "citations", json_array(),
                     "diagnoses", json_array(),
                     "decision_date", col_json(st, 8),
                     "outcome", col_json(st, 11),
                     "score", score,
                     "snippet", snip);
}

/* The citations, diagnoses, snippets and reasons of the NH hits of the
 * page PH: a constant number of statements for the whole page. */
static int page_details(struct imr_search *s, const struct imr_query *qr,
                        const char *fts, const json_t *interp,
                        const struct page_hit *ph, size_t nh, char *err)
{
    int rc;
    size_t k;

    if (nh == 0)
        return IMR_OK;
    rc = page_citations(s, ph, nh, err);
    if (rc == IMR_OK)
        rc = page_diagnoses(s, ph, nh, err);
    if (rc == IMR_OK)
        rc = page_snippets(s, fts, ph, nh, err);
    for (k = 0; k < nh && rc == IMR_OK; k++) {
        json_t *why = hit_why(qr, interp, json_object_get(ph[k].hit,
                              "citations"), json_object_get(ph[k].hit,
                              "snippet"));

        if (why == NULL || json_object_set_new(ph[k].hit, "why", why))
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    return rc;
}

/* The page of hits of QR into HITS: one statement ranks and pages (see
 * hits_sql), then a constant number of statements fetch the citations,
 * diagnoses and snippets of the whole page. With TOT_RES, its "total" is
 * set from a window count over the hits query (left alone when the page
 * is empty). */
static int run_hits(struct imr_search *s, const struct imr_query *qr,
                    const struct imr_search_opts *o, const char *fts,
                    const char *neg, const json_t *interp, json_t *hits,
                    json_t *tot_res, char *err)
{
    struct sqlq q;
    sqlite3_stmt *st = NULL;
    struct page_hit *ph = NULL;
    size_t nh = 0;
    int rc = IMR_OK, step = SQLITE_DONE, bounded;

    memset(&q, 0, sizeof(q));
    /* without filters every match is a hit: rank by BM25 alone first */
    bounded = plain_fts(qr, o, fts, neg) && o->limit > 0;
    ph = calloc(o->limit > 0 ? o->limit : 1, sizeof(*ph));
    if (ph == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    hits_sql(&q, qr, o, fts, neg, bounded, tot_res != NULL);
    if ((rc = sq_prepare(s, &q, &st, "search", err)) != IMR_OK)
        goto done;
    while (nh < o->limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *hit;

        hit = hit_json(st, sqlite3_column_type(st, 12) == SQLITE_NULL ?
                       json_null() :
                       json_real(-sqlite3_column_double(st, 12)));
        if (hit == NULL || json_array_append_new(hits, hit) != 0) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        if (tot_res != NULL && nh == 0)
            json_object_set_new(tot_res, "total", json_integer(
                                (json_int_t)sqlite3_column_int64(st, 13)));
        ph[nh].item_id = sqlite3_column_int64(st, 0);
        ph[nh].det_id = sqlite3_column_int64(st, 9);
        ph[nh++].hit = hit;
    }
    if (nh < o->limit && step != SQLITE_DONE) {
        rc = db_err(s, err, "search");
        goto done;
    }
    rc = page_details(s, qr, fts, interp, ph, nh, err);
done:
    free(ph);
    sqlite3_finalize(st);
    sq_free(&q);
    return rc;
}

static const char *const facet_names[] = {
    "decision", "guideline", "guideline_page", "treatment", "category",
    "diagnosis", "year", "program", "type"
};

/* The total and facets of QR from the facet store (lib/facets.c): the
 * matching item ids from one statement (plain full text: FTS5 alone, no
 * join), counted in C. The store is used only when it was read from the
 * index state of this read transaction; *USED = 0 when there is none
 * yet (one is then being built) and the caller counts with SQL. */
static int store_facets(struct imr_search *s, const struct imr_query *qr,
                        const char *fts, const char *neg, json_t *res,
                        int *used, char *err)
{
    char sig[IMR_FACETS_SIG_LEN];
    struct imr_facets *f = NULL;
    struct imr_facets_cnt *c = NULL;
    struct sqlq q;
    sqlite3_stmt *st = NULL;
    json_t *facets = NULL;
    int rc = IMR_OK, step;

    *used = 0;
    memset(&q, 0, sizeof(q));
    if (s->fsrc == NULL || !imr_facets_enabled() ||
        imr_facets_sig_of(s->sig_st, sig, NULL) != IMR_OK ||
        (f = imr_facets_get(s->fsrc, sig)) == NULL)
        return IMR_OK;
    *used = 1;
    if (fts != NULL && neg == NULL && qr->n_filters == 0) {
        sq_add(&q, "SELECT rowid FROM item_fts WHERE item_fts MATCH ?");
        sq_text(&q, fts);
    } else {
        with_matches(&q, fts, 0, 0);
        sq_add(&q, "SELECT i.id");
        from_where(&q, qr, fts, neg);
    }
    if ((rc = sq_prepare(s, &q, &st, "facets", err)) != IMR_OK)
        goto done;
    if (imr_facets_cnt_new(f, &c) != IMR_OK) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        imr_facets_cnt_add(c, sqlite3_column_int64(st, 0));
    if (step != SQLITE_DONE) {
        rc = db_err(s, err, "facets");
        goto done;
    }
    facets = imr_facets_cnt_json(c, IMR_SEARCH_FACET_TOP);
    if (facets == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    json_object_set_new(res, "total", json_integer(
                        (json_int_t)imr_facets_cnt_total(c)));
    json_object_set_new(res, "facets", facets);
done:
    imr_facets_cnt_free(c);
    sqlite3_finalize(st);
    sq_free(&q);
    imr_facets_release(s->fsrc, f);
    return rc;
}

static atomic_ulong store_runs;
static atomic_ulong tally_reuses;
static atomic_int tally_reuse_on = 1;

/* Whether counts of earlier queries are used; see search.h. */
int imr_search_tally_reuse(int on)
{
    return atomic_exchange(&tally_reuse_on, on ? 1 : 0);
}

/* Queries answered by the store path; see search.h. */
unsigned long imr_search_store_runs(void)
{
    return atomic_load(&store_runs);
}

/* Queries whose counts were those of an earlier one; see search.h. */
unsigned long imr_search_tally_reuses(void)
{
    return atomic_load(&tally_reuses);
}

static atomic_ulong rank_reuses;
static atomic_int rank_reuse_on = 1;

/* Sets whether pages come from the ranked candidates kept; see
 * search.h. */
int imr_search_rank_reuse(int on)
{
    return atomic_exchange(&rank_reuse_on, on ? 1 : 0);
}

/* Pages from the ranked candidates kept; see search.h. */
unsigned long imr_search_rank_reuses(void)
{
    return atomic_load(&rank_reuses);
}

static atomic_int phrase_walk_on = 1;
static atomic_ulong phrase_walks;

/* Counts walked by FTS5; see search.h. */
unsigned long imr_search_phrase_walks(void)
{
    return atomic_load(&phrase_walks);
}

/* Sets whether a one-phrase query's count walks its phrase; see
 * search.h. */
int imr_search_phrase_walk(int on)
{
    return atomic_exchange(&phrase_walk_on, on ? 1 : 0);
}

static atomic_int rank_ascend_on = 1;
static atomic_ulong rank_ascents;

/* Sets whether an unbounded ranking walks oldest first; see search.h. */
int imr_search_rank_ascend(int on)
{
    return atomic_exchange(&rank_ascend_on, on ? 1 : 0);
}

/* Rankings walked oldest first; see search.h. */
unsigned long imr_search_rank_ascents(void)
{
    return atomic_load(&rank_ascents);
}

/* The statement that counts the matches of MATCH string M in a range:
 * ST_PHRASE_RANGE when M is one phrase without a column filter (its
 * rows are those FTS5 walks for it alone), else ST_MATCH_RANGE. */
static int count_stmt_of(const char *m)
{
    char **keys = NULL;
    size_t n = 0;
    int one;

    if (!atomic_load(&phrase_walk_on))
        return ST_MATCH_RANGE;
    one = imr_phrase_keys(m, &keys, &n) == IMR_OK && n == 1 &&
          keys[0] != NULL;
    imr_strv_free(keys, n);
    return one ? ST_PHRASE_RANGE : ST_MATCH_RANGE;
}

static atomic_long rank_memo_min = IMR_SEARCH_RANK_MEMO_MIN;

/* Sets how many candidates are kept at least; see search.h. */
long imr_search_rank_memo_min(long n)
{
    return atomic_exchange(&rank_memo_min, n > 0 ? n : 1);
}

/* A candidate hit of the store path: what the page is ordered by. */
struct cand {
    double score;             /* BM25 (lower is better) */
    unsigned date;            /* imr_facets_date: 0 = none, last */
    size_t k;                 /* index in the store */
    long long id;             /* item id */
};

/* Does A come before B in the order of hits_sql? Relevance: score, then
 * decision date DESC, then id; by date (or without full text): date
 * DESC (NULL last), then id. */
static int cand_before(const struct cand *a, const struct cand *b,
                       int scored)
{
    if (scored && a->score != b->score)
        return a->score < b->score;
    if (a->date != b->date)
        return a->date > b->date;
    return a->id < b->id;
}

static int cmp_cand_scored(const void *a, const void *b)
{
    return cand_before(a, b, 1) ? -1 : cand_before(b, a, 1) ? 1 : 0;
}

static int cmp_cand_date(const void *a, const void *b)
{
    return cand_before(a, b, 0) ? -1 : cand_before(b, a, 0) ? 1 : 0;
}

/* The best CAP candidates so far: a heap whose root comes last. */
struct cheap {
    struct cand *v;
    size_t n, cap;
    int scored;
};

static void cheap_push(struct cheap *h, const struct cand *c)
{
    size_t i, j;

    if (h->cap == 0)
        return;
    if (h->n < h->cap) {
        i = h->n++;
        while (i > 0 && cand_before(&h->v[(i - 1) / 2], c, h->scored)) {
            h->v[i] = h->v[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h->v[i] = *c;
        return;
    }
    if (!cand_before(c, &h->v[0], h->scored))
        return;
    i = 0;                    /* replace the root, sift down */
    for (;;) {
        j = 2 * i + 1;
        if (j >= h->n)
            break;
        if (j + 1 < h->n && cand_before(&h->v[j], &h->v[j + 1], h->scored))
            j++;
        if (!cand_before(c, &h->v[j], h->scored))
            break;
        h->v[i] = h->v[j];
        i = j;
    }
    h->v[i] = *c;
}

static atomic_long rank_bound = IMR_SEARCH_RANK_BOUND;

/* Starts the background build of S's store; see search.h. */
void imr_search_prepare(struct imr_search *s)
{
    char sig[IMR_FACETS_SIG_LEN];
    struct imr_facets *f;

    if (s->fsrc == NULL || !imr_facets_enabled() ||
        imr_facets_sig_of(s->sig_st, sig, NULL) != IMR_OK)
        return;
    if ((f = imr_facets_get(s->fsrc, sig)) != NULL)
        imr_facets_release(s->fsrc, f);
}

static atomic_long split_min = IMR_SEARCH_SPLIT_MIN;
static atomic_ulong splits;

static atomic_ulong rank_splits;

/* Counts split between two threads; see search.h. */
unsigned long imr_search_splits(void)
{
    return atomic_load(&splits);
}

/* Rankings shared by two threads; see search.h. */
unsigned long imr_search_rank_splits(void)
{
    return atomic_load(&rank_splits);
}

/* Sets when a count is split between two threads; see search.h. */
long imr_search_split_min(long n)
{
    return atomic_exchange(&split_min, n > 0 ? n : 0);
}

/* Sets the bound on the candidates ranked; see search.h. */
long imr_search_rank_bound(long k)
{
    return atomic_exchange(&rank_bound, k > 0 ? k : 0);
}

/* How often the upper part of a split ranking publishes how many it has
 * ranked (struct spass). Published at each one, the count's cache line
 * went back and forth between the two cores at every candidate of
 * either part (`prior`, 20,369 matches: 5.5 ms split against 3.5 ms on
 * one thread). Published late, the count is too low, never too high: the
 * lower part logs up to RANKED_STEP candidates more than it might have,
 * and the merge takes only those it needs. */
#define RANKED_STEP 64

/* The store path's state over one query. Two threads count at once in
 * two of these (count_rest), both on the first thread's stack and each
 * written at every match: aligned to a cache line so that they share
 * none (when they did, keep_fn's first load of the struct took 10% of
 * a 1M-letter boilerplate query's time). */
struct spass {
    _Alignas(64) const struct imr_facets *f;
    const struct imr_facets_q *q;
    const unsigned char *excl;        /* excluded store indexes (bits) */
    struct imr_facets_cnt *cnt;       /* NULL without facets */
    struct cheap heap;
    long long total;
    long long left;                   /* bounded: candidates to rank */
    int bounded;
    long long seen;                   /* full-text matches, before filters */
    size_t pos;                       /* imr_facets_index's hint */
    long long kept_id, kept_k;        /* the last match keep_fn kept */
    /* counting by gaps (count_rest, a pass with neither filters nor
     * exclusions over mostly matching items): keep_fn counts into MISS
     * the items between one match and the next, from GAP_NEXT on */
    int gap;
    struct imr_facets_cnt *miss;
    size_t gap_next;
    /* a split ranking (rank_split): the upper part's pass counts its
     * candidates in N_RANKED and publishes that count in *RANKED every
     * RANKED_STEP of them; the lower part's puts its candidates in LOG
     * in the order met (newest first), not on the heap, while they and
     * *PEER (the upper part's, as last published) are fewer than WANT;
     * after that it only counts */
    atomic_long *ranked;
    long long n_ranked;
    struct cand *log;
    size_t n_log;
    const atomic_long *peer;
    long long want;
    /* every candidate ranked, in the order met, for the rank memo (NULL:
     * not kept; LOST: more than CAP_ALL, what was kept is incomplete) */
    struct cand *all;
    size_t n_all, cap_all;
    int lost;
};

/* Candidate C (ranked) goes to P's list of them, when kept. */
static void spass_keep_cand(struct spass *p, const struct cand *c)
{
    if (p->all == NULL)
        return;
    if (p->n_all == p->cap_all)
        p->lost = 1;          /* more than the bound: not expected */
    else
        p->all[p->n_all++] = *c;
}

/* Would candidate C enter heap H? */
static int cheap_wants(const struct cheap *h, const struct cand *c)
{
    return h->cap > 0 && (h->n < h->cap ||
                          cand_before(c, &h->v[0], h->scored));
}

/* Is store index K excluded (a negated text matches it)? */
static int spass_excluded(const struct spass *p, size_t k)
{
    return p->excl != NULL && (p->excl[k / 8] >> (k % 8)) & 1;
}

/* Store index K passes the filters: is it a match (exclusions)? If so it
 * is counted (total, facets); returns whether it is a candidate for the
 * page (scored: every passing match, as its score is not known yet; by
 * date: only one that would enter the heap now). */
static int spass_passed(struct spass *p, size_t k)
{
    struct cand c;

    if (spass_excluded(p, k))
        return 0;
    p->total++;
    if (p->cnt != NULL)
        imr_facets_cnt_add_at(p->cnt, k);
    if (p->heap.cap == 0)
        return 0;
    if (p->heap.scored)
        return p->log == NULL ||
               (long long)p->n_log +
               atomic_load_explicit(p->peer, memory_order_relaxed) <
               p->want;
    c.score = 0;
    c.date = imr_facets_date(p->f, k);
    c.id = imr_facets_item_id(p->f, k);
    return cheap_wants(&p->heap, &c);
}

/* spass_passed of store index K, when it passes the filters. */
static int spass_take(struct spass *p, size_t k)
{
    if (!imr_facets_q_test(p->q, k))
        return 0;
    return spass_passed(p, k);
}

/* Candidate K (with SCORE) goes to the page heap. */
static void spass_push(struct spass *p, size_t k, double score)
{
    struct cand c;

    if (p->bounded)
        p->left--;
    if (p->ranked != NULL && ++p->n_ranked % RANKED_STEP == 0)
        atomic_store_explicit(p->ranked, p->n_ranked,
                              memory_order_relaxed);
    c.score = score;
    c.date = imr_facets_date(p->f, k);
    c.k = k;
    c.id = imr_facets_item_id(p->f, k);
    if (p->log != NULL) {
        p->log[p->n_log++] = c;
    } else {
        cheap_push(&p->heap, &c);
        spass_keep_cand(p, &c);
    }
}

/* The test of a match of rowid ID in pass P: counted (total, facets, or
 * the gap before it) and 1 when it goes on to the page's heap. */
static int keep_row(struct spass *p, long long id)
{
    long long k;

    p->seen++;
    k = imr_facets_index(p->f, &p->pos, id);
    p->kept_id = id;
    p->kept_k = k;
    if (p->gap) {             /* rowids ascend: K is past the last one */
        if (k >= 0 && (size_t)k >= p->gap_next) {
            imr_facets_cnt_add_range(p->miss, p->gap_next, (size_t)k);
            p->gap_next = (size_t)k + 1;
        }
        return 0;
    }
    return k >= 0 && spass_take(p, (size_t)k);
}

/* imr_keep(rowid): the WHERE test of the store path's full-text
 * statements (see ST_KEEP), registered on each connection with the
 * address of that connection's current pass as its user data. Outside a
 * pass it keeps every row. */
static void keep_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct spass *p = *(struct spass **)sqlite3_user_data(ctx);

    (void)argc;
    sqlite3_result_int(ctx, p == NULL ||
                       keep_row(p, sqlite3_value_int64(argv[0])));
}

/* imr_bm25_take's tests (rank.h; ST_SCORED, ST_SCORED_DESC), on the
 * pass *ARG of the connection: keep_row, then the match's score onto the
 * heap (or the helper's log). The statement stops when a bounded pass
 * has ranked its candidates (and has no log to fill). */
static int pass_take(void *arg, long long rowid)
{
    struct spass *p = *(struct spass **)arg;

    return p != NULL && keep_row(p, rowid);
}

static int pass_put(void *arg, long long rowid, double score)
{
    struct spass *p = *(struct spass **)arg;

    (void)rowid;                  /* keep_row has just taken it */
    spass_push(p, (size_t)p->kept_k, score);
    return p->bounded && p->left <= 0 && p->log == NULL;
}

/* imr_each_phrase's rows (rank.h; ST_PHRASE_RANGE), on the pass *ARG
 * of the connection: as the rows of ST_MATCH_RANGE, each one tested,
 * counted and tallied (keep_row), and onto the page's heap unscored when
 * it goes there. */
static void pass_each(void *arg, long long rowid)
{
    struct spass *p = *(struct spass **)arg;

    if (p != NULL && keep_row(p, rowid))
        spass_push(p, (size_t)p->kept_k, 0);
}

/* imr_bm25's row length (rank.h): from the store, for the match keep_fn
 * has just kept (the row imr_bm25 scores next), else unknown. */
static long long pass_doclen(void *arg, long long rowid)
{
    const struct spass *p = *(struct spass **)arg;   /* keep_fn's pass */

    if (p == NULL || p->kept_id != rowid || p->kept_k < 0)
        return -1;
    return imr_facets_doclen(p->f, (size_t)p->kept_k);
}

/* A pass of statement ST (kind WHICH) of connection DB, whose keep_fn
 * reads *SLOT. See stream_matches. */
struct stream {
    sqlite3 *db;
    sqlite3_stmt *st;
    int which;
    struct spass **slot;
};

/* Streams S's statement over MATCH string M: ST_MATCH collects the
 * store indexes it matches into EXCL; ST_KEEP, ST_SCORED, ST_SCORED_DESC,
 * ST_MATCH_RANGE and ST_PHRASE_RANGE (the last three: rowids in [LO,
 * HI), HI = INT64_MAX for no upper bound) count every match into P
 * (keep_row). ST_KEEP and ST_MATCH_RANGE put the rows they return on
 * the page heap; ST_PHRASE_RANGE does so inside the statement (one row:
 * imr_each_phrase, pass_each); the scored kinds rank and put theirs
 * inside the statement (imr_bm25_take, pass_put) and return none.
 * Bounded (ST_SCORED_DESC), it stops once P has ranked its candidates and
 * sets *LAST to the rowid it stopped at (else leaves it); the lower half
 * of a split ranking (P's log) goes on counting to the end of its range
 * instead. */
static int stream_run(const struct stream *sm, const char *m, long long lo,
                      long long hi, struct spass *p, unsigned char *excl,
                      long long *last, char *err)
{
    sqlite3_stmt *st = sm->st;
    size_t pos = 0;
    long long k, id;
    int step, rc = IMR_OK;

    sqlite3_reset(st);
    if (sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC) != SQLITE_OK ||
        ((sm->which == ST_MATCH_RANGE || sm->which == ST_PHRASE_RANGE) &&
         (sqlite3_bind_int64(st, 2, lo) != SQLITE_OK ||
          sqlite3_bind_int64(st, 3, hi) != SQLITE_OK)) ||
        ((sm->which == ST_SCORED_DESC || sm->which == ST_SCORED_ASC) &&
         /* [?2, ?3]: inclusive */
         (sqlite3_bind_int64(st, 2, lo) != SQLITE_OK ||
          sqlite3_bind_int64(st, 3, hi == INT64_MAX ? hi : hi - 1) !=
              SQLITE_OK)))
        return db_err_of(sm->db, err, "search");
    p->pos = 0;
    p->kept_id = -1;
    *sm->slot = p;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sm->which == ST_PHRASE_RANGE)
            break;                   /* pass_each has had every row */
        id = sqlite3_column_int64(st, 0);
        if (sm->which == ST_MATCH) {
            k = imr_facets_index(p->f, &pos, id);
            if (k >= 0)
                excl[k / 8] |= (unsigned char)(1u << (k % 8));
            continue;
        }
        if (sm->which == ST_SCORED || sm->which == ST_SCORED_DESC ||
            sm->which == ST_SCORED_ASC) {
            /* imr_bm25_take ranked the matches (pass_put); this one is
             * where a bounded pass has enough candidates ranked */
            if (last != NULL)
                *last = id;
            break;
        }
        /* keep_fn has just kept this row (FTS5 hands it back at once) */
        k = id == p->kept_id ? p->kept_k : imr_facets_index(p->f, &pos, id);
        if (k >= 0)
            spass_push(p, (size_t)k, 0);
    }
    *sm->slot = NULL;
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = db_err_of(sm->db, err, "search");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* stream_run on S's own connection. */
static int stream_matches(struct imr_search *s, int which, const char *m,
                          long long lo, long long hi, struct spass *p,
                          unsigned char *excl, long long *last, char *err)
{
    struct stream sm = {s->db, s->st[which], which, &s->pass};

    return stream_run(&sm, m, lo, hi, p, excl, last, err);
}

/* Makes the array *V of *CAP candidates (a handle's, kept from query to
 * query) hold N: 1, else 0 (out of memory; *V unchanged). */
static int cands_grow(struct cand **v, size_t *cap, size_t n)
{
    struct cand *nv;

    if (*cap >= n)
        return 1;
    if ((nv = realloc(*v, n * sizeof(*nv))) == NULL)
        return 0;
    *v = nv;
    *cap = n;
    return 1;
}

/* Opens S's helper connection (once; 0 when ready): the same file, read
 * only, imr_keep and imr_bm25 registered, a small page cache (the file
 * is mapped). */
static int helper_open(struct imr_search *s)
{
    const char *path = sqlite3_db_filename(s->db, "main");

    if (s->help_db != NULL)
        return 0;
    if (s->help_broken || path == NULL || path[0] == '\0')
        return -1;
    rank_slot_init(&s->help_rank, &s->help_pass, help_progress_cb, s);
    if (s->help_rank.cache == NULL)
        s->help_rank.cache = imr_rank_cache_new();  /* NULL: uncached */
    /* one thread at a time uses it (the helper's, or this one before
     * and after): no mutex, as for the handle's own connection */
    if (sqlite3_open_v2(path, &s->help_db, SQLITE_OPEN_READONLY |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(s->help_db, 10000) != SQLITE_OK ||
        sqlite3_create_function_v2(s->help_db, "imr_keep", 1, SQLITE_UTF8 |
                                   SQLITE_DIRECTONLY, &s->help_pass,
                                   keep_fn, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->help_db, "PRAGMA mmap_size = 2147418112;"
                     " PRAGMA cache_size = -4096;", NULL, NULL, NULL) !=
            SQLITE_OK ||
        imr_rank_register(s->help_db, &s->help_rank) != SQLITE_OK ||
        sqlite3_prepare_v3(s->help_db, static_sql[ST_MATCH_RANGE], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->help_st, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v3(s->help_db, static_sql[ST_SCORED_DESC], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->help_scored,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->help_db, static_sql[ST_SCORED_ASC], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->help_scored_asc,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->help_db, static_sql[ST_PHRASE_RANGE], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->help_phrase,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->help_db, imr_facets_sig_sql(), -1,
                           SQLITE_PREPARE_PERSISTENT, &s->help_sig, NULL) !=
            SQLITE_OK) {
        helper_close(s);
        s->help_broken = 1;
        return -1;
    }
    sqlite3_progress_handler(s->help_db, 4000, help_progress_cb, s);
    return 0;
}

/* Starts a read transaction on the helper connection that sees index
 * state SIG (the one the query's store belongs to): 0, else -1 (no
 * helper, or the index changed in between: the caller counts alone). */
static int helper_begin(struct imr_search *s, const char *sig)
{
    char now[IMR_FACETS_SIG_LEN];

    if (helper_open(s) != 0 ||
        sqlite3_exec(s->help_db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    if (imr_facets_sig_of(s->help_sig, now, NULL) != IMR_OK ||
        strcmp(now, sig) != 0) {
        sqlite3_exec(s->help_db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* The half of a pass the helper runs on its connection: the matches of
 * M with rowids below HI into P, with its statement ST (kind WHICH). */
struct half_job {
    struct stream sm;
    const char *m;
    long long hi;
    struct spass *p;
    int rc;
    char err[IMR_ERR_LEN];
};

static void half_job_init(struct half_job *j, struct imr_search *s,
                          sqlite3_stmt *st, int which, const char *m,
                          long long hi, struct spass *p)
{
    memset(j, 0, sizeof(*j));
    j->sm.db = s->help_db;
    j->sm.st = st;
    j->sm.which = which;
    j->sm.slot = &s->help_pass;
    j->m = m;
    j->hi = hi;
    j->p = p;
}

static void *half_job_run(void *arg)
{
    struct half_job *j = arg;

    j->rc = stream_run(&j->sm, j->m, INT64_MIN, j->hi, j->p, NULL, NULL,
                       j->err);
    return NULL;
}

/* Counts the matches of M with rowid below HI into P (keep_fn: filters,
 * total, facets; nothing is ranked; by gaps when P->gap, see
 * count_rest). When about EST or more are left (imr_search_split_min),
 * a second thread counts the lower half of the rowids on the helper
 * connection, in a read transaction of the same index state SIG, while
 * this one counts the upper half; the counts are added up. Otherwise,
 * or without a helper, one pass.
 *
 * When M is one phrase (count_stmt_of), FTS5 walks it for the helper's
 * part (ST_PHRASE_RANGE), which stops at its upper end; a walk cannot
 * start in the middle, so this thread's part is stepped through as rows
 * (ST_MATCH_RANGE, which seeks to its lower end). The walk costs about
 * half as much per match, so the helper takes WALK_SHARE of the rowids:
 * a boilerplate phrase's 157,182 matches at 100k cost 32 ms stepped and
 * 22 ms walked (the phrase's positions matched either way), a common
 * word's 122,002 matches 10 ms and 3 ms, before the counting itself. */
#define WALK_SHARE 0.62
static int count_split(struct imr_search *s, const char *sig, const char *m,
                       long long hi, long long est, struct spass *p,
                       char *err)
{
    struct half_job job;
    struct spass hp;
    pthread_t th;
    long long lo, mid;
    size_t k_mid;
    int rc, which = count_stmt_of(m);

    if (which == ST_PHRASE_RANGE)
        atomic_fetch_add(&phrase_walks, 1);
    lo = imr_facets_items(p->f) > 0 ? imr_facets_item_id(p->f, 0) : 0;
    if (est < atomic_load(&split_min) || hi - lo < 2 ||
        helper_begin(s, sig) != 0)
        return stream_matches(s, which, m, INT64_MIN, hi, p, NULL, NULL,
                              err);
    hp = *p;                  /* same store, filters, exclusions */
    hp.cnt = NULL;
    hp.miss = NULL;
    hp.gap_next = 0;
    hp.total = 0;
    hp.seen = 0;
    hp.bounded = 0;
    memset(&hp.heap, 0, sizeof(hp.heap));
    mid = which == ST_PHRASE_RANGE ?
          lo + (long long)((double)(hi - lo) * WALK_SHARE) :
          lo + (hi - lo) / 2;
    half_job_init(&job, s, which == ST_PHRASE_RANGE ? s->help_phrase :
                  s->help_st, which, m, mid, &hp);
    if ((p->cnt != NULL && !p->gap &&
         imr_facets_cnt_new(p->f, &hp.cnt) != IMR_OK) ||
        (p->gap && imr_facets_cnt_new(p->f, &hp.miss) != IMR_OK) ||
        pthread_create(&th, NULL, half_job_run, &job) != 0) {
        imr_facets_cnt_free(hp.cnt);
        imr_facets_cnt_free(hp.miss);
        sqlite3_exec(s->help_db, "ROLLBACK", NULL, NULL, NULL);
        return stream_matches(s, which, m, INT64_MIN, hi, p, NULL, NULL,
                              err);
    }
    atomic_fetch_add(&splits, 1);
    k_mid = imr_facets_lower(p->f, mid);
    p->gap_next = k_mid;      /* this thread's half starts there */
    rc = stream_matches(s, ST_MATCH_RANGE, m, mid, hi, p, NULL, NULL, err);
    pthread_join(th, NULL);
    sqlite3_exec(s->help_db, "ROLLBACK", NULL, NULL, NULL);
    if (rc == IMR_OK && job.rc != IMR_OK) {
        rc = job.rc;
        imr_seterr(err, rc, "%s", job.err);
    }
    p->total += hp.total;
    p->seen += hp.seen;
    if (p->gap) {
        /* the lower half's items after its last match */
        imr_facets_cnt_add_range(hp.miss, hp.gap_next, k_mid);
        imr_facets_cnt_merge(p->miss, hp.miss);
    } else if (p->cnt != NULL) {
        imr_facets_cnt_merge(p->cnt, hp.cnt);
    }
    imr_facets_cnt_free(hp.cnt);
    imr_facets_cnt_free(hp.miss);
    return rc;
}

static atomic_ulong gap_counts;

/* Counts taken by gaps; see search.h. */
unsigned long imr_search_gap_counts(void)
{
    return atomic_load(&gap_counts);
}

/* count_split; with GAP (P counts facets, has neither filters nor
 * exclusions, and most items below HI are expected to match: a
 * boilerplate phrase), by gaps: each match only moves past the items
 * before it, which are counted as missed, and the matches' total and
 * facets are those of every item below HI less the missed ones. At 1M
 * letters a phrase in every letter counted 1.7M items; now it counts
 * none (2-3% of such a query's CPU: FTS5's phrase matching is most of
 * it). */
static int count_rest(struct imr_search *s, const char *sig, const char *m,
                      long long hi, long long est, int gap, struct spass *p,
                      char *err)
{
    struct imr_facets_cnt *miss = NULL;
    size_t k_hi;
    int rc;

    if (!gap || p->cnt == NULL)
        return count_split(s, sig, m, hi, est, p, err);
    if (imr_facets_cnt_new(p->f, &miss) != IMR_OK)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    atomic_fetch_add(&gap_counts, 1);
    p->gap = 1;
    p->miss = miss;
    p->gap_next = 0;
    rc = count_split(s, sig, m, hi, est, p, err);
    p->gap = 0;
    p->miss = NULL;
    if (rc == IMR_OK) {
        k_hi = imr_facets_lower(p->f, hi);
        imr_facets_cnt_add_range(miss, p->gap_next, k_hi);
        p->total += (long long)k_hi - imr_facets_cnt_total(miss);
        /* the items from HI on were counted as they were ranked */
        imr_facets_cnt_add_range(miss, k_hi, imr_facets_items(p->f));
        imr_facets_cnt_merge(p->cnt, imr_facets_cnt_every(p->f));
        imr_facets_cnt_sub(p->cnt, miss);
    }
    imr_facets_cnt_free(miss);
    return rc;
}

/* Below a 32nd of imr_search_split_min (625 rows by default) the second
 * thread's start (its read transaction, the index state's check, the
 * thread) costs more than half the ranking saves: warm at 100k, words
 * of 85 to 503 rows took 0.58-0.78 ms on one thread against 0.72-0.92
 * ms shared; from about 900 rows on, sharing wins. */
#define RANK_ALONE_SHARE 32

/* The bounded ranking of M into P (ST_SCORED_DESC: the P->left newest
 * passing matches ranked, every match counted from *LAST up), shared by
 * two threads when the store has imr_search_split_min items or more:
 * this one ranks the upper half of the rowids, newest first; the helper,
 * on its connection in a read transaction of index state SIG, ranks the
 * lower half into a log (newest first) while the two threads' candidates
 * are fewer than the bound (they are then enough, whatever this thread
 * finds after), and counts its half to the end. If the upper half holds
 * fewer candidates than the bound, the newest of the log make up the
 * rest, and every match has been counted (*COUNTED = 1). Else the helper
 * is stopped (its progress handler) and its work dropped, and the
 * matches below *LAST are left to count (count_rest), as after one pass.
 * With ASC (M matches no more rows than the bound, so every passing match
 * is ranked whatever the order) both halves walk oldest first
 * (ST_SCORED_ASC), and the bound stops neither; and when M matches
 * fewer rows than imr_search_split_min / RANK_ALONE_SHARE (MOST, the
 * terms' bound; -1: not known), this thread ranks them alone.
 * The candidates are those of one pass either way. *LAST is set as by
 * stream_matches (>= 0: the bound was reached). A phrase whose rows are
 * in no memo yet may be counted for its IDF by both threads at once. */
static int rank_split(struct imr_search *s, const char *sig, const char *m,
                      int asc, long long most, struct spass *p,
                      long long *last, int *counted, char *err)
{
    const int which = asc ? ST_SCORED_ASC : ST_SCORED_DESC;
    struct half_job job;
    struct spass hp;
    struct {                  /* *P's count, on a cache line of its own */
        _Alignas(64) atomic_long n;
        char pad[64 - sizeof(atomic_long)];
    } ranked = {0, {0}};
    pthread_t th;
    long long lo, mid, need;
    size_t n = imr_facets_items(p->f), i;
    int rc;

    *counted = 0;
    if (n < 2 || (long long)n < atomic_load(&split_min) || p->left <= 0 ||
        (asc && most >= 0 &&
         most < atomic_load(&split_min) / RANK_ALONE_SHARE) ||
        !cands_grow(&s->help_log, &s->help_log_cap, (size_t)p->left) ||
        helper_begin(s, sig) != 0)
        return stream_matches(s, which, m, INT64_MIN, INT64_MAX, p,
                              NULL, last, err);
    lo = imr_facets_item_id(p->f, 0);
    mid = lo + (imr_facets_item_id(p->f, n - 1) - lo) / 2 + 1;
    hp = *p;                  /* same store, filters, exclusions */
    hp.cnt = NULL;
    hp.miss = NULL;
    hp.total = 0;
    hp.seen = 0;
    hp.bounded = 0;           /* WANT and *PEER bound it instead */
    hp.heap.v = NULL;         /* the log instead (spass_push) */
    hp.heap.n = 0;
    hp.all = NULL;            /* this thread keeps what it takes */
    hp.log = s->help_log;
    hp.n_log = 0;
    hp.peer = &ranked.n;
    hp.want = p->left;
    /* the helper's imr_bm25 scores as this connection's does */
    s->help_rank.allow = s->rank.allow;
    s->help_rank.deferred = 0;
    s->help_rank.sig = s->rank.sig;
    s->help_rank.expr = s->rank.expr;
    s->help_rank.known = s->rank.known;
    s->help_rank.terms = s->rank.terms;
    s->help_rank.memo = s->rank.memo;
    half_job_init(&job, s, asc ? s->help_scored_asc : s->help_scored,
                  which, m, mid, &hp);
    if ((p->cnt != NULL && imr_facets_cnt_new(p->f, &hp.cnt) != IMR_OK) ||
        pthread_create(&th, NULL, half_job_run, &job) != 0) {
        imr_facets_cnt_free(hp.cnt);
        sqlite3_exec(s->help_db, "ROLLBACK", NULL, NULL, NULL);
        return stream_matches(s, which, m, INT64_MIN, INT64_MAX, p,
                              NULL, last, err);
    }
    atomic_fetch_add(&rank_splits, 1);
    p->ranked = &ranked.n;
    p->n_ranked = 0;
    rc = stream_matches(s, which, m, mid, INT64_MAX, p, NULL, last, err);
    p->ranked = NULL;
    if (rc != IMR_OK || *last >= 0)       /* its work is not needed */
        atomic_store_explicit(&s->help_stop, 1, memory_order_relaxed);
    pthread_join(th, NULL);
    atomic_store(&s->help_stop, 0);       /* for the helper's next pass */
    sqlite3_exec(s->help_db, "ROLLBACK", NULL, NULL, NULL);
    if (rc == IMR_OK && *last < 0 && job.rc != IMR_OK) {
        rc = job.rc;
        imr_seterr(err, rc, "%s", job.err);
    }
    if (rc == IMR_OK && *last < 0) {
        p->total += hp.total;
        p->seen += hp.seen;
        if (p->cnt != NULL)
            imr_facets_cnt_merge(p->cnt, hp.cnt);
        if (s->help_rank.deferred) {      /* this half may have none */
            s->rank.deferred = 1;
            s->rank.rows = s->help_rank.rows;
        }
        /* the newest of the lower half's candidates, up to the bound */
        need = (long long)hp.n_log < p->left ? (long long)hp.n_log
                                             : p->left;
        for (i = 0; i < (size_t)need; i++) {
            cheap_push(&p->heap, &hp.log[i]);
            spass_keep_cand(p, &hp.log[i]);
        }
        p->left -= need;
        if (p->left <= 0)
            *last = hp.log[need - 1].id;
        *counted = 1;
    }
    imr_facets_cnt_free(hp.cnt);
    return rc;
}

/* The second thread's half of scan_split. */
struct scan_job {
    struct imr_search *s;
    struct spass *p;
    size_t lo, hi;
    atomic_int *stop;
    int rc;
};

/* Store indexes [LO, HI) into P (a query without full text: filters,
 * total, facets, the page by date), SCAN_BLOCK items at a time: the
 * filters pick a block's items (imr_facets_q_pass), then each is
 * counted. *STOP, when not NULL, is set by the thread that runs out of
 * time and read by the other; IMR_ELIMIT past the deadline. */
#define SCAN_BLOCK 1024
static int scan_range(struct imr_search *s, struct spass *p, size_t lo,
                      size_t hi, atomic_int *stop)
{
    uint32_t pass[SCAN_BLOCK];
    size_t b, e, n, i, k, blocks = 0;

    for (b = lo; b < hi; b = e) {
        /* the time limit, every 64 blocks (65,536 items) */
        if ((++blocks & 63) == 0 &&
            ((stop != NULL && atomic_load(stop)) || progress_cb(s))) {
            if (stop != NULL)
                atomic_store(stop, 1);
            return IMR_ELIMIT;
        }
        e = hi - b > SCAN_BLOCK ? b + SCAN_BLOCK : hi;
        n = imr_facets_q_pass(p->q, b, e, pass);
        if (p->miss == NULL) {
            for (i = 0; i < n; i++)
                if (spass_passed(p, pass[i]))
                    spass_push(p, pass[i], 0);
            continue;
        }
        /* by gaps (P->cnt NULL): the items that fail go to P->miss */
        for (k = b, i = 0; k < e; k++) {
            if (i < n && pass[i] == k) {
                i++;
                if (!spass_excluded(p, k)) {
                    if (spass_passed(p, k))
                        spass_push(p, k, 0);
                    continue;
                }
            }
            imr_facets_cnt_add_at(p->miss, k);
        }
    }
    return IMR_OK;
}

static atomic_ulong gap_scans;

/* Scans of the store counted by gaps; see search.h. */
unsigned long imr_search_gap_scans(void)
{
    return atomic_load(&gap_scans);
}

/* Would most of the store's items pass P's filters and exclusions? A
 * test of SCAN_SAMPLE items spread over the store (of each, in a
 * smaller one). */
#define SCAN_SAMPLE 512
static int scan_dense(const struct spass *p)
{
    size_t n = imr_facets_items(p->f), m, step, i, k, hits = 0;

    if (n == 0)
        return 0;
    m = n < SCAN_SAMPLE ? n : SCAN_SAMPLE;
    step = n / m;
    for (i = 0; i < m; i++) {
        k = i * step + step / 2;
        hits += imr_facets_q_test(p->q, k) && !spass_excluded(p, k);
    }
    return hits * 5 > m * 3;                /* more than 60% */
}

static void *scan_job_run(void *arg)
{
    struct scan_job *j = arg;

    j->rc = scan_range(j->s, j->p, j->lo, j->hi, j->stop);
    return NULL;
}

/* Every item of the store into P (a query without full text). From
 * imr_search_split_min items on, a second thread scans the lower half
 * into its own counts and heap, which are then added to P's: the same
 * answer (the page's order is total: date, then id), in about half the
 * time (1M letters: 11-35 ms in one thread). The store is read only. */
static int scan_split(struct imr_search *s, struct spass *p, char *err)
{
    size_t n = imr_facets_items(p->f), k;
    struct imr_facets_cnt *cnt = p->cnt, *miss = NULL, *hmiss = NULL;
    struct scan_job job;
    struct spass hp;
    atomic_int stop = 0;
    pthread_t th;
    int rc;

    /* most items pass: count the few that fail, then every item's
     * counts less theirs (as count_rest does for a boilerplate phrase) */
    if (cnt != NULL && scan_dense(p)) {
        if (imr_facets_cnt_new(p->f, &miss) != IMR_OK)
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        atomic_fetch_add(&gap_scans, 1);
        p->cnt = NULL;
        p->miss = miss;
    }
    if (n < 2 || (long long)n < atomic_load(&split_min))
        goto one;
    hp = *p;                  /* same store, filters, exclusions */
    hp.cnt = NULL;
    hp.miss = NULL;
    hp.total = 0;
    hp.heap.n = 0;
    hp.heap.v = NULL;
    if ((p->cnt != NULL && imr_facets_cnt_new(p->f, &hp.cnt) != IMR_OK) ||
        (miss != NULL && imr_facets_cnt_new(p->f, &hmiss) != IMR_OK) ||
        (hp.heap.v = malloc((hp.heap.cap > 0 ? hp.heap.cap : 1) *
                            sizeof(*hp.heap.v))) == NULL) {
        imr_facets_cnt_free(hp.cnt);
        imr_facets_cnt_free(hmiss);
        hmiss = NULL;
        free(hp.heap.v);
        goto one;
    }
    hp.miss = hmiss;
    memset(&job, 0, sizeof(job));
    job.s = s;
    job.p = &hp;
    job.lo = 0;
    job.hi = n / 2;
    job.stop = &stop;
    if (pthread_create(&th, NULL, scan_job_run, &job) != 0) {
        imr_facets_cnt_free(hp.cnt);
        imr_facets_cnt_free(hmiss);
        hmiss = NULL;
        free(hp.heap.v);
        goto one;
    }
    atomic_fetch_add(&splits, 1);
    rc = scan_range(s, p, n / 2, n, &stop);
    pthread_join(th, NULL);
    if (rc == IMR_OK)
        rc = job.rc;
    p->total += hp.total;
    if (p->cnt != NULL)
        imr_facets_cnt_merge(p->cnt, hp.cnt);
    if (miss != NULL)
        imr_facets_cnt_merge(miss, hmiss);
    for (k = 0; k < hp.heap.n; k++)
        cheap_push(&p->heap, &hp.heap.v[k]);
    imr_facets_cnt_free(hp.cnt);
    imr_facets_cnt_free(hmiss);
    free(hp.heap.v);
    goto out;
one:
    rc = scan_range(s, p, 0, n, NULL);
out:
    if (miss != NULL) {
        p->cnt = cnt;
        p->miss = NULL;
        if (rc == IMR_OK) {
            imr_facets_cnt_merge(cnt, imr_facets_cnt_every(p->f));
            imr_facets_cnt_sub(cnt, miss);
        }
        imr_facets_cnt_free(miss);
    }
    if (rc == IMR_ELIMIT)
        return imr_seterr(err, IMR_ELIMIT, "the query took too long");
    return rc;
}

/* The page of the store path: the rows of the NP candidates PG (in page
 * order) by id in one statement, then their details as run_hits does. */
static int store_page(struct imr_search *s, const struct imr_query *qr,
                      const char *fts, const json_t *interp,
                      const struct cand *pg, size_t np, json_t *hits,
                      char *err)
{
    sqlite3_stmt *st = s->st[ST_ROWS];
    struct page_hit *ph = calloc(np > 0 ? np : 1, sizeof(*ph));
    size_t i;
    int rc = IMR_OK, step;

    if (ph == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    for (i = 0; i < np; i++)
        ph[i].item_id = pg[i].id;
    if (np == 0)
        goto done;
    if (bind_ids(st, 1, ph, np, 0) != SQLITE_OK) {
        rc = db_err(s, err, "search");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);

        for (i = 0; i < np && (ph[i].item_id != id || ph[i].hit); i++)
            ;
        if (i == np)
            continue;
        ph[i].det_id = sqlite3_column_int64(st, 9);
        ph[i].hit = hit_json(st, fts == NULL ? json_null() :
                             json_real(-pg[i].score));
        if (ph[i].hit == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = db_err(s, err, "search");
        goto done;
    }
    for (i = 0; i < np; i++) {
        if (ph[i].hit == NULL) {      /* the store said it exists */
            rc = imr_seterr(err, IMR_EDB, "search: item %lld is gone",
                            ph[i].item_id);
            goto done;
        }
        if (json_array_append(hits, ph[i].hit) != 0) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    }
    rc = page_details(s, qr, fts, interp, ph, np, err);
done:
    sqlite3_reset(st);
    for (i = 0; i < np; i++)
        json_decref(ph[i].hit);
    free(ph);
    return rc;
}

/* Another page of query text KEY, whose candidates ranked under BOUND
 * in F's state the rank memo keeps: they go to heap H. 0 when they are
 * not kept. */
static int ranked_page(const struct imr_facets *f, const char *key,
                       long bound, struct cheap *h)
{
    struct imr_ranked r;
    struct cand c;
    size_t i;

    if (!atomic_load(&rank_reuse_on) ||
        !imr_rank_memo_get(imr_facets_rank_memo(f), key, bound, &r))
        return 0;
    for (i = 0; i < r.n; i++) {
        c.score = r.score[i];
        c.k = r.k[i];
        c.date = imr_facets_date(f, c.k);
        c.id = imr_facets_item_id(f, c.k);
        cheap_push(h, &c);
    }
    imr_ranked_clear(&r);
    atomic_fetch_add(&rank_reuses, 1);
    return 1;
}

/* Keeps the candidates P ranked for query text KEY under BOUND in F's
 * rank memo, for the text's other pages; not when they are few or
 * incomplete. */
static void ranked_keep(const struct imr_facets *f, const char *key,
                        long bound, const struct spass *p)
{
    struct imr_ranked r;
    size_t i;

    if (p->all == NULL || p->lost ||
        p->n_all < (size_t)atomic_load(&rank_memo_min))
        return;
    r.n = p->n_all;
    r.bound = bound;
    r.score = malloc(r.n * sizeof(*r.score));
    r.k = malloc(r.n * sizeof(*r.k));
    if (r.score == NULL || r.k == NULL) {
        imr_ranked_clear(&r);
        return;
    }
    for (i = 0; i < r.n; i++) {
        r.score[i] = p->all[i].score;
        r.k[i] = (uint32_t)p->all[i].k;
    }
    imr_rank_memo_put(imr_facets_rank_memo(f), key, &r);
}

/* imr_query_fts_pruned's question: does a row hold the phrase of KEY?
 * From the facet store's counts of the synonym spellings (ARG). */
static int spelling_has_rows(const void *arg, const char *key)
{
    long long rows;

    if (!imr_phrase_rows_get(arg, key, &rows))
        return -1;                   /* not known: kept */
    return rows > 0;
}

/* imr_snip_rows_bound's question: the rows holding a term, from the
 * facet store's rows of every term (*ARG); unknown when it has none. */
static int term_rows_of(void *arg, const char *term, size_t len,
                        long long *n)
{
    const struct imr_term_rows *t = *(const struct imr_term_rows **)arg;

    if (imr_term_rows_count(t) == 0)
        return 0;
    if (!imr_term_rows_get(t, term, len, n))
        *n = 0;                       /* no row holds it */
    return 1;
}

/* At most how many rows of store F's index state match FTS, from its
 * terms' rows: -1 when that is not known (a prefix, syntax lib/snippet.c
 * does not compile, no terms' rows). */
static long long fts_rows_at_most(struct imr_search *s,
                                  const struct imr_facets *f,
                                  const char *fts)
{
    const struct imr_term_rows *terms = imr_facets_terms(f);
    struct imr_snip *sn = NULL;
    char err[IMR_ERR_LEN];
    long long most;

    if (snip_tok_get(s, err) != IMR_OK ||
        imr_snip_compile(s->snip_tok, fts, fts_columns, 4, &sn, err) !=
            IMR_OK)
        return -1;
    most = imr_snip_rows_bound(sn, term_rows_of, &terms);
    imr_snip_free(sn);
    return most;
}

/* The store path: total, facets and the page of hits of QR from one
 * pass over the full-text matches (or, without full text, over the
 * store's items) with every filter tested in memory (imr_facets_q_test)
 * and the page kept in a bounded heap ordered as hits_sql orders; then
 * the page's rows by id. Used when the facet store of this read
 * transaction's state is ready and can test every filter of QR; *USED =
 * 0 otherwise (the caller takes the SQL path, which stays the oracle of
 * tests/unit/test_search_store.c). */
static int store_run(struct imr_search *s, const struct imr_query *qr,
                     const struct imr_search_opts *o, const char *fts,
                     const char *neg, json_t *res, json_t *hits,
                     int *used, char *err)
{
    char sig[IMR_FACETS_SIG_LEN];
    struct imr_facets *f = NULL;
    struct imr_facets_q *fq = NULL;
    unsigned char *excl = NULL;
    struct spass p;
    json_t *facets = NULL;
    struct imr_tally tl = {0, 0, NULL};
    char *pruned = NULL, *pruned_neg = NULL;
    size_t n, k, from;
    long long seen;
    long bound = 0;
    int rc = IMR_OK, cut = 0, tallied, ranks;

    *used = 0;
    memset(&p, 0, sizeof(p));
    if (s->fsrc == NULL || !imr_facets_enabled() ||
        imr_facets_sig_of(s->sig_st, sig, NULL) != IMR_OK ||
        (f = imr_facets_get(s->fsrc, sig)) == NULL)
        return IMR_OK;
    if (imr_facets_q_new(f, qr->filters, qr->n_filters, &fq) != IMR_OK) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    /* a filter only SQL can test; a page so deep that its heap would
     * be large (SQL's sorter spills to disk instead) */
    if (fq == NULL || (o->hits && o->offset + o->limit > STORE_MAX_DEPTH))
        goto done;
    *used = 1;
    atomic_fetch_add(&store_runs, 1);
    n = imr_facets_items(f);
    p.f = f;
    p.q = fq;
    /* the counts of an earlier query of this text in this state: only
     * the page is left to find */
    tallied = atomic_load(&tally_reuse_on) &&
              imr_tally_memo_get(imr_facets_tally_memo(f), qr->text,
                                 o->facets, &tl);
    if (tallied)
        atomic_fetch_add(&tally_reuses, 1);
    if (tallied && !o->hits)
        goto counted;
    if (o->hits) {
        p.heap.cap = o->offset + o->limit < n ? o->offset + o->limit : n;
        if (o->limit == 0)
            p.heap.cap = 0;
        p.heap.scored = fts != NULL && o->sort != IMR_SORT_DATE;
        p.heap.v = malloc((p.heap.cap > 0 ? p.heap.cap : 1) *
                          sizeof(*p.heap.v));
        if (p.heap.v == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    }
    bound = atomic_load(&rank_bound);
    ranks = fts != NULL && p.heap.cap > 0 && p.heap.scored && bound > 0 &&
            o->offset + o->limit <= (size_t)bound;
    /* another page of a text ranked in this state: its candidates kept
     * (the answer says the ranking was bounded when the total passes the
     * bound, as after a ranking) */
    if (ranks && tallied && ranked_page(f, qr->text, bound, &p.heap)) {
        cut = 1;
        goto counted;
    }
    /* without the synonym spellings no row of this state holds: the same
     * matches, scores and snippets for less of FTS5's walking */
    if (fts != NULL && imr_facets_phrases(f) != NULL) {
        if (imr_query_fts_pruned(qr, spelling_has_rows,
                                 imr_facets_phrases(f), &pruned,
                                 &pruned_neg) != IMR_OK) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        fts = pruned;
        neg = pruned_neg;
    }
    if (neg != NULL) {
        if ((excl = calloc(n / 8 + 1, 1)) == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = stream_matches(s, ST_MATCH, neg, 0, 0, &p, excl, NULL,
                                 err)) != IMR_OK)
            goto done;
        p.excl = excl;
    }
    if (o->facets && !tallied && imr_facets_cnt_new(f, &p.cnt) != IMR_OK) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    s->rank.allow = 1;
    s->rank.deferred = 0;
    s->rank.sig = sig;        /* the IDFs of this state and text, kept */
    s->rank.expr = fts;
    s->rank.known = imr_facets_phrases(f);  /* rows of synonym spellings */
    s->rank.terms = imr_facets_terms(f);    /* and of every term */
    s->rank.memo = imr_facets_phrase_memo(f);  /* and of phrases counted */
    if (ranks) {
        /* newest first; BM25 (nine tenths of the cost per match) for the
         * first BOUND passing matches only, the older ones counted; oldest
         * first when no more rows than BOUND can match */
        long long last = -1, most = -1;
        int counted = 0, asc = 0;

        /* the bound cannot stop it: oldest first */
        if (atomic_load(&rank_ascend_on) &&
            (most = fts_rows_at_most(s, f, fts)) >= 0 && most <= bound) {
            asc = 1;
            atomic_fetch_add(&rank_ascents, 1);
        }
        p.bounded = 1;
        p.left = bound;
        if (cands_grow(&s->ranked_all, &s->ranked_all_cap, (size_t)bound)) {
            p.all = s->ranked_all;        /* kept for the other pages */
            p.cap_all = s->ranked_all_cap;
        }
        rc = rank_split(s, sig, fts, asc, most, &p, &last, &counted, err);
        p.bounded = 0;
        if (rc == IMR_OK && last >= 0 && counted) {
            cut = 1;
            p.heap.cap = 0;
        } else if (rc == IMR_OK && last >= 0 && tallied) {
            cut = 1;
            p.heap.cap = 0;   /* the page is among the ranked ones */
        } else if (rc == IMR_OK && last >= 0) {
            /* the matches left below LAST, estimated from the density
             * of those seen above it */
            long long top = imr_facets_item_id(f, n - 1);
            long long lo = imr_facets_item_id(f, 0);
            long long est = (long long)((double)p.seen *
                                        (double)(last - lo) /
                                        (double)(top - last + 1));

            /* by gaps when most of the items left would match */
            int gap = p.excl == NULL && qr->n_filters == 0 &&
                      (size_t)est > imr_facets_lower(f, last) / 2;

            cut = 1;
            p.heap.cap = 0;   /* the page is among the ranked ones */
            rc = count_rest(s, sig, fts, last, est, gap, &p, err);
        }
        if (rc != IMR_OK)
            goto done;
    } else if (fts != NULL) {
        /* hits show their BM25 score also when sorted by date */
        rc = stream_matches(s, o->hits ? ST_SCORED : ST_KEEP, fts, 0, 0,
                            &p, NULL, NULL, err);
        if (rc != IMR_OK)
            goto done;
    } else if ((rc = scan_split(s, &p, err)) != IMR_OK) {
        goto done;
    }
counted:
    seen = tallied ? tl.seen : p.seen;
    if (tallied)
        p.total = tl.total;
    if (s->rank.deferred) {
        /* one phrase, found in SEEN rows: its IDF, as bm25() would
         * have applied it to every score (-(idf * x) == idf * -x) */
        double idf = imr_rank_idf(s->rank.rows, seen);
        char **keys = NULL;
        size_t nkeys = 0;

        for (k = 0; k < p.heap.n; k++)
            p.heap.v[k].score = idf * p.heap.v[k].score;
        for (k = 0; k < p.n_all; k++)
            p.all[k].score = idf * p.all[k].score;
        /* the phrase's rows, for the IDFs of later queries with it */
        if (imr_phrase_keys(fts, &keys, &nkeys) == IMR_OK && nkeys == 1)
            imr_phrase_memo_put(s->rank.memo, keys[0], seen);
        imr_strv_free(keys, nkeys);
    }
    ranked_keep(f, qr->text, bound, &p);
    json_object_set_new(res, "total", json_integer((json_int_t)p.total));
    if (o->facets) {
        facets = tallied ? json_loads(tl.facets, 0, NULL) :
                 imr_facets_cnt_json(p.cnt, IMR_SEARCH_FACET_TOP);
        if (facets == NULL) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        json_object_set_new(res, "facets", facets);
    }
    if (!tallied) {
        /* for the next query of this text in this state */
        tl.total = p.total;
        tl.seen = p.seen;
        tl.facets = o->facets ? imr_json_compact(json_object_get(res,
                                                                 "facets"))
                              : NULL;
        if (!o->facets || tl.facets != NULL)
            imr_tally_memo_put(imr_facets_tally_memo(f), qr->text, &tl);
    }
    if (!o->hits)
        goto done;
    if (cut && p.total > bound)
        json_object_set_new(res, "rank_bound", json_pack(
            "{s:I, s:I, s:s}", "ranked", (json_int_t)bound, "of",
            (json_int_t)p.total, "order", "the most recently indexed "
            "matches, ranked by relevance"));
    qsort(p.heap.v, p.heap.n, sizeof(*p.heap.v), p.heap.scored ?
          cmp_cand_scored : cmp_cand_date);
    from = o->offset < p.heap.n ? o->offset : p.heap.n;
    rc = store_page(s, qr, fts, json_object_get(res, "interpretation"),
                    p.heap.v + from, p.heap.n - from, hits, err);
done:
    free(tl.facets);
    free(pruned);
    free(pruned_neg);
    s->rank.allow = 0;
    s->rank.deferred = 0;
    s->rank.sig = NULL;
    s->rank.expr = NULL;
    s->rank.known = NULL;
    s->rank.terms = NULL;
    s->rank.memo = NULL;
    free(p.heap.v);
    free(excl);
    imr_facets_cnt_free(p.cnt);
    imr_facets_q_free(fq);
    imr_facets_release(s->fsrc, f);
    return rc;
}

/* Counts the result set into RES's "total" and, with WITH_FACETS, its
 * facets into "facets": from the facet store when it is ready, else
 * with SQL (the fallback, and the oracle of tests/unit/test_facets.c). */
static int run_facets(struct imr_search *s, const struct imr_query *qr,
                      const char *fts, const char *neg, int with_facets,
                      json_t *res, char *err)
{
    struct sqlq q;
    sqlite3_stmt *st = NULL;
    json_t *facets = NULL;
    int rc = IMR_OK, step, used = 0;
    size_t k;

    memset(&q, 0, sizeof(q));
    if (with_facets) {
        rc = store_facets(s, qr, fts, neg, res, &used, err);
        if (rc != IMR_OK || used)
            return rc;
    }
    if ((facets = json_object()) == NULL)
        return IMR_ENOMEM;
    for (k = 0; k < sizeof(facet_names) / sizeof(facet_names[0]); k++)
        json_object_set_new(facets, facet_names[k], json_array());
    if (!with_facets && fts != NULL && neg == NULL && qr->n_filters == 0) {
        /* every match is a hit: the total is FTS5's own count */
        sq_add(&q, "SELECT 'total', NULL, count(*) FROM item_fts WHERE "
               "item_fts MATCH ?");
        sq_text(&q, fts);
    } else {
        if (!with_matches(&q, fts, 0, 1))
            sq_add(&q, "WITH ");
        /* the result set once, with the columns the facets group by: no
         * facet joins items or determinations again */
        sq_add(&q, with_facets ? "r AS MATERIALIZED (SELECT i.id AS id, "
               "i.det_id AS det_id, i.decision AS decision, i.treatment AS "
               "treatment, i.category AS category, i.subcategory AS "
               "subcategory, d.year AS year, d.program AS program, d.type "
               "AS type" : "r AS MATERIALIZED (SELECT i.id AS id");
        from_where(&q, qr, fts, neg);
        sq_add(&q, ") SELECT 'total', NULL, count(*) FROM r");
    }
    if (with_facets)
        imr_buf_addf(&q.sql,
        " UNION ALL SELECT * FROM (SELECT 'decision', decision, count(*)"
        " FROM r GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'guideline', c.guideline,"
        " count(DISTINCT c.item_id) FROM r JOIN citations c ON"
        " c.item_id = r.id GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'guideline_page', cp.guideline"
        " || ' p.' || CASE WHEN cp.page_from = cp.page_to THEN"
        " cp.page_from ELSE cp.page_from || '-' || cp.page_to END,"
        " count(DISTINCT cp.item_id) FROM r JOIN citation_pages cp ON"
        " cp.item_id = r.id GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'treatment', lower(trim("
        "treatment)), count(*) FROM r WHERE treatment IS NOT NULL"
        " GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'category', category ||"
        " coalesce(' > ' || subcategory, ''), count(*) FROM r WHERE"
        " category IS NOT NULL GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'diagnosis', g.norm,"
        " count(DISTINCT r.id) FROM r JOIN diagnoses g ON"
        " g.det_id = r.det_id GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)"
        " UNION ALL SELECT * FROM (SELECT 'year', year, count(*) FROM r"
        " WHERE year IS NOT NULL GROUP BY 2 ORDER BY 2 DESC LIMIT %d)"
        /* DWC letters and DMHC cases; the DMHC review type */
        " UNION ALL SELECT * FROM (SELECT 'program', program, count(*)"
        " FROM r GROUP BY 2 ORDER BY 3 DESC, 2)"
        " UNION ALL SELECT * FROM (SELECT 'type', type, count(*) FROM r"
        " WHERE type IS NOT NULL GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT %d)",
        IMR_SEARCH_FACET_TOP, IMR_SEARCH_FACET_TOP, IMR_SEARCH_FACET_TOP,
        IMR_SEARCH_FACET_TOP, IMR_SEARCH_FACET_TOP, IMR_SEARCH_FACET_TOP,
        IMR_SEARCH_FACET_TOP, IMR_SEARCH_FACET_TOP);
    if ((rc = sq_prepare(s, &q, &st, "facets", err)) != IMR_OK)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        json_int_t n = (json_int_t)sqlite3_column_int64(st, 2);

        if (strcmp(name, "total") == 0) {
            json_object_set_new(res, "total", json_integer(n));
            continue;
        }
        json_array_append_new(json_object_get(facets, name),
                              json_pack("{s:o, s:I}", "value",
                                        col_json(st, 1), "count", n));
    }
    if (step != SQLITE_DONE)
        rc = db_err(s, err, "facets");
done:
    sqlite3_finalize(st);
    sq_free(&q);
    if (rc == IMR_OK)
        json_object_set_new(res, "facets", facets);
    else
        json_decref(facets);
    return rc;
}

/* The cache key of QR under O: the options, then the query text (the
 * parse is deterministic, so equal texts give equal plans). NULL when
 * the result is not to be cached. */
static char *cache_key(const struct imr_query *qr,
                       const struct imr_search_opts *o)
{
    struct imr_buf b = IMR_BUF_INIT;

    if (qr->text == NULL || o->limit > CACHE_MAX_LIMIT)
        return NULL;
    imr_buf_addf(&b, "%zu/%zu/%d/%d/%d/%ld/%ld\n", o->limit, o->offset,
                 (int)o->sort, o->hits, o->facets, o->timeout_ms,
                 atomic_load(&rank_bound));
    imr_buf_adds(&b, qr->text);
    if (imr_buf_error(&b) != IMR_OK) {
        imr_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* Empties the cache when the index changed since it was filled. */
static void cache_check(struct imr_search *s)
{
    sqlite3_stmt *st = s->st[ST_DATAVER];
    long long v = -1;
    size_t i;

    sqlite3_reset(st);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (v == s->data_version && v != -1)
        return;
    s->data_version = v;
    for (i = 0; i < CACHE_SLOTS; i++) {
        free(s->cache[i].key);
        free(s->cache[i].res);
        memset(&s->cache[i], 0, sizeof(s->cache[i]));
    }
    s->cache_bytes = 0;
}

/* A copy of the cached result of KEY, or NULL. */
/* The cached answer text under KEY (marked as just used), or NULL. */
static const char *cache_find(struct imr_search *s, const char *key)
{
    size_t i;

    for (i = 0; i < CACHE_SLOTS; i++) {
        if (s->cache[i].key != NULL && strcmp(s->cache[i].key, key) == 0) {
            s->cache[i].used = ++s->tick;
            return s->cache[i].res;
        }
    }
    return NULL;
}

static json_t *cache_get(struct imr_search *s, const char *key)
{
    const char *text = cache_find(s, key);

    return text != NULL ? json_loads(text, 0, NULL) : NULL;
}

static void cache_drop(struct imr_search *s, size_t i)
{
    s->cache_bytes -= s->cache[i].bytes;
    free(s->cache[i].key);
    free(s->cache[i].res);
    memset(&s->cache[i], 0, sizeof(s->cache[i]));
}

/* The least recently used entry, or CACHE_SLOTS when there is none. */
static size_t cache_lru(const struct imr_search *s)
{
    size_t i, v = CACHE_SLOTS;

    for (i = 0; i < CACHE_SLOTS; i++)
        if (s->cache[i].key != NULL &&
            (v == CACHE_SLOTS || s->cache[i].used < s->cache[v].used))
            v = i;
    return v;
}

/* Keeps a copy of RES under KEY (taken), evicting the least recently
 * used entry. Out of memory just leaves it uncached. */
static void cache_put(struct imr_search *s, char *key, const json_t *res)
{
    /* the form imr_search_run_text hands out (and the daemon sends) */
    char *text = imr_json_compact(res);
    size_t bytes, v;

    if (text == NULL) {
        free(key);
        return;
    }
    bytes = strlen(key) + strlen(text);
    if (bytes > CACHE_MAX_BYTES / 8) {
        free(key);
        free(text);
        return;
    }
    while (s->cache_bytes + bytes > CACHE_MAX_BYTES &&
           (v = cache_lru(s)) < CACHE_SLOTS)
        cache_drop(s, v);
    for (v = 0; v < CACHE_SLOTS && s->cache[v].key != NULL; v++)
        ;
    if (v == CACHE_SLOTS) {
        v = cache_lru(s);
        cache_drop(s, v);
    }
    s->cache[v].key = key;
    s->cache[v].res = text;
    s->cache[v].bytes = bytes;
    s->cache[v].used = ++s->tick;
    s->cache_bytes += bytes;
}

/* Runs QR: total (+ facets) and one page of hits; see search.h. */
int imr_search_run(struct imr_search *s, const struct imr_query *qr,
                   const struct imr_search_opts *o, json_t **out,
                   char *err)
{
    char *fts = NULL, *neg = NULL, *key = NULL;
    json_t *res = NULL, *hits = NULL, *interp = NULL;
    int rc, win, txn = 0, used = 0;

    *out = NULL;
    if (o->limit > IMR_SEARCH_MAX_LIMIT)
        return imr_seterr(err, IMR_EINVAL, "limit must be at most %d",
                          IMR_SEARCH_MAX_LIMIT);
    if (o->offset > 10000000)
        return imr_seterr(err, IMR_EINVAL, "offset too large");
    cache_check(s);
    key = cache_key(qr, o);
    if (key != NULL && (*out = cache_get(s, key)) != NULL) {
        free(key);
        return IMR_OK;
    }
    rc = imr_query_fts(qr, &fts, &neg);
    if (rc != IMR_OK)
        return imr_seterr(err, rc, "out of memory");
    /* one read transaction: the total, the facets (from the store or
     * SQL) and the hits all see the same index state */
    txn = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    res = json_object();
    hits = json_array();
    interp = imr_query_interpretation(qr);
    if (res == NULL || hits == NULL || interp == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    set_deadline(s, o->timeout_ms);
    json_object_set_new(res, "total", json_null());
    json_object_set_new(res, "offset", json_integer((json_int_t)o->offset));
    json_object_set_new(res, "limit", json_integer((json_int_t)o->limit));
    json_object_set_new(res, "sort", json_string(
                        o->sort == IMR_SORT_DATE || fts == NULL ? "date" :
                        "relevance"));
    json_object_set_new(res, "interpretation", interp);
    interp = NULL;
    /* the store path: the whole answer from one pass */
    if (o->facets || o->hits) {
        rc = store_run(s, qr, o, fts, neg, res, hits, &used, err);
        if (rc != IMR_OK)
            goto done;
        if (used) {
            if (o->hits)
                json_object_set(res, "hits", hits);
            goto answered;
        }
    }
    /* hits without facets and with filters: the hits query counts the
     * total as well (a window over its rows), instead of a second pass
     * over every match; plain full text counts with FTS5 alone below */
    win = o->hits && !o->facets && !plain_fts(qr, o, fts, neg);
    if ((o->facets || o->hits) && !win) {
        /* the facet query also gives the total; facets over a huge result
         * set may use half the time at most, then only the total is
         * counted and the facets are reported as skipped */
        if (o->facets && o->timeout_ms > 0)
            set_deadline(s, o->timeout_ms / 2);
        rc = run_facets(s, qr, fts, neg, o->facets, res, err);
        if (rc == IMR_ELIMIT && o->facets && o->timeout_ms > 0) {
            set_deadline(s, o->timeout_ms / 2);
            rc = run_facets(s, qr, fts, neg, 0, res, err);
            json_object_set_new(res, "facets", json_null());
            json_object_set_new(res, "facets_skipped",
                                json_string("took too long"));
        }
        if (rc != IMR_OK)
            goto done;
        if (!o->facets)
            json_object_del(res, "facets");
    }
    if (o->hits) {
        if (o->facets && o->timeout_ms > 0)
            set_deadline(s, o->timeout_ms / 2);
        rc = run_hits(s, qr, o, fts, neg, json_object_get(res,
                      "interpretation"), hits, win ? res : NULL, err);
        if (rc == IMR_OK && win && json_is_null(json_object_get(res,
                                                            "total"))) {
            /* no row to carry the count: the page is past the end */
            rc = run_facets(s, qr, fts, neg, 0, res, err);
            json_object_del(res, "facets");
        }
        if (rc != IMR_OK)
            goto done;
        json_object_set(res, "hits", hits);
    }
answered:
    /* also a result whose facets were skipped: asked again on the same
     * index, it would spend the same time to be skipped again */
    if (key != NULL) {
        cache_put(s, key, res);
        key = NULL;
    }
    *out = res;
    res = NULL;
done:
    free(key);
    s->has_deadline = 0;
    if (txn)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    json_decref(interp);
    json_decref(hits);
    json_decref(res);
    free(fts);
    free(neg);
    return rc;
}

/* The stored record of letter ID with its text; see search.h. */
int imr_search_determination(struct imr_search *s, const char *id,
                             json_t **out, char *err)
{
    static const char sql[] =
        "SELECT record, text, summary FROM determinations "
        "WHERE ext_id = ?1 OR case_number = upper(?1) "
        "ORDER BY ext_id = ?1 DESC LIMIT 1";
    sqlite3_stmt *st = NULL;
    json_t *rec = NULL;
    json_error_t jerr;
    char *text = NULL, *record = NULL;
    int rc = IMR_OK, step;

    *out = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = db_err(s, err, "determination");
        goto done;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = imr_seterr(err, IMR_ENOTFOUND, "no determination with id "
                        "\"%.80s\"", id);
        goto done;
    }
    if (step != SQLITE_ROW) {
        rc = db_err(s, err, "determination");
        goto done;
    }
    if (sqlite3_column_type(st, 1) == SQLITE_BLOB) {
        /* text and record packed together (imr_index_put) */
        rc = imr_index_unpack(s->ix, sqlite3_column_blob(st, 1),
                              (size_t)sqlite3_column_bytes(st, 1), &text,
                              &record, NULL);
        if (rc != IMR_OK) {
            rc = imr_seterr(err, rc == IMR_ENOMEM ? IMR_ENOMEM : IMR_EDB,
                            "stored letter cannot be unpacked");
            goto done;
        }
    }
    rec = json_loads(record != NULL ? record : (const char *)
                     sqlite3_column_text(st, 0), 0, &jerr);
    if (rec == NULL || !json_is_object(rec)) {
        rc = imr_seterr(err, IMR_EDB, "stored record is not JSON: %s",
                        jerr.text);
        goto done;
    }
    json_object_set_new(rec, "text", text != NULL ? json_string(text) :
                        col_json(st, 1));
    json_object_set_new(rec, "summary", col_json(st, 2));
    *out = rec;
    rec = NULL;
done:
    free(text);
    free(record);
    json_decref(rec);
    sqlite3_finalize(st);
    return rc;
}

/* The index counts as JSON (imr_index_stats_json); see search.h. */
int imr_search_stats(struct imr_search *s, json_t **out, char *err)
{
    struct imr_index_stats *st = NULL;
    int rc;

    *out = NULL;
    rc = imr_index_stats(s->ix, &st, err);
    if (rc != IMR_OK)
        return rc;
    *out = imr_index_stats_json(st);
    imr_index_stats_free(st);
    return *out != NULL ? IMR_OK : imr_seterr(err, IMR_ENOMEM,
                                              "out of memory");
}

/* Runs Q like imr_search_run, the answer as compact ASCII JSON text; a
 * cached answer is copied out as it is stored. See search.h. */
int imr_search_run_text(struct imr_search *s, const struct imr_query *qr,
                        const struct imr_search_opts *o, char **text,
                        char *err)
{
    json_t *res = NULL;
    const char *hit;
    char *key = NULL;
    int rc;

    *text = NULL;
    if (o->limit <= IMR_SEARCH_MAX_LIMIT && o->offset <= 10000000) {
        cache_check(s);
        if ((key = cache_key(qr, o)) != NULL &&
            (hit = cache_find(s, key)) != NULL) {
            free(key);
            if ((*text = strdup(hit)) == NULL)
                return imr_seterr(err, IMR_ENOMEM, "out of memory");
            return IMR_OK;
        }
    }
    rc = imr_search_run(s, qr, o, &res, err);
    if (rc != IMR_OK) {
        free(key);
        return rc;
    }
    /* the answer just made is in the cache as this text (unless too
     * large to keep): copied, not written out a second time */
    hit = key != NULL ? cache_find(s, key) : NULL;
    *text = hit != NULL ? strdup(hit) : imr_json_compact(res);
    free(key);
    json_decref(res);
    if (*text == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    return IMR_OK;
}
