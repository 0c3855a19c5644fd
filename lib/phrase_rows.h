/* Internal: the number of full-text rows that hold each of a known set
 * of phrases, in one index state: the document frequencies BM25's IDF
 * needs, which FTS5 does not store (bm25() runs every phrase of a query
 * once more over the whole table to count them; see lib/rank.h).
 *
 * The set is every spelling of data/synonyms.tsv: a query word with
 * synonyms becomes an OR of all its spellings, and the longer ones are
 * made of common words ("chronic pain program"), so counting them on a
 * query's first pass cost more than the query itself at 1M letters. The
 * facet store (lib/facets.c) counts them once per index state, in its
 * build's read transaction, and keeps them read-only beside its columns.
 *
 * Beside it, the facet store keeps the rows of every term of the
 * full-text index (FTS5's own tokens: "cervical" is the term "cervic"),
 * read once per index state from an fts5vocab table: a phrase that is
 * one term needs no count of its own, whatever word it is (lib/rank.c
 * tokenizes it).
 *
 * A phrase is known by its key: the text between its double quotes in a
 * MATCH string (doubled quotes undone), ASCII letters in lower case,
 * then " *" for a prefix phrase. FTS5 folds case itself, so phrases of
 * equal keys match the same rows. */
#ifndef IMR_PHRASE_ROWS_H
#define IMR_PHRASE_ROWS_H
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>

struct imr_phrase_rows;

/* Counts, in DB's current read transaction, the rows of item_fts that
 * hold each synonym spelling. IMR_OK and a new table in *OUT
 * (imr_phrase_rows_free); IMR_ELIMIT when *STOP was set meanwhile;
 * IMR_EDB or IMR_ENOMEM with ERR set. */
int imr_phrase_rows_build(sqlite3 *db, const atomic_int *stop,
                          struct imr_phrase_rows **out, char *err);
void imr_phrase_rows_free(struct imr_phrase_rows *t);

/* Phrases in T and bytes T takes (statistics). */
size_t imr_phrase_rows_count(const struct imr_phrase_rows *t);
size_t imr_phrase_rows_bytes(const struct imr_phrase_rows *t);

/* The rows of the phrase of key KEY in T: 1 and *ROWS, or 0 when T does
 * not know it (T may be NULL). */
int imr_phrase_rows_get(const struct imr_phrase_rows *t, const char *key,
                        long long *rows);

/* The rows of every term of item_fts in one index state. */
struct imr_term_rows;

/* Reads, in DB's current read transaction, the rows of item_fts that
 * hold each of its terms, through a table DB makes and drops in its temp
 * schema. IMR_OK and a new table in *OUT (imr_term_rows_free), empty
 * when DB may not make the table; IMR_ELIMIT when *STOP was set
 * meanwhile; IMR_EDB or IMR_ENOMEM with ERR set. */
int imr_term_rows_read(sqlite3 *db, const atomic_int *stop,
                       struct imr_term_rows **out, char *err);
void imr_term_rows_free(struct imr_term_rows *t);

/* Terms in T and bytes T takes (statistics). */
size_t imr_term_rows_count(const struct imr_term_rows *t);
size_t imr_term_rows_bytes(const struct imr_term_rows *t);

/* The rows of the term of LEN bytes at TERM (a token as item_fts's
 * tokenizer gives it, not NUL-terminated) in T: 1 and *ROWS, or 0 when
 * no row holds it or T is NULL. */
int imr_term_rows_get(const struct imr_term_rows *t, const char *term,
                      size_t len, long long *rows);

/* The rows of the other phrases queries have counted in one index state
 * (what bm25() would count again for every new MATCH string: a word of
 * many queries, "upheld", was counted by each one's first pass). Shared
 * by the threads of a process (a mutex); at most IMR_PHRASE_MEMO_MAX
 * phrases, emptied when full. */
#define IMR_PHRASE_MEMO_MAX 4096
struct imr_phrase_memo;

/* A new, empty memo (NULL when out of memory) and its release (NULL is
 * allowed). */
struct imr_phrase_memo *imr_phrase_memo_new(void);
void imr_phrase_memo_free(struct imr_phrase_memo *m);

/* The rows of the phrase of key KEY in M: 1 and *ROWS, or 0 when M (may
 * be NULL) has not got it. */
int imr_phrase_memo_get(struct imr_phrase_memo *m, const char *key,
                        long long *rows);

/* Keeps ROWS for KEY in M (M or KEY NULL, or out of memory: not kept). */
void imr_phrase_memo_put(struct imr_phrase_memo *m, const char *key,
                         long long rows);

/* Phrases in M, and the bytes M takes (statistics, tests). */
size_t imr_phrase_memo_count(struct imr_phrase_memo *m);
size_t imr_phrase_memo_bytes(struct imr_phrase_memo *m);

/* The keys of the phrases of MATCH string M, in the order FTS5 numbers
 * them (the order they appear in the text): IMR_OK with a new vector of
 * *N keys in *KEYS (imr_strv_free), an entry NULL for a phrase under a
 * column filter (its rows are not the phrase's); IMR_EINVAL when M is
 * not of the grammar lib/query.c writes (quoted phrases, " *", OR, AND,
 * NOT, parentheses, "column :"); IMR_ENOMEM. */
int imr_phrase_keys(const char *m, char ***keys, size_t *n);

#endif
