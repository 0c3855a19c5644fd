/* Internal: the counts of queries already answered in one index state,
 * kept by query text: the total, the full-text matches before filters
 * (what the IDF of a one-phrase query is computed from) and the facets.
 *
 * A query's page needs only the best-ranked matches, but its total and
 * facets need every match: at 1M letters, counting is most of a common
 * query's time. Someone paging through a result set asks the same text
 * again with another offset (or sort, or limit), and its counts are the
 * same in the same index state. The facet store (lib/facets.c) keeps one
 * memo per index state, so a new state starts empty; lib/search.c ranks
 * the page and takes the counts from here.
 *
 * Shared by the threads of a process (a mutex); at most
 * IMR_TALLY_MEMO_MAX queries and IMR_TALLY_MEMO_BYTES bytes of text,
 * emptied when full. */
#ifndef IMR_TALLY_MEMO_H
#define IMR_TALLY_MEMO_H
#include <stddef.h>

#define IMR_TALLY_MEMO_MAX 2048
#define IMR_TALLY_MEMO_BYTES (4u << 20)

/* The counts of one query. */
struct imr_tally {
    long long total;     /* items that match */
    long long seen;      /* full-text matches before filters */
    char *facets;        /* the facets as compact JSON, or NULL */
};

struct imr_tally_memo;

/* A new, empty memo (NULL when out of memory) and its release (NULL is
 * allowed). */
struct imr_tally_memo *imr_tally_memo_new(void);
void imr_tally_memo_free(struct imr_tally_memo *m);

/* The counts of query text KEY in M (may be NULL), with its facets when
 * WITH_FACETS: 1 and *OUT (OUT->facets a new string to free, or NULL
 * without WITH_FACETS), or 0 when M has not got them (or not with facets
 * when asked, or out of memory). */
int imr_tally_memo_get(struct imr_tally_memo *m, const char *key,
                       int with_facets, struct imr_tally *out);

/* Keeps a copy of T for KEY in M; counts kept with facets are not
 * replaced by counts without. M or KEY NULL, or out of memory: not kept. */
void imr_tally_memo_put(struct imr_tally_memo *m, const char *key,
                        const struct imr_tally *t);

/* Queries in M, and the bytes M takes (statistics, tests). */
size_t imr_tally_memo_count(struct imr_tally_memo *m);
size_t imr_tally_memo_bytes(struct imr_tally_memo *m);

#endif
