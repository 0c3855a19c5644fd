/* The query language: a user's query string -> a plan (a full-text tree
 * plus structured filters) with its interpretation. Pure: no SQL, no I/O.
 * docs/query-language.md describes the language. */
#ifndef IMR_QUERY_H
#define IMR_QUERY_H
#include <stddef.h>
#include <jansson.h>
#include "imr/record.h"

#define IMR_QUERY_MAX_LEN    4096  /* bytes of query text */
#define IMR_QUERY_MAX_TERMS  64    /* words, phrases and filters */
#define IMR_QUERY_MAX_DEPTH  8     /* nesting of parentheses / NOT */
#define IMR_QUERY_MAX_PAGES  8     /* page ranges in one citation filter */

/* Full-text node types. */
enum imr_qtype {
    IMR_QN_TERM = 0,   /* one word (maybe a prefix) or synonym group */
    IMR_QN_PHRASE,     /* "quoted words" */
    IMR_QN_AND,
    IMR_QN_OR,
    IMR_QN_NOT,        /* one child: the excluded expression */
    IMR_QN_FILTER      /* only while parsing: a filter not yet hoisted */
};

/* FTS columns a node may be restricted to. */
enum imr_qcol {
    IMR_QCOL_ANY = 0,
    IMR_QCOL_TREATMENT
};

struct imr_qfilter;

struct imr_qnode {
    enum imr_qtype type;
    char *text;               /* TERM/PHRASE: the words as typed */
    int prefix;               /* TERM: 1 when typed with a trailing '*' */
    enum imr_qcol column;     /* restriction from treatment: */
    char **alts;              /* TERM: synonym spellings (not text) */
    size_t n_alts;
    struct imr_qnode **kids;  /* AND/OR/NOT children */
    size_t n_kids;
    size_t pos;               /* byte offset in the query */
    struct imr_qfilter *filter;  /* FILTER: the filter (owned) */
    int natural;              /* FILTER: from plain words, not field: */
};

/* Structured filter fields. */
enum imr_qfield {
    IMR_QF_DECISION = 0,   /* items.decision = value */
    IMR_QF_OUTCOME,        /* determinations.outcome = value */
    IMR_QF_CITE,           /* a citation (guideline, chapter, pages, by) */
    IMR_QF_CASE,           /* case number or record id = value */
    IMR_QF_YEAR,           /* decision year in [nlo, nhi] */
    IMR_QF_DATE,           /* decision date in [lo, hi] */
    IMR_QF_INJURED,        /* date of injury in [lo, hi] */
    IMR_QF_RECEIVED,       /* application received in [lo, hi] */
    IMR_QF_SPECIALTY,      /* reviewer specialty contains value */
    IMR_QF_AGE,            /* patient age in [nlo, nhi] */
    IMR_QF_GENDER,         /* female | male */
    IMR_QF_BY,             /* some citation made by value */
    IMR_QF_CATEGORY,       /* items.category contains value */
    IMR_QF_SUBCATEGORY,    /* items.subcategory contains value */
    IMR_QF_DIAGNOSIS,      /* a normalised diagnosis contains value */
    IMR_QF_LICENSURE,      /* reviewer licensed in value */
    IMR_QF_PROGRAM,        /* determinations.program = dwc | dmhc */
    IMR_QF_TYPE            /* DMHC review type contains value */
};

struct imr_qfilter {
    enum imr_qfield field;
    int negate;               /* 1: the item must NOT match */
    int any_of;               /* 0: must match on its own; N > 0: typed
                               * in an OR of fields, so one of the
                               * filters with this N must match */
    char *value;              /* normalised value (see the field) */
    char *lo, *hi;            /* date bounds "YYYY-MM-DD", NULL = open */
    long nlo, nhi;            /* number bounds (year, age), inclusive */
    char *guideline;          /* CITE: "MTUS", "ACOEM", "ODG" or NULL */
    char *chapter;            /* CITE: chapter number or region, or NULL */
    char *by;                 /* CITE: "reviewer", ... or NULL */
    struct imr_page_range pages[IMR_QUERY_MAX_PAGES];  /* CITE: any of */
    size_t n_pages;
    char *source;             /* the words of the query it came from */
    size_t pos;               /* byte offset in the query */
};

struct imr_query {
    char *text;                   /* the query as given */
    struct imr_qnode *root;       /* full text; NULL: filters only */
    struct imr_qfilter *filters;
    size_t n_filters;
    char **ignored;               /* noise words dropped */
    size_t n_ignored;
};

/* Where a query could not be understood. */
struct imr_query_error {
    size_t pos;          /* byte offset of the offending part */
    size_t len;          /* its length in bytes */
};

/* Parses TEXT into a plan. Returns IMR_OK with a new query in *OUT
 * (imr_query_free); IMR_EINVAL when the text cannot be understood or
 * IMR_ELIMIT when it is too long or too complex, with the message in ERR
 * and the offending span in *QERR (both may be NULL); IMR_ENOMEM.
 * *OUT is NULL on failure. */
int imr_query_parse(const char *text, struct imr_query **out,
                    struct imr_query_error *qerr, char *err);

/* Frees a query; NULL is allowed. */
void imr_query_free(struct imr_query *q);

/* Builds the FTS5 MATCH expression of Q's full-text tree: every word is
 * double-quoted with inner quotes doubled, so user text is never FTS5
 * syntax. Sets *OUT to a new string (free()), or NULL when the query has
 * no positive full text (filters only, or only exclusions); *NEG then
 * gets the MATCH string of what must be excluded (or NULL). Returns
 * IMR_OK or IMR_ENOMEM. NEG may be NULL when the caller does not care. */
int imr_query_fts(const struct imr_query *q, char **out, char **neg);

/* imr_query_fts without the spellings of a word with synonyms that
 * HAS_ROWS(ARG, key) says no row holds (0; any other answer keeps them;
 * the key is as lib/phrase_rows.h makes it): they would match nothing and
 * add nothing to a BM25 score or a snippet, but FTS5 would still walk
 * the rows holding their words ("chronic pain program"). One spelling of
 * each word stays. Returns IMR_OK or IMR_ENOMEM. */
int imr_query_fts_pruned(const struct imr_query *q,
                         int (*has_rows)(const void *arg,
                                         const char *key),
                         const void *arg, char **out, char **neg);

/* The interpretation of Q as JSON (new reference, NULL on OOM):
 * {"summary": "one line", "terms": [...], "filters": [...],
 *  "expansions": [...], "ignored": [...], "fts": "..."}. */
json_t *imr_query_interpretation(const struct imr_query *q);

/* Synonyms (lib/synonyms.c, data/synonyms.tsv). */

/* Looks for the longest synonym phrase starting at WORDS[0] (lower-case
 * words, N of them). On a match returns the number of words it covers
 * (>= 1) and sets *ALTS to a new vector of the other spellings
 * (imr_strv_free with *N_ALTS); returns 0 when nothing matches, or
 * IMR_ENOMEM. Thread-safe. */
int imr_synonyms_match(const char *const *words, size_t n, char ***alts,
                       size_t *n_alts);

/* Calls FN(spelling, ARG) for every spelling of every group, in the
 * order of data/synonyms.tsv (a spelling of several groups more than
 * once). Stops at, and returns, the first non-zero value FN returns;
 * IMR_ENOMEM if the table could not be loaded; else 0. Thread-safe. */
int imr_synonyms_each(int (*fn)(const char *spelling, void *arg),
                      void *arg);

#endif
