/* Internal: the highlighted snippet of a hit (lib/search.c, page_snippets),
 * computed from the texts of its item_fts columns the way FTS5's
 * snippet(item_fts, -1, open, close, ellipsis, tokens) computes it: the
 * same tokenizer, phrase instances, window scores and highlighting. FTS5
 * itself seeks every phrase of the query to each hit's rowid, which for
 * phrases of several words means reading on to their next occurrence;
 * here each hit costs one tokenization of its own text.
 *
 * Only the MATCH syntax lib/query.c writes is compiled: quoted phrases
 * (a trailing '*' for a prefix), "column :" filters, parentheses, AND, OR,
 * NOT and phrases side by side. Anything else (NEAR, '+', '^', a phrase
 * without tokens) is IMR_EINVAL, and the caller asks FTS5 instead. */
#ifndef IMR_SNIPPET_H
#define IMR_SNIPPET_H
#include <sqlite3.h>
#include <stddef.h>

#define IMR_SNIP_MAX_COLS 8

/* The tokenizer of an index's item_fts (IMR_FTS_TOKENIZE of
 * lib/index_schema.h), taken from a connection's FTS5; one thread at a
 * time. */
struct imr_snip_tok;
/* IMR_OK and *OUT, or IMR_EDB / IMR_ENOMEM with ERR. */
int imr_snip_tok_open(sqlite3 *db, struct imr_snip_tok **out, char *err);
void imr_snip_tok_close(struct imr_snip_tok *t);

/* A MATCH expression compiled against the column names COLS[0..NCOL). */
struct imr_snip;
/* IMR_OK and *OUT; IMR_EINVAL for syntax outside the subset above;
 * IMR_ENOMEM / IMR_EDB with ERR. */
int imr_snip_compile(struct imr_snip_tok *t, const char *fts,
                     const char *const *cols, size_t ncol,
                     struct imr_snip **out, char *err);
void imr_snip_free(struct imr_snip *sn);

/* An upper bound on the rows that match SN, from the rows that hold
 * each of its terms: ROWS(ARG, TERM, LEN, &N) sets N, the rows holding
 * the term of LEN bytes at TERM (a token as the tokenizer gives it), and
 * returns 1, or returns 0 when it does not know them. A phrase matches
 * at most the rows of its rarest term, an AND at most those of its
 * rarer side, an OR at most the sum of both, "A NOT B" at most those
 * of A. -1 when no bound follows (a prefix phrase, terms not known). */
long long imr_snip_rows_bound(const struct imr_snip *sn,
                              int (*rows)(void *arg, const char *term,
                                          size_t len, long long *n),
                              void *arg);

/* The arguments of snippet() after the column. */
struct imr_snip_fmt {
    const char *open, *close, *ellipsis;
    int tokens;
};

/* The snippet of a row whose column texts are TEXT[0..ncol) (NULL for
 * SQL NULL). *MATCHED is 0 when the row does not satisfy the expression
 * (FTS5 would not return it; *OUT is NULL). Otherwise *OUT is the snippet
 * (malloc), or NULL where snippet() is NULL (the best column is NULL).
 * IMR_OK, or IMR_ENOMEM / IMR_EDB (the tokenizer failed) with ERR. */
int imr_snip_row(struct imr_snip *sn, const char *const *text,
                 const struct imr_snip_fmt *f, int *matched, char **out,
                 char *err);

#endif
