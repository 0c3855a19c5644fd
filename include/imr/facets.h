/* The facet store: the columns the facets of /v1/search group by, loaded
 * once from an index into compact arrays and shared (refcounted) by the
 * search handles of that index file in the process. Facets of a query =
 * its matching item ids counted into arrays. See lib/facets.c. */
#ifndef IMR_FACETS_H
#define IMR_FACETS_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>
#include "imr/query.h"

#define IMR_FACETS_SIG_LEN 160   /* bytes of an index state signature */

struct imr_facets;       /* one built store; read-only once published */
struct imr_facets_src;   /* the shared slot of one index file */
struct imr_facets_cnt;   /* the counts of one query */

/* Process-wide switch: 1 (default) lets imr_search use the store, 0
 * makes every query count with SQL (the oracle in tests). Returns the
 * previous setting. */
int imr_facets_enable(int on);
/* Whether the store may be used (imr_facets_enable). */
int imr_facets_enabled(void);
/* Whether stores built from now on count the list-valued facets by list
 * (on by default; lib/facets.c: struct imr_facets_cnt); the answers are
 * the same either way (tests). Returns the previous setting. */
int imr_facets_count_by_list(int on);

/* The signature of the index state seen by DB's current read transaction
 * (determination sequence, letters, updated_at, max item and citation
 * ids) into SIG (IMR_FACETS_SIG_LEN bytes). IMR_OK or IMR_EDB. */
int imr_facets_sig(sqlite3 *db, char *sig, char *err);
/* The same for a caller that keeps the statement prepared (a query
 * reads the signature at least once): its SQL, and the signature from
 * ST, a statement of that SQL (stepped, then reset; NULL: IMR_EDB). */
const char *imr_facets_sig_sql(void);
int imr_facets_sig_of(sqlite3_stmt *st, char *sig, char *err);

/* Builds a store from DB in one read transaction of its own (no other
 * transaction may be open on DB). STOP (may be NULL) is polled: when it
 * becomes non-zero the build gives up with IMR_ELIMIT. IMR_OK with *OUT
 * (imr_facets_free), IMR_EDB, IMR_ENOMEM, IMR_ELIMIT. */
int imr_facets_build(sqlite3 *db, const atomic_int *stop,
                     struct imr_facets **out, char *err);
/* Frees a store built by imr_facets_build; NULL is allowed. */
void imr_facets_free(struct imr_facets *f);
/* The signature of the state F was built from (borrowed). */
const char *imr_facets_store_sig(const struct imr_facets *f);
/* Items in F, and the bytes its arrays and tables take (in all, and
 * those only the filters read: imr_facets_q_new). */
size_t imr_facets_items(const struct imr_facets *f);
size_t imr_facets_bytes(const struct imr_facets *f);
size_t imr_facets_filter_bytes(const struct imr_facets *f);
/* The rows of F's state that hold each synonym spelling (borrowed; see
 * lib/phrase_rows.h), counted when F was built. */
struct imr_phrase_rows;
const struct imr_phrase_rows *imr_facets_phrases(const struct imr_facets *f);
/* The rows of F's state that hold each term of item_fts (borrowed; see
 * lib/phrase_rows.h), read when F was built. */
struct imr_term_rows;
const struct imr_term_rows *imr_facets_terms(const struct imr_facets *f);
/* The rows of other phrases that queries of F's state have counted
 * (lib/phrase_rows.h; shared, with its own lock). */
struct imr_phrase_memo;
struct imr_phrase_memo *imr_facets_phrase_memo(const struct imr_facets *f);
/* The totals and facets of the queries answered in F's state, by query
 * text (lib/tally_memo.h; shared, with its own lock). */
struct imr_tally_memo;
struct imr_tally_memo *imr_facets_tally_memo(const struct imr_facets *f);
/* The ranked candidates of those queries, by query text, for their other
 * pages (lib/rank_memo.h; shared, with its own lock). */
struct imr_rank_memo;
struct imr_rank_memo *imr_facets_rank_memo(const struct imr_facets *f);

/* The shared slot of the index file at PATH (identified by device and
 * inode), created on first use; one reference per call. IMR_OK with
 * *OUT (imr_facets_detach), IMR_EIO (stat failed), IMR_ENOMEM. */
int imr_facets_attach(const char *path, struct imr_facets_src **out,
                      char *err);
/* Drops a reference; the last one stops a running build, waits for it
 * and frees the slot with its store. NULL is allowed. */
void imr_facets_detach(struct imr_facets_src *fs);
/* The published store of state SIG with a reference (imr_facets_release),
 * or NULL: then a background build of the file's current state is
 * started unless one runs (or the last build of SIG failed). */
