/* imr_bm25(item_fts, w0, w1, ...): FTS5's bm25() ranking function, with
 * one difference its caller can ask for: the IDF of a query that is one
 * phrase may be left out of the scores and applied by the caller later.
 * bm25() computes every phrase's IDF before its first row by running the
 * phrase once more over the whole table (xQueryPhrase): for a phrase
 * found in most letters ("not medically necessary") that second pass
 * costs as much as the query. A caller that walks every match anyway
 * knows that count at the end; with one phrase the IDF is a constant
 * factor of every score, so the order of the rows does not need it.
 * See lib/rank.c. */
#ifndef IMR_RANK_H
#define IMR_RANK_H
#include <sqlite3.h>

struct imr_rank_cache;   /* rows per phrase of recent queries */
struct imr_phrase_rows;
struct imr_term_rows;
struct imr_phrase_memo;

/* What a caller of imr_bm25 and imr_bm25 tell each other, per query. */
struct imr_rank_defer {
    int allow;          /* set by the caller before the statement runs */
    int deferred;       /* set by imr_bm25: scores are -(tf part), IDF 1 */
    long long rows;     /* set by imr_bm25 when deferred: rows in table */
    /* optional, set by the caller: the IDFs of a query of several phrases
     * are kept in CACHE under the index state SIG and the MATCH string
     * EXPR, so a later query with the same text (other filters, pages or
     * options) does not run its phrases over the table again */
    struct imr_rank_cache *cache;
    const char *sig;
    const char *expr;
    /* optional, set by the caller with EXPR: the rows of known phrases
     * in the index state being read (lib/phrase_rows.h); a phrase of
     * EXPR found there is not run over the table for its IDF */
    const struct imr_phrase_rows *known;
    /* optional, set by the caller with EXPR: the rows of every term of
     * the table in that state (lib/phrase_rows.h); a phrase that the
     * table's tokenizer makes one term found there is not run either */
    const struct imr_term_rows *terms;
    /* optional, set by the caller with EXPR: the rows of the phrases
     * counted before in that state (lib/phrase_rows.h); a phrase found
     * there is not run over the table, one run is added to it */
    struct imr_phrase_memo *memo;
    /* optional: the length in tokens of row ROWID over every column (what
     * xColumnSize(-1) reads from the docsize table, one lookup per row),
     * or -1 when the caller does not know it */
    long long (*doclen)(void *arg, long long rowid);
    void *doclen_arg;
    /* optional, for imr_bm25_take(item_fts, w0, w1, ...) in a WHERE
     * clause, which ranks the rows it is handed instead of returning
     * them: TAKE says whether row ROWID is to be ranked, and PUT gets
     * the score imr_bm25 would give each row taken and says whether the
     * statement should stop there. imr_bm25_take is 1 (the row comes
     * back) only then, and 0 for every other row; without TAKE or PUT
     * it is 1 for every row. Both get TAKE_ARG. */
    int (*take)(void *arg, long long rowid);
    int (*put)(void *arg, long long rowid, double score);
    void *take_arg;
    /* optional, for imr_each_phrase(item_fts, lo, hi) on the first row of
     * a MATCH string of one phrase: EACH gets, with TAKE_ARG, the rowid
     * of every row holding that phrase in [lo, hi), ascending. FTS5
     * walks them by itself (xQueryPhrase), without a step of the VM per
     * row: a third of the time of a statement that returns or tests
     * each row. HALT, with HALT_ARG, is asked every 1,024 rows whether
     * to stop the walk (nonzero: the statement fails, SQLITE_INTERRUPT). */
    void (*each)(void *arg, long long rowid);
    int (*halt)(void *arg);
    void *halt_arg;
};

/* Registers imr_bm25, imr_bm25_take and imr_each_phrase on DB (before
 * statements that use them are prepared).
 * SLOT is read by every call on DB and must outlive it. Returns an
 * SQLite result code. */
int imr_rank_register(sqlite3 *db, struct imr_rank_defer *slot);

/* A cache for imr_rank_defer.cache (NULL when out of memory: imr_bm25
 * then computes every IDF) and its release (NULL is allowed). */
struct imr_rank_cache *imr_rank_cache_new(void);
void imr_rank_cache_free(struct imr_rank_cache *c);

/* The IDF bm25() gives a phrase found in HITS of ROWS rows. */
double imr_rank_idf(long long rows, long long hits);

#endif
