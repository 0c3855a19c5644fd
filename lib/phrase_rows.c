/* Rows per known phrase of one index state (lib/phrase_rows.h): counted
 * with FTS5 itself, phrase by phrase, and kept as a sorted array of
 * keys; the rows of every term of the full-text index, read from an
 * fts5vocab table into another sorted array; the memo of the rows
 * queries counted (a small hash table under a mutex); and the phrase
 * keys of a MATCH string, read in FTS5's order. */
#include "phrase_rows.h"
#include "str_slot.h"
#include "imr/buf.h"
#include "imr/imr.h"
#include "imr/query.h"
#include "imr/record.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct phrase_ent {
    char *key;
    long long rows;
};

struct imr_phrase_rows {
    struct phrase_ent *e;     /* ascending by key (strcmp), no repeats */
    size_t n, cap;
    size_t bytes;
};

struct imr_term_rows {
    struct imr_phrase_rows r; /* keys: FTS5's terms */
};

/* Frees the entries of T (not T). */
static void rows_clear(struct imr_phrase_rows *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->e[i].key);
    free(t->e);
}

/* What the counting of every spelling shares. */
struct counting {
    struct imr_phrase_rows *t;
    sqlite3_stmt *st;
    const atomic_int *stop;
    struct imr_buf match;     /* the spelling as a quoted phrase */
    char *err;
};

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const struct phrase_ent *)a)->key,
                  ((const struct phrase_ent *)b)->key);
}

/* bsearch: a key (const char *) against an entry. */
static int cmp_key(const void *key, const void *ent)
{
    return strcmp(key, ((const struct phrase_ent *)ent)->key);
}

