/* Internal: the ranked candidates of queries already answered in one
 * index state, kept by query text, for their other pages.
 *
 * The store path (lib/search.c) ranks the newest passing matches of a
 * query, up to the rank bound (10,000), by BM25 and keeps the page it was
 * asked for. Someone paging through the result asks the same text again
 * with another offset, and the same candidates would be ranked again: at
 * 100k letters a deep page of a common word spent 3.6 ms doing that. The
 * candidates and their scores are the same in the same index state, so
 * they are kept here (12 bytes each: the score and the store index) and
 * the later page only picks its part of them.
 *
 * The facet store (lib/facets.c) keeps one memo per index state, so a
 * new state starts empty. Shared by the threads of a process (a mutex);
 * at most IMR_RANK_MEMO_MAX queries and IMR_RANK_MEMO_BYTES bytes of
 * candidates: the least recently used queries make room for a new one. */
#ifndef IMR_RANK_MEMO_H
#define IMR_RANK_MEMO_H
#include <stddef.h>
#include <stdint.h>

#define IMR_RANK_MEMO_MAX 128
#define IMR_RANK_MEMO_BYTES (8u << 20)

/* The candidates one query ranked, in no particular order. */
struct imr_ranked {
    size_t n;
    double *score;         /* final BM25 scores (lower is better) */
    uint32_t *k;           /* their store indexes (lib/facets.h) */
    long bound;            /* the rank bound they were ranked under */
};

struct imr_rank_memo;

/* A new, empty memo (NULL when out of memory) and its release (NULL is
 * allowed). */
struct imr_rank_memo *imr_rank_memo_new(void);
void imr_rank_memo_free(struct imr_rank_memo *m);

/* The candidates of query text KEY in M (may be NULL) ranked under rank
 * bound BOUND: 1 and a copy in *OUT (imr_ranked_clear), or 0 when M has
 * none (or out of memory). */
int imr_rank_memo_get(struct imr_rank_memo *m, const char *key, long bound,
                      struct imr_ranked *out);

/* Keeps R for KEY in M, taking its arrays (R is cleared either way);
 * replaces what KEY had. Not kept when M or KEY is NULL, R is larger than
 * the whole memo, or out of memory. */
void imr_rank_memo_put(struct imr_rank_memo *m, const char *key,
                       struct imr_ranked *r);

/* Frees R's arrays and empties it. */
void imr_ranked_clear(struct imr_ranked *r);

/* The bytes M takes, and in *QUERIES (may be NULL) the queries it holds
 * (statistics, tests). */
size_t imr_rank_memo_bytes(struct imr_rank_memo *m, size_t *queries);

#endif
