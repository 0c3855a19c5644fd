/* Search over the index: a parsed query (imr/query.h) -> SQL with bound
 * parameters over the schema of docs/schema.md -> hits (one per disputed
 * item), the total and facet counts, as JSON. One handle per thread. */
#ifndef IMR_SEARCH_H
#define IMR_SEARCH_H
#include <stddef.h>
#include <jansson.h>
#include "imr/query.h"

#define IMR_SEARCH_MAX_LIMIT 1000   /* hits per page at most */
#define IMR_SEARCH_FACET_TOP 20     /* values listed per facet */
#define IMR_SEARCH_RANK_BOUND 10000 /* candidates ranked at most (default) */

enum imr_sort {
    IMR_SORT_RELEVANCE = 0,   /* BM25 (filters only: newest first) */
    IMR_SORT_DATE             /* decision date, newest first */
};

struct imr_search_opts {
    size_t limit;             /* hits to return, 0..IMR_SEARCH_MAX_LIMIT */
    size_t offset;            /* hits to skip */
    enum imr_sort sort;
    int hits;                 /* 1: return hits */
    int facets;               /* 1: return facet counts */
    long timeout_ms;          /* give up after this long (0: no limit) */
};

struct imr_search;   /* a read-only index connection; one thread at once */

/* Opens the index at PATH read-only. Returns IMR_OK and a handle in *OUT
 * (imr_search_close), or IMR_EIO / IMR_EDB / IMR_ESCHEMA / IMR_ENOMEM with
 * ERR; *OUT is NULL on failure. */
int imr_search_open(const char *path, struct imr_search **out, char *err);
/* Closes the handle; NULL is allowed. */
void imr_search_close(struct imr_search *s);

/* Runs Q. On success returns IMR_OK and a new JSON object in *OUT
 * (json_decref): {"total", "offset", "limit", "sort", "hits": [{"id",
 * "case_number", "item", "treatment", "decision", "category",
 * "subcategory", "citations", "diagnoses", "decision_date", "outcome",
 * "score", "snippet", "why": ["decision = upheld", "cites MTUS p.49 ...:
 * MTUS p.49 (reviewer)", "text matched: ..."]}], "facets": {"decision",
 * "guideline", "guideline_page", "treatment", "category", "diagnosis",
 * "year": [{"value", "count"}]}, "interpretation"}. Snippets mark
 * matched words with [ and ]. Facets that take more than half of
 * TIMEOUT_MS are skipped ("facets": null, "facets_skipped"). Returns
 * IMR_EINVAL for bad options, IMR_ELIMIT when the query ran out of time,
 * IMR_EDB, IMR_ENOMEM; *OUT is NULL then. */
int imr_search_run(struct imr_search *s, const struct imr_query *q,
                   const struct imr_search_opts *o, json_t **out,
                   char *err);

/* Queries answered by the store path since the process started: one
 * pass over the full-text matches with every filter tested in the
 * facet store (lib/facets.c), instead of SQL joins (tests, benchmarks). */
unsigned long imr_search_store_runs(void);
/* Queries answered by the store path since the process started whose
 * total and facets were those an earlier query of the same text counted
 * in the same index state (another page of it, another sort or limit):
 * only their page was ranked (tests, benchmarks). */
unsigned long imr_search_tally_reuses(void);
/* Sets whether the store path takes the total and facets of a query
 * from an earlier query of the same text in the same index state (on by
 * default; tests of the counting itself turn it off; the counts are
 * still kept); returns the previous setting. */
int imr_search_tally_reuse(int on);
/* Queries answered by the store path since the process started whose
 * page was picked from the candidates an earlier query of the same text
 * ranked by relevance in the same index state (lib/rank_memo.h): another
 * page of it, or another limit (tests, benchmarks). */
unsigned long imr_search_rank_reuses(void);
/* Sets whether the store path picks such pages from the candidates kept
 * (on by default; tests turn it off to rank them again; they are still
 * kept); returns the previous setting. */
int imr_search_rank_reuse(int on);
/* Sets whether the matches of a one-phrase query left to count after
 * the ranked ones are walked by FTS5 itself (imr_each_phrase, lib/rank.h;
 * on by default) rather than stepped through as rows of a statement
 * (tests and benchmarks compare the two: the same answers); returns the
 * previous setting. */