/* The key of a phrase whose text (quotes undone) is the LEN bytes at S. */
static char *key_of(const char *s, size_t len, int prefix)
{
    char *k = malloc(len + 3);
    size_t i;

    if (k == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        k[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a')
                                          : s[i];
    if (prefix) {
        k[i++] = ' ';
        k[i++] = '*';
    }
    k[i] = '\0';
    return k;
}

static int stop_set(const struct counting *c)
{
    return c->stop != NULL && atomic_load(c->stop);
}

/* Appends KEY (LEN bytes) found in ROWS rows to T: IMR_OK, else
 * IMR_ENOMEM with ERR set. */
static int ent_add(struct imr_phrase_rows *t, const char *key, size_t len,
                   long long rows, char *err)
{
    char *k;

    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct phrase_ent *e = realloc(t->e, cap * sizeof(*e));

        if (e == NULL)
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        t->e = e;
        t->cap = cap;
    }
    if ((k = malloc(len + 1)) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    memcpy(k, key, len);
    k[len] = '\0';
    t->e[t->n].key = k;
    t->e[t->n].rows = rows;
    t->n++;
    t->bytes += sizeof(t->e[0]) + len + 1;
    return IMR_OK;
}

/* Counts the rows holding SPELLING (imr_synonyms_each's callback). */
static int count_spelling(const char *spelling, void *arg)
{
    struct counting *c = arg;
    struct imr_phrase_rows *t = c->t;
    const char *p;
    char *key;
    int step, rc;

    if (stop_set(c))
        return imr_seterr(c->err, IMR_ELIMIT, "phrase counts: stopped");
    /* quoted as lib/query.c quotes it in a MATCH string */
    imr_buf_reset(&c->match);
    imr_buf_addc(&c->match, '"');
    for (p = spelling; *p; p++) {
        if (*p == '"')
            imr_buf_addc(&c->match, '"');
        imr_buf_addc(&c->match, *p);
    }
    imr_buf_addc(&c->match, '"');
    if (imr_buf_error(&c->match) != IMR_OK ||
        (key = key_of(spelling, strlen(spelling), 0)) == NULL)
        return imr_seterr(c->err, IMR_ENOMEM, "out of memory");
    sqlite3_reset(c->st);
    if (sqlite3_bind_text(c->st, 1, c->match.p, (int)c->match.n,
                          SQLITE_STATIC) != SQLITE_OK ||
        (step = sqlite3_step(c->st)) != SQLITE_ROW) {
        free(key);
        return imr_seterr(c->err, IMR_EDB, "phrase counts: %s: %s",
                          spelling, sqlite3_errmsg(sqlite3_db_handle(c->st)));
    }
    rc = ent_add(t, key, strlen(key), sqlite3_column_int64(c->st, 0),
                 c->err);
    free(key);
    return rc;
}


/* Reads every term of item_fts; see phrase_rows.h. The fts5vocab table
 * of type row, made for the purpose in the temp schema, gives each
 * term's 'doc': the rows holding it, what xQueryPhrase counts for a
 * phrase of that one term. It walks every doclist once: 0.8 s at 100k
 * letters, where one query's count of a common word took up to 2 ms. */
int imr_term_rows_read(sqlite3 *db, const atomic_int *stop,
                       struct imr_term_rows **out, char *err)
{
    struct imr_term_rows *t;
    sqlite3_stmt *st = NULL;
    unsigned long n = 0;
    int rc = IMR_OK, step;

    *out = NULL;
    if ((t = calloc(1, sizeof(*t))) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    /* a connection that cannot write its temp schema (no temporary
     * files) keeps no terms: every such phrase is counted, as before */
    if (sqlite3_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS "
                     "temp.imr_vocab_rows USING fts5vocab(main, item_fts, "
                     "row)", NULL, NULL, NULL) != SQLITE_OK) {
        *out = t;
        return IMR_OK;
    }
    if (sqlite3_prepare_v2(db, "SELECT term, doc FROM temp.imr_vocab_rows",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = imr_seterr(err, IMR_EDB, "term counts: %s", sqlite3_errmsg(db));
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *term = (const char *)sqlite3_column_text(st, 0);
        int len = sqlite3_column_bytes(st, 0);

        if ((++n & 1023) == 0 && stop != NULL && atomic_load(stop)) {
            rc = imr_seterr(err, IMR_ELIMIT, "term counts: stopped");
            goto done;
        }
        if (term == NULL)
            continue;
        if ((rc = ent_add(&t->r, term, (size_t)len,
                           sqlite3_column_int64(st, 1), err)) != IMR_OK)
            goto done;
    }
    if (step != SQLITE_DONE) {
        rc = imr_seterr(err, IMR_EDB, "term counts: %s", sqlite3_errmsg(db));
        goto done;
    }
    /* FTS5 orders terms by their bytes, as strcmp does; sorted again so
     * that the lookups never depend on it */
    qsort(t->r.e, t->r.n, sizeof(*t->r.e), cmp_ent);
    *out = t;
    t = NULL;
done:
    sqlite3_finalize(st);
    /* the table holds no data: a failed drop leaves nothing to undo */
    sqlite3_exec(db, "DROP TABLE IF EXISTS temp.imr_vocab_rows", NULL, NULL,
                 NULL);
    imr_term_rows_free(t);
    return rc;
}

void imr_term_rows_free(struct imr_term_rows *t)
{
    if (t == NULL)
        return;
    rows_clear(&t->r);
    free(t);
}

size_t imr_term_rows_count(const struct imr_term_rows *t)
{
    return t != NULL ? t->r.n : 0;
}

size_t imr_term_rows_bytes(const struct imr_term_rows *t)
{
    return t != NULL ? sizeof(*t) + t->r.bytes : 0;
}

/* The rows of term TERM (LEN bytes); see phrase_rows.h. */
int imr_term_rows_get(const struct imr_term_rows *t, const char *term,
                      size_t len, long long *rows)
{
    size_t lo = 0, hi;

    if (t == NULL || term == NULL)
        return 0;
    hi = t->r.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *k = (const unsigned char *)t->r.e[mid].key;
        size_t i;
        int d = 0;

        /* strcmp's order over TERM's LEN bytes, not NUL-terminated */
        for (i = 0; i < len && d == 0; i++)
            d = k[i] == '\0' ? -1 : (int)k[i] - (int)(unsigned char)term[i];
        if (d == 0 && k[len] != '\0')
            d = 1;
        if (d == 0) {
            *rows = t->r.e[mid].rows;
            return 1;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Counts every synonym spelling; see phrase_rows.h. */
int imr_phrase_rows_build(sqlite3 *db, const atomic_int *stop,
                          struct imr_phrase_rows **out, char *err)
{
    struct counting c;
    size_t i, j;
    int rc;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.stop = stop;
    c.err = err;
    if ((c.t = calloc(1, sizeof(*c.t))) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM item_fts WHERE "
                           "item_fts MATCH ?1", -1, &c.st, NULL) !=
        SQLITE_OK) {
        rc = imr_seterr(err, IMR_EDB, "phrase counts: %s",
                        sqlite3_errmsg(db));
        goto done;
    }
    if ((rc = imr_synonyms_each(count_spelling, &c)) != 0) {
        if (rc == IMR_ENOMEM)
            imr_seterr(err, rc, "out of memory");
        goto done;
    }
    /* a spelling of several groups was counted more than once */
    qsort(c.t->e, c.t->n, sizeof(*c.t->e), cmp_ent);
    for (i = j = 0; i < c.t->n; i++) {
        if (j > 0 && strcmp(c.t->e[j - 1].key, c.t->e[i].key) == 0) {
            c.t->bytes -= sizeof(c.t->e[0]) + strlen(c.t->e[i].key) + 1;
            free(c.t->e[i].key);
            continue;
        }
        c.t->e[j++] = c.t->e[i];
    }
    c.t->n = j;
    *out = c.t;
    c.t = NULL;
    rc = IMR_OK;
done:
    sqlite3_finalize(c.st);
    imr_buf_free(&c.match);
    imr_phrase_rows_free(c.t);
    return rc;
}

void imr_phrase_rows_free(struct imr_phrase_rows *t)
{
    if (t == NULL)
        return;
    rows_clear(t);
    free(t);
}

size_t imr_phrase_rows_count(const struct imr_phrase_rows *t)
{
    return t != NULL ? t->n : 0;
}

size_t imr_phrase_rows_bytes(const struct imr_phrase_rows *t)
{
    return t != NULL ? sizeof(*t) + t->bytes : 0;
}

/* The rows of phrase KEY; see phrase_rows.h. */
int imr_phrase_rows_get(const struct imr_phrase_rows *t, const char *key,
                        long long *rows)
{
    const struct phrase_ent *hit;

    if (t == NULL || t->n == 0 || key == NULL)
        return 0;
    hit = bsearch(key, t->e, t->n, sizeof(*t->e), cmp_key);
    if (hit == NULL)
        return 0;
    *rows = hit->rows;
    return 1;
}

/* The memo: open addressing over twice as many slots as it may hold. */
#define MEMO_SLOTS (2 * IMR_PHRASE_MEMO_MAX)

struct imr_phrase_memo {
    pthread_mutex_t mu;
    struct phrase_ent slot[MEMO_SLOTS];   /* key NULL: empty */
    size_t n;
    size_t key_bytes;
};

struct imr_phrase_memo *imr_phrase_memo_new(void)
{
    struct imr_phrase_memo *m = calloc(1, sizeof(*m));

    if (m != NULL && pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

/* Empties M (under its mutex). */
static void memo_clear(struct imr_phrase_memo *m)
{
    size_t i;

    for (i = 0; i < MEMO_SLOTS; i++) {
        free(m->slot[i].key);
        m->slot[i].key = NULL;
    }
    m->n = 0;
    m->key_bytes = 0;
}

void imr_phrase_memo_free(struct imr_phrase_memo *m)
{
    if (m == NULL)
        return;
    memo_clear(m);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* The slot of KEY in M: where it is, else the empty one it would take
 * (never full: at most half the slots are used). */
static struct phrase_ent *memo_slot(struct imr_phrase_memo *m,
                                    const char *key)
{
    return &m->slot[imr_str_slot(m->slot, MEMO_SLOTS, sizeof(m->slot[0]),
                                 key)];
}

int imr_phrase_memo_get(struct imr_phrase_memo *m, const char *key,
                        long long *rows)
{
    const struct phrase_ent *e;
    int found;

    if (m == NULL || key == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    e = memo_slot(m, key);
    if ((found = e->key != NULL))
        *rows = e->rows;
    pthread_mutex_unlock(&m->mu);
    return found;
}

void imr_phrase_memo_put(struct imr_phrase_memo *m, const char *key,
                         long long rows)
{
    struct phrase_ent *e;
    char *k;

    if (m == NULL || key == NULL)
        return;
    pthread_mutex_lock(&m->mu);
    e = memo_slot(m, key);
    if (e->key == NULL) {
        if (m->n >= IMR_PHRASE_MEMO_MAX) {
            memo_clear(m);
            e = memo_slot(m, key);
        }
        if ((k = strdup(key)) != NULL) {
            e->key = k;
            m->n++;
            m->key_bytes += strlen(k) + 1;
        }
    }
    if (e->key != NULL)
        e->rows = rows;
    pthread_mutex_unlock(&m->mu);
}

size_t imr_phrase_memo_count(struct imr_phrase_memo *m)
{
    size_t n;

    if (m == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    n = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

size_t imr_phrase_memo_bytes(struct imr_phrase_memo *m)
{
    size_t n;

    if (m == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    n = sizeof(*m) + m->key_bytes;
    pthread_mutex_unlock(&m->mu);
    return n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Appends KEY (may be NULL) to the vector *V of *N. */
static int keys_push(char ***v, size_t *n, size_t *cap, char *key)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        char **p = realloc(*v, nc * sizeof(*p));

        if (p == NULL)
            return IMR_ENOMEM;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = key;
    return IMR_OK;
}

/* The phrase keys of MATCH string M in FTS5's order; see phrase_rows.h. */
int imr_phrase_keys(const char *m, char ***keys, size_t *n)
{
    struct imr_buf text = IMR_BUF_INIT;
    char **v = NULL, *key;
    size_t nv = 0, cap = 0;
    const char *p = m;
    /* a column filter: its scope is the next phrase, or the group in
     * parentheses that follows it (col_depth: the depth outside it) */
    int depth = 0, col_pending = 0, in_col = 0, col_depth = 0, rc = IMR_OK;

    *keys = NULL;
    *n = 0;
    while (*p != '\0') {
        if (is_space(*p)) {
            p++;
        } else if (*p == '(') {
            if (col_pending) {
                in_col = 1;
                col_depth = depth;
                col_pending = 0;
            }
            depth++;
            p++;
        } else if (*p == ')') {
            if (--depth < 0 || col_pending)
                goto bad;
            if (in_col && depth == col_depth)
                in_col = 0;
            p++;
        } else if (*p == '"') {
            int prefix = 0;

            imr_buf_reset(&text);
            for (p++; *p != '\0'; p++) {
                if (*p == '"' && p[1] != '"')
                    break;
                if (*p == '"')
                    p++;          /* a doubled quote */
                imr_buf_addc(&text, *p);
            }
            if (*p != '"')
                goto bad;
            for (p++; is_space(*p); p++)
                ;
            if (*p == '*') {
                prefix = 1;
                p++;
            }
            if (imr_buf_error(&text) != IMR_OK) {
                rc = IMR_ENOMEM;
                goto fail;
            }
            key = NULL;
            if (!in_col && !col_pending &&
                (key = key_of(text.p != NULL ? text.p : "", text.n,
                              prefix)) == NULL) {
                rc = IMR_ENOMEM;
                goto fail;
            }
            col_pending = 0;
            if (keys_push(&v, &nv, &cap, key) != IMR_OK) {
                free(key);
                rc = IMR_ENOMEM;
                goto fail;
            }
        } else if (is_word(*p)) {
            const char *w = p;
            size_t len;

            while (is_word(*p))
                p++;
            len = (size_t)(p - w);
            if ((len == 2 && memcmp(w, "OR", 2) == 0) ||
                (len == 3 && (memcmp(w, "AND", 3) == 0 ||
                              memcmp(w, "NOT", 3) == 0))) {
                if (col_pending)
                    goto bad;
                continue;
            }
            while (is_space(*p))
                p++;
            if (*p != ':' || col_pending || in_col)
                goto bad;         /* a bare word, or a nested filter */
            col_pending = 1;
            p++;
        } else {
            goto bad;
        }
    }
    if (depth != 0 || col_pending)
        goto bad;
    imr_buf_free(&text);
    *keys = v;
    *n = nv;
    return IMR_OK;
bad:
    rc = IMR_EINVAL;
fail:
    imr_buf_free(&text);
    imr_strv_free(v, nv);
    return rc;
}