struct imr_facets *imr_facets_get(struct imr_facets_src *fs,
                                  const char *sig);
/* Releases a store returned by imr_facets_get. */
void imr_facets_release(struct imr_facets_src *fs, struct imr_facets *f);
/* Waits until no build runs on FS (tests, benchmarks). */
void imr_facets_wait(struct imr_facets_src *fs);
/* Queries answered from a store since the process started. */
unsigned long imr_facets_served(void);

/* Empty counts over F. IMR_OK with *OUT (imr_facets_cnt_free) or
 * IMR_ENOMEM. */
int imr_facets_cnt_new(const struct imr_facets *f,
                       struct imr_facets_cnt **out);
void imr_facets_cnt_free(struct imr_facets_cnt *c);
/* Counts item ID (an id absent from the store is not counted). */
void imr_facets_cnt_add(struct imr_facets_cnt *c, long long id);
/* Counts the item at index K of the store (imr_facets_index). */
void imr_facets_cnt_add_at(struct imr_facets_cnt *c, size_t k);
/* Adds the counts of SRC to DST (both of the same store): the counts of
 * a pass split between threads, each counting into its own. */
void imr_facets_cnt_merge(struct imr_facets_cnt *dst,
                          const struct imr_facets_cnt *src);
/* Counts the items at indexes FROM to TO - 1 of the store. */
void imr_facets_cnt_add_range(struct imr_facets_cnt *c, size_t from,
                              size_t to);
/* Takes the counts of SRC from DST (SRC counted items DST counted). */
void imr_facets_cnt_sub(struct imr_facets_cnt *dst,
                        const struct imr_facets_cnt *src);
/* The counts of every item of F, made when F was built (borrowed). */
const struct imr_facets_cnt *imr_facets_cnt_every(const struct imr_facets *f);
/* Items counted. */
long long imr_facets_cnt_total(const struct imr_facets_cnt *c);
/* The facets as /v1/search returns them: {"decision", "guideline",
 * "guideline_page", "treatment", "category", "diagnosis", "year",
 * "program", "type": [{"value", "count"}]}, the top TOP per facet
 * (program: all) by count then value (year: newest first). NULL when out
 * of memory. */
json_t *imr_facets_cnt_json(const struct imr_facets_cnt *c, int top);

/* Filters tested in memory (the store path of lib/search.c). */
struct imr_facets_q;

/* Compiles the N FILTERS of a query (AND of filters, OR within an
 * any_of group, negations; SQL's three-valued logic: a NULL column
 * fails a filter and its negation) over F. IMR_OK with *OUT
 * (imr_facets_q_free), or IMR_OK with *OUT NULL when the store cannot
 * test one of them exactly (case:, values the store could not encode):
 * the query then takes the SQL path. IMR_ENOMEM. */
int imr_facets_q_new(const struct imr_facets *f,
                     const struct imr_qfilter *filters, size_t n,
                     struct imr_facets_q **out);
/* Frees compiled filters; NULL is allowed. */
void imr_facets_q_free(struct imr_facets_q *q);
/* Whether the item at index K of the store passes every filter. */
int imr_facets_q_test(const struct imr_facets_q *q, size_t k);
/* The items at indexes LO to HI - 1 that pass every filter (those for
 * which imr_facets_q_test is true): their indexes, ascending, into OUT
 * (room for HI - LO); returns how many. A scan of the store tests its
 * items a block at a time through this: a filter on a column of values
 * is one tight loop over that column, and each further filter tests
 * only the items left. */
size_t imr_facets_q_pass(const struct imr_facets_q *q, size_t lo,
                         size_t hi, uint32_t *out);
/* The index in F of item ID, searched forward from *POS first (ids in
 * ascending order are found in amortised constant time); *POS is moved
 * to it. -1 when F has no such item (no letter). */
long long imr_facets_index(const struct imr_facets *f, size_t *pos,
                           long long id);
/* The index of the first item of F whose id is ID or more (the number
 * of items when there is none). */
size_t imr_facets_lower(const struct imr_facets *f, long long id);
/* The item id at index K. */
long long imr_facets_item_id(const struct imr_facets *f, size_t k);
/* The decision date of item K's letter as a number that orders as the
 * date text does; 0 when the letter has none (sorts last, DESC). */
unsigned imr_facets_date(const struct imr_facets *f, size_t k);
/* Tokens in item K's full-text columns together (what FTS5's
 * xColumnSize(-1) gives bm25()), or -1 when the store does not know. */
long long imr_facets_doclen(const struct imr_facets *f, size_t k);

#endif