int imr_search_phrase_walk(int on);
/* Counts after the ranked ones done so since the process started. */
unsigned long imr_search_phrase_walks(void);
/* Sets whether a ranking by relevance that the bound cannot stop (the
 * facet store's rows of the query's terms say that no more rows than
 * the bound match) walks the matches oldest first, as FTS5 walks its
 * doclists fastest (on by default), rather than newest first as a
 * bounded ranking must (tests and benchmarks compare the two: the same
 * answers); returns the previous setting. */
int imr_search_rank_ascend(int on);
/* Rankings walked oldest first since the process started. */
unsigned long imr_search_rank_ascents(void);
/* Sets how many candidates a ranking must have for them to be kept for
 * the text's other pages (fewer are ranked again in well under a
 * millisecond; tests set 1); returns the previous setting. Default
 * IMR_SEARCH_RANK_MEMO_MIN. */
#define IMR_SEARCH_RANK_MEMO_MIN 1000
long imr_search_rank_memo_min(long n);

/* Sets the bound on the candidates ranked by relevance, for every
 * handle; returns the previous one. When more than K items match a
 * query answered by the store path (sorted by relevance, its page
 * within the first K), the total and facets still count every match but
 * only the K most recently indexed matches (highest item ids) are
 * ranked by BM25 (a tenth of the cost per match is the count, the rest
 * the ranking); the answer then says so: "rank_bound": {"ranked": K,
 * "of": total, "order"}. 0 turns the bound off (every match ranked, as
 * the SQL path does). Default IMR_SEARCH_RANK_BOUND. */
long imr_search_rank_bound(long k);

/* Sets, for every handle, how many matches (estimated) must be left to
 * count after the ranked ones before a second thread counts half of
 * them on a second connection to the index, and how many items the
 * store must hold before a query without full text scans them in two
 * threads, or before the ranking of a query with full text is shared by
 * two threads once its newest candidates show how dense its matches
 * are (total, facets and page are the same either way); returns the
 * previous value. 0 splits every such count (tests). Default
 * IMR_SEARCH_SPLIT_MIN. */
#define IMR_SEARCH_SPLIT_MIN 20000
long imr_search_split_min(long n);
/* Counts and scans split that way since the process started, and
 * rankings shared that way (tests, benchmarks). */
unsigned long imr_search_splits(void);
unsigned long imr_search_rank_splits(void);
/* Counts after the ranked candidates taken by gaps since the process
 * started: without filters, when most items match, the items a pass
 * skips are counted and taken from the counts of every item (tests). */
unsigned long imr_search_gap_counts(void);
/* Scans of the store (queries without full text) counted by gaps since
 * the process started: when a sample of the items says most pass the
 * filters, the items that fail are counted and taken from the counts of
 * every item (tests). */
unsigned long imr_search_gap_scans(void);

/* Runs Q like imr_search_run, but returns the answer as compact JSON
 * text with non-ASCII characters escaped (malloc'd, no newline) in
 * *TEXT: a repeated query's answer is copied from the result cache as it
 * is stored, without building a JSON tree (the daemon's hot path). Same
 * return codes; *TEXT is NULL on failure. */
int imr_search_run_text(struct imr_search *s, const struct imr_query *q,
                        const struct imr_search_opts *o, char **text,
                        char *err);

/* Starts building, in the background, the in-memory store of the index
 * state S sees (lib/facets.c), so that the first queries need not wait
 * for it or take the slower SQL path; nothing when one is built or
 * building. A long-lived handle (the daemon's workers) calls it once
 * opened. */
void imr_search_prepare(struct imr_search *s);

/* The whole letter whose record id (or case number) is ID: the parse
 * record with "text" and "summary". IMR_OK with *OUT (json_decref),
 * IMR_ENOTFOUND, IMR_EDB, IMR_ENOMEM. */
int imr_search_determination(struct imr_search *s, const char *id,
                             json_t **out, char *err);

/* Counts of the index (imr_index_stats_json). IMR_OK with *OUT, IMR_EDB,
 * IMR_ENOMEM. */
int imr_search_stats(struct imr_search *s, json_t **out, char *err);

#endif
