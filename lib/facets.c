/* The facet store (imr/facets.h): per item its letter, decision,
 * treatment and category values and its distinct cited guidelines and
 * "guideline p.X[-Y]" pages; per letter its year, program, type and
 * distinct diagnosis norms; string tables for the values. For the
 * filters of the store path (lib/search.c: store_run), also per item
 * its category and subcategory and an interned list of its citation
 * facts (guideline, by, ACOEM document, chapter/document/sections entry,
 * cited page ranges), and per letter its outcome, gender, age,
 * specialties, states of licensure and decision, injury and received
 * dates (16-bit codes that order as the date text); imr_facets_q_new
 * compiles a query's filters against the value tables once (LIKE and
 * equality into one byte per value), and imr_facets_q_test tests an
 * item with SQL's three-valued logic.
 * Columns use the narrowest unsigned width their largest value fits (1,
 * 2 or 4 bytes); the per-item guideline and page lists, citation facts
 * and the per-letter diagnosis lists are interned (items citing the
 * same pages share one list).
 *
 * Built in the background, never on a request: loading took 0.34-0.40 s
 * at 100k letters (171,605 items) and 4.4-4.9 s at 1M-equivalent (the
 * 100k rows replicated 10x, 1.7M items), far more than a request may
 * wait; the store took 15.4 bytes per item, 25.9 with the filter
 * columns (100k: 4.45 MB, built in 0.8-1.2 s). The build also counts,
 * in the same transaction, the rows of every synonym spelling (lib/
 * phrase_rows.h; about 0.5 s at 1M letters) and the facet counts of every
 * item (the whole of a count taken by gaps); meanwhile a second thread
 * reads the rows of every term of item_fts (0.8 s at 100k) on a
 * connection of its own, kept when it read the same state. The first
 * facet query of an index state that has no store starts one builder
 * thread on its own read-only connection; until it publishes, queries
 * count with SQL.
 * The store carries the signature of the state it was read from
 * (imr_facets_sig, read in the same transaction); a query uses it only
 * when the signature of its own read transaction is equal, so counts and
 * hits always come from one index state (the signature assumes writes
 * through lib/index.c: a letter is never updated in place but replaced
 * under a new AUTOINCREMENT id, and every commit sets meta's letters
 * and updated_at). Stores are shared by the handles of one index file
 * (device + inode) in the process, refcounted, and read-only once
 * published under the registry mutex. */
#include "imr/facets.h"
#include "imr/buf.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "phrase_rows.h"
#include "rank_memo.h"
#include "tally_memo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { F_DECISION, F_GUIDELINE, F_PAGE, F_TREATMENT, F_CATEGORY,
       F_DIAGNOSIS, F_YEAR, F_PROGRAM, F_TYPE, F_COUNT };
/* value tables of the filters only (not facets), after the facets' */
enum { X_OUTCOME = F_COUNT, X_GENDER, X_BY, X_CATV, X_SUBV, X_CDS,
       X_SPEC, X_LIC, V_COUNT };

/* Dates as 16-bit codes that order as their 'YYYY-MM-DD' text does:
 * (year - 1900) * 372 + (month - 1) * 31 + day - 1, years 1900-2075;
 * 0 in a column is NULL (codes are stored + 1). */
#define DATE_Y0 1900
#define DATE_Y1 2075

static const char *const facet_names[F_COUNT] = {
    "decision", "guideline", "guideline_page", "treatment", "category",
    "diagnosis", "year", "program", "type"
};

/* Unsigned integers in the narrowest width that holds the largest. */
struct pcol {
    unsigned char w;          /* 1, 2 or 4 bytes */
    void *p;
};

/* Interned byte strings (values, or lists of uint32_t ids): entry i is
 * pool[off[i] .. off[i + 1]). The hash table exists while building. */
struct intern {
    char *pool;
    size_t len, cap;
    uint32_t *off;            /* n + 1 offsets */
    size_t n, ocap;
    uint32_t *ht;             /* entry + 1, 0 = free */
    size_t hcap;
};

struct imr_facets {
    char sig[IMR_FACETS_SIG_LEN];
    size_t n_items, n_dets;
    uint32_t *item_id;        /* ascending */
    struct pcol it_det, it_dec, it_treat, it_cat, it_gl, it_pg;
    struct pcol d_year, d_prog, d_type, d_diag;
    /* what the filters read (imr_facets_q_new) */
    struct pcol it_catv, it_subv;  /* category, subcategory alone */
    struct pcol it_cit;       /* the item's citation facts (in cites) */
    struct pcol it_len;       /* tokens in its full text + 1, 0 = none */
    struct pcol d_out, d_gender, d_age;   /* age + 1, 0 = NULL */
    struct pcol d_spec, d_lic;  /* lists of specialties, states */
    struct pcol d_date, d_inj, d_rec;     /* date code + 1, 0 = NULL */
    int bad_age;              /* an age that is not a small integer */
    int bad_date, bad_inj, bad_rec;  /* a date not 'YYYY-MM-DD' in range */
    int bad_cites;            /* a citation the encoding cannot hold */
    struct intern val[V_COUNT];   /* values (NUL-terminated) */
    struct intern lists;      /* id lists: guideline, page, diagnosis */
    /* per item, interned: for each citation (by id) the words
     * guideline value id, (pages << 8 | ACOEM document << 7 | by value
     * id), its (chapter, document, sections) value id (X_CDS), then
     * (page_from, page_to) per cited range */
    struct intern cites;
    /* rows per synonym spelling in this state (imr_bm25's IDFs) */
    struct imr_phrase_rows *phrases;
    /* rows per term of item_fts in this state (imr_bm25's IDFs) */
    struct imr_term_rows *terms;
    /* rows of the other phrases queries counted in this state */
    struct imr_phrase_memo *memo;
    /* totals and facets of the queries answered in this state */
    struct imr_tally_memo *tally;
    /* the ranked candidates of those queries, for their other pages */
    struct imr_rank_memo *ranked;
    /* the facet counts of every item: a pass over most of the items
     * counts those it does not match, and subtracts (search.c) */
    struct imr_facets_cnt *every;
    int by_list;              /* counts by list (struct imr_facets_cnt) */
    int refs;                 /* under reg_mu: the slot + queries */
};

/* The list-valued facets (guideline, guideline_page, diagnosis) are
 * counted by list: each item adds 1 to the count of its interned list,
 * and a list's count goes to each of its values when the facets are
 * read. Items share few lists (1M letters: 124 in all), so counting an
 * item no longer walks its lists (at 1M, a query matching every item:
 * count_at and count_list were 23% of its CPU). When lists are mostly
 * one per letter (more than LIST_COUNT_MAX), or imr_facets_count_by_list
 * turned it off, the store counts the values directly (f->by_list 0). */
enum { L_GUIDELINE, L_PAGE, L_DIAGNOSIS, L_COUNT };
static const int list_facet[L_COUNT] = {F_GUIDELINE, F_PAGE, F_DIAGNOSIS};
#define LIST_COUNT_MAX(f) ((f)->n_items / 16 + 1024)

struct imr_facets_cnt {
    const struct imr_facets *f;
    uint32_t *c[F_COUNT];
    uint32_t *lc[L_COUNT];    /* by list id, or NULL: see above */
    size_t pos;               /* where the last id was found */
    long long total;
};

struct imr_facets_src {
    dev_t dev;
    ino_t ino;
    char *path;
    int refs;                 /* attached handles */
    struct imr_facets *cur;   /* the published store, or NULL */
    char failed[IMR_FACETS_SIG_LEN];  /* state whose build failed */
    int building;             /* a builder thread runs */
    int joinable;             /* a builder thread is to be joined */
    pthread_t th;
    atomic_int stop;          /* asks the builder to give up */
    struct imr_facets_src *next;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cv = PTHREAD_COND_INITIALIZER;
static struct imr_facets_src *reg;
static atomic_int enabled = 1;
static atomic_int by_list_on = 1;
static atomic_ulong served;

/* Whether stores built from now on count facets by list; see facets.h. */
int imr_facets_count_by_list(int on)
{
    return atomic_exchange(&by_list_on, on ? 1 : 0);
}

/* Switches the store on or off for every handle; see facets.h. */
int imr_facets_enable(int on)
{
    return atomic_exchange(&enabled, on ? 1 : 0);
}

/* Whether the store may be used; see facets.h. */
int imr_facets_enabled(void)
{
    return atomic_load(&enabled);
}

/* Queries answered from a store; see facets.h. */
unsigned long imr_facets_served(void)
{
    return atomic_load(&served);
}

/* ---- packed columns --------------------------------------------------- */

static uint32_t pcol_get(const struct pcol *c, size_t i)
{
    switch (c->w) {
    case 1:
        return ((const uint8_t *)c->p)[i];
    case 2:
        return ((const uint16_t *)c->p)[i];
    default:
        return ((const uint32_t *)c->p)[i];
    }
}

/* Packs the N values of V into C, in the narrowest width. */
static int pcol_pack(struct pcol *c, const uint32_t *v, size_t n)
{
    uint32_t max = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    c->w = max <= UINT8_MAX ? 1 : max <= UINT16_MAX ? 2 : 4;
    c->p = malloc(n > 0 ? n * c->w : 1);
    if (c->p == NULL)
        return IMR_ENOMEM;
    for (i = 0; i < n; i++) {
        if (c->w == 1)
            ((uint8_t *)c->p)[i] = (uint8_t)v[i];
        else if (c->w == 2)
            ((uint16_t *)c->p)[i] = (uint16_t)v[i];
        else
            ((uint32_t *)c->p)[i] = v[i];
    }
    return IMR_OK;
}

/* ---- interning ---------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int intern_grow_ht(struct intern *t)
{
    size_t cap = t->hcap ? t->hcap * 2 : 64, i, k;
    uint32_t *ht = calloc(cap, sizeof(*ht));

    if (ht == NULL)
        return IMR_ENOMEM;
    for (i = 0; i < t->n; i++) {
        k = hash_bytes(t->pool + t->off[i], t->off[i + 1] - t->off[i]) &
            (cap - 1);
        while (ht[k] != 0)
            k = (k + 1) & (cap - 1);
        ht[k] = (uint32_t)i + 1;
    }
    free(t->ht);
    t->ht = ht;
    t->hcap = cap;
    return IMR_OK;
}

/* The id of the N bytes at KEY in T, added when new. */
static int intern_add(struct intern *t, const void *key, size_t n,
                      uint32_t *id)
{
    size_t k;

    if (t->off == NULL) {
        t->off = malloc(16 * sizeof(*t->off));
        if (t->off == NULL)
            return IMR_ENOMEM;
        t->ocap = 16;
        t->off[0] = 0;
    }
    if ((t->n + 1) * 2 > t->hcap && intern_grow_ht(t) != IMR_OK)
        return IMR_ENOMEM;
    k = hash_bytes(key, n) & (t->hcap - 1);
    while (t->ht[k] != 0) {
        uint32_t e = t->ht[k] - 1;

        if (t->off[e + 1] - t->off[e] == n &&
            memcmp(t->pool + t->off[e], key, n) == 0) {
            *id = e;
            return IMR_OK;
        }
        k = (k + 1) & (t->hcap - 1);
    }
    if (t->len + n > UINT32_MAX || t->n + 1 >= UINT32_MAX)
        return IMR_ELIMIT;
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *p;

        while (cap < t->len + n)
            cap *= 2;
        if ((p = realloc(t->pool, cap)) == NULL)
            return IMR_ENOMEM;
        t->pool = p;
        t->cap = cap;
    }
    if (t->n + 2 > t->ocap) {
        uint32_t *o = realloc(t->off, t->ocap * 2 * sizeof(*o));

        if (o == NULL)
            return IMR_ENOMEM;
        t->off = o;
        t->ocap *= 2;
    }
    if (n > 0)
        memcpy(t->pool + t->len, key, n);
    t->len += n;
    t->off[++t->n] = (uint32_t)t->len;
    t->ht[k] = (uint32_t)t->n;
    *id = (uint32_t)t->n - 1;
    return IMR_OK;
}

/* Drops the hash table and the spare capacity (the store is final). */
static void intern_seal(struct intern *t)
{
    char *p;
    uint32_t *o;

    free(t->ht);
    t->ht = NULL;
    t->hcap = 0;
    if (t->len > 0 && t->len < t->cap &&
        (p = realloc(t->pool, t->len)) != NULL) {
        t->pool = p;
        t->cap = t->len;
    }
    if (t->off != NULL && t->n + 1 < t->ocap &&
        (o = realloc(t->off, (t->n + 1) * sizeof(*o))) != NULL) {
        t->off = o;
        t->ocap = t->n + 1;
    }
}

static void intern_free(struct intern *t)
{
    free(t->pool);
    free(t->off);
    free(t->ht);
    memset(t, 0, sizeof(*t));
}

static const char *intern_str(const struct intern *t, uint32_t id)
{
    return t->pool + t->off[id];
}

/* ---- building ----------------------------------------------------------- */

/* Distinct ids of the group being read (a list under construction). */
struct idset {
    uint32_t *v;
    size_t n, cap;
};

static int idset_add(struct idset *s, uint32_t id)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return IMR_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        uint32_t *p = realloc(s->v, cap * sizeof(*p));

        if (p == NULL)
            return IMR_ENOMEM;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = id;
    return IMR_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Interns the set S as a sorted list into T; *ID = its id + 1 (0 is
 * kept for "no list": never stored, an empty set has its own id). */
static int idset_intern(struct intern *t, struct idset *s, uint32_t *id)
{
    uint32_t e;
    int rc;

    qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
    rc = intern_add(t, s->v, s->n * sizeof(*s->v), &e);
    s->n = 0;
    *id = e;
    return rc;
}

/* The value id + 1 of column COL of ST in table T; 0 for NULL. */
static int value_id(struct intern *t, sqlite3_stmt *st, int col,
                    uint32_t *id)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    uint32_t e;
    int rc;

    if (sqlite3_column_type(st, col) == SQLITE_NULL || s == NULL) {
        *id = 0;
        return IMR_OK;
    }
    rc = intern_add(t, s, (size_t)sqlite3_column_bytes(st, col) + 1, &e);
    *id = e + 1;
    return rc;
}

static long long find_ll(const long long *v, size_t n, long long x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x ? (long long)lo : -1;
}

static long long find_u32(const uint32_t *v, size_t n, long long x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((long long)v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && (long long)v[lo] == x ? (long long)lo : -1;
}

/* Build state: the raw 32-bit columns before packing. */
struct bld {
    sqlite3 *db;
    const atomic_int *stop;
    char *err;
    struct imr_facets *f;
    long long *det_id;        /* ascending */
    size_t n_dets;
    uint32_t *d_year, *d_prog, *d_type;
    uint32_t *d_out, *d_gender, *d_age, *d_date, *d_inj, *d_rec;
    uint32_t *it_det, *it_dec, *it_treat, *it_cat, *it_catv, *it_subv;
    struct idset set;
};

/* The order code of date text S ('YYYY-MM-DD', years DATE_Y0-DATE_Y1),
 * or -1. */
static long date_code(const char *s)
{
    long y, m, d;
    int i;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = strtol(s, NULL, 10);
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < DATE_Y0 || y > DATE_Y1 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    return (y - DATE_Y0) * 372 + (m - 1) * 31 + d - 1;
}

/* Column COL of ST as a stored date (code + 1, 0 for NULL); sets *BAD
 * when it is not a date the codes hold. */
static uint32_t date_col(sqlite3_stmt *st, int col, int *bad)
{
    long c;

    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    c = sqlite3_column_type(st, col) == SQLITE_TEXT ?
        date_code((const char *)sqlite3_column_text(st, col)) : -1;
    if (c < 0) {
        *bad = 1;
        return 0;
    }
    return (uint32_t)c + 1;
}

static int bld_db(struct bld *b, const char *what)
{
    if (sqlite3_errcode(b->db) == SQLITE_NOMEM)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    return imr_seterr(b->err, IMR_EDB, "facet store: %s: %s", what,
                      sqlite3_errmsg(b->db));
}

static int stopped(const struct bld *b)
{
    return b->stop != NULL && atomic_load(b->stop);
}

/* The single integer SQL returns into *N (array sizes: the build reads
 * in one transaction, so the rows cannot outnumber it). */
static int count_rows(struct bld *b, const char *sql, size_t *n)
{
    sqlite3_stmt *st = NULL;
    int rc = IMR_OK;

    *n = 0;
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = bld_db(b, "count");
    else
        *n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* N 32-bit values (at least one), or NULL. */
static uint32_t *u32_new(size_t n)
{
    return malloc((n > 0 ? n : 1) * sizeof(uint32_t));
}

/* Packs *V (N values) into C and frees it. */
static int pack_take(struct bld *b, struct pcol *c, uint32_t **v, size_t n)
{
    int rc = pcol_pack(c, *v, n);

    free(*v);
    *v = NULL;
    return rc != IMR_OK ? imr_seterr(b->err, rc, "out of memory") : IMR_OK;
}

static int too_many(struct bld *b)
{
    return imr_seterr(b->err, IMR_EDB, "facet store: the index changed "
                      "while it was read");
}

/* Letters: id, year, program, type (packed at once). */
static int load_dets(struct bld *b)
{
    static const char sql[] = "SELECT id, year, program, type, outcome, "
        "gender, age, date_decision, date_injury, date_received FROM "
        "determinations ORDER BY id";
    sqlite3_stmt *st = NULL;
    struct imr_facets *f = b->f;
    int rc, step;
    size_t n = 0, cap;

    if ((rc = count_rows(b, "SELECT count(*) FROM determinations",
                         &cap)) != IMR_OK)
        return rc;
    b->det_id = malloc((cap > 0 ? cap : 1) * sizeof(*b->det_id));
    b->d_year = u32_new(cap);
    b->d_prog = u32_new(cap);
    b->d_type = u32_new(cap);
    b->d_out = u32_new(cap);
    b->d_gender = u32_new(cap);
    b->d_age = u32_new(cap);
    b->d_date = u32_new(cap);
    b->d_inj = u32_new(cap);
    b->d_rec = u32_new(cap);
    if (b->det_id == NULL || b->d_year == NULL || b->d_prog == NULL ||
        b->d_type == NULL || b->d_out == NULL || b->d_gender == NULL ||
        b->d_age == NULL || b->d_date == NULL || b->d_inj == NULL ||
        b->d_rec == NULL)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        return bld_db(b, "letters");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((n & 4095) == 0 && stopped(b)) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: stopped");
            goto done;
        }
        if (n == cap) {
            rc = too_many(b);
            goto done;
        }
        b->det_id[n] = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
            sqlite3_column_type(st, 1) != SQLITE_INTEGER) {
            rc = imr_seterr(b->err, IMR_EDB, "facet store: a year is not "
                            "an integer");
            goto done;
        }
        if ((rc = value_id(&f->val[F_YEAR], st, 1, &b->d_year[n])) ||
            (rc = value_id(&f->val[F_PROGRAM], st, 2, &b->d_prog[n])) ||
            (rc = value_id(&f->val[F_TYPE], st, 3, &b->d_type[n])) ||
            (rc = value_id(&f->val[X_OUTCOME], st, 4, &b->d_out[n])) ||
            (rc = value_id(&f->val[X_GENDER], st, 5, &b->d_gender[n]))) {
            imr_seterr(b->err, rc, "facet store: values");
            goto done;
        }
        b->d_age[n] = 0;
        if (sqlite3_column_type(st, 6) == SQLITE_INTEGER &&
            sqlite3_column_int64(st, 6) >= 0 &&
            sqlite3_column_int64(st, 6) < 60000)
            b->d_age[n] = (uint32_t)sqlite3_column_int64(st, 6) + 1;
        else if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            f->bad_age = 1;
        b->d_date[n] = date_col(st, 7, &f->bad_date);
        b->d_inj[n] = date_col(st, 8, &f->bad_inj);
        b->d_rec[n] = date_col(st, 9, &f->bad_rec);
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = bld_db(b, "letters");
        goto done;
    }
    b->n_dets = f->n_dets = n;
    if ((rc = pack_take(b, &f->d_year, &b->d_year, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_prog, &b->d_prog, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_out, &b->d_out, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_gender, &b->d_gender, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_age, &b->d_age, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_date, &b->d_date, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_inj, &b->d_inj, n)) != IMR_OK ||
        (rc = pack_take(b, &f->d_rec, &b->d_rec, n)) != IMR_OK)
        goto done;
    rc = pack_take(b, &f->d_type, &b->d_type, n);
done:
    sqlite3_finalize(st);
    return rc;
}

/* The distinct values of column 1 of SQL (rows of one owner together,
 * the owner's id in column 0, value table VT) as one interned list per
 * owner, packed into COL. The owners are the letters (ITEMS 0:
 * diagnoses for the facet, specialties and states of licensure for the
 * filters) or the items (ITEMS 1: guidelines and cited pages). */
static int load_lists(struct bld *b, const char *sql, int vt, int items,
                      struct pcol *col, const char *what)
{
    sqlite3_stmt *st = NULL;
    struct imr_facets *f = b->f;
    long long cur = -1, row = 0;
    size_t n = items ? f->n_items : b->n_dets, i;
    uint32_t v, *out = u32_new(n);
    int rc = IMR_OK, step;

    if (out == NULL)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        out[i] = UINT32_MAX;          /* no rows yet */
    b->set.n = 0;
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK) {
        free(out);
        return bld_db(b, what);
    }
    for (;;) {
        long long id;

        step = sqlite3_step(st);
        id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
        if (id != cur && cur >= 0) {
            long long k = items ? find_u32(f->item_id, n, cur) :
                          find_ll(b->det_id, n, cur);

            if ((rc = idset_intern(&f->lists, &b->set, &v)) != IMR_OK)
                goto oom;
            if (k >= 0)
                out[k] = v;
        }
        if (step != SQLITE_ROW)
            break;
        if ((++row & 4095) == 0 && stopped(b)) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: stopped");
            goto done;
        }
        cur = id;
        if ((rc = value_id(&f->val[vt], st, 1, &v)) != IMR_OK ||
            (v > 0 && (rc = idset_add(&b->set, v - 1)) != IMR_OK))
            goto oom;
    }
    if (step != SQLITE_DONE) {
        rc = bld_db(b, what);
        goto done;
    }
    /* owners without rows: the empty list */
    b->set.n = 0;
    if ((rc = idset_intern(&f->lists, &b->set, &v)) != IMR_OK)
        goto oom;
    for (i = 0; i < n; i++)
        if (out[i] == UINT32_MAX)
            out[i] = v;
    rc = pack_take(b, col, &out, n);
    goto done;
oom:
    imr_seterr(b->err, rc, "facet store: %s", what);
done:
    free(out);
    sqlite3_finalize(st);
    return rc;
}

/* Items: letter, decision, treatment and category values, exactly the
 * forms the SQL facets group by (packed at once). Items of no letter are
 * left out (the SQL facets join determinations). */
static int load_items(struct bld *b)
{
    static const char sql[] = "SELECT id, det_id, decision, lower(trim("
        "treatment)), category || coalesce(' > ' || subcategory, ''), "
        "category, subcategory FROM items ORDER BY id";
    sqlite3_stmt *st = NULL;
    struct imr_facets *f = b->f;
    size_t n = 0, cap, row = 0;
    int rc, step;

    if ((rc = count_rows(b, "SELECT count(*) FROM items", &cap)) != IMR_OK)
        return rc;
    f->item_id = u32_new(cap);
    b->it_det = u32_new(cap);
    b->it_dec = u32_new(cap);
    b->it_treat = u32_new(cap);
    b->it_cat = u32_new(cap);
    b->it_catv = u32_new(cap);
    b->it_subv = u32_new(cap);
    if (f->item_id == NULL || b->it_det == NULL || b->it_dec == NULL ||
        b->it_treat == NULL || b->it_cat == NULL || b->it_catv == NULL ||
        b->it_subv == NULL)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        return bld_db(b, "items");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        long long det = find_ll(b->det_id, b->n_dets,
                                sqlite3_column_int64(st, 1));

        if ((++row & 4095) == 0 && stopped(b)) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: stopped");
            goto done;
        }
        if (det < 0)
            continue;
        if (id < 0 || id > UINT32_MAX) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: item id "
                            "out of range");
            goto done;
        }
        if (n == cap) {
            rc = too_many(b);
            goto done;
        }
        f->item_id[n] = (uint32_t)id;
        b->it_det[n] = (uint32_t)det;
        if ((rc = value_id(&f->val[F_DECISION], st, 2, &b->it_dec[n])) ||
            (rc = value_id(&f->val[F_TREATMENT], st, 3,
                           &b->it_treat[n])) ||
            (rc = value_id(&f->val[F_CATEGORY], st, 4, &b->it_cat[n])) ||
            (rc = value_id(&f->val[X_CATV], st, 5, &b->it_catv[n])) ||
            (rc = value_id(&f->val[X_SUBV], st, 6, &b->it_subv[n]))) {
            imr_seterr(b->err, rc, "facet store: values");
            goto done;
        }
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = bld_db(b, "items");
        goto done;
    }
    f->n_items = n;
    if ((rc = pack_take(b, &f->it_det, &b->it_det, n)) != IMR_OK ||
        (rc = pack_take(b, &f->it_dec, &b->it_dec, n)) != IMR_OK ||
        (rc = pack_take(b, &f->it_treat, &b->it_treat, n)) != IMR_OK ||
        (rc = pack_take(b, &f->it_catv, &b->it_catv, n)) != IMR_OK ||
        (rc = pack_take(b, &f->it_subv, &b->it_subv, n)) != IMR_OK)
        goto done;
    rc = pack_take(b, &f->it_cat, &b->it_cat, n);
done:
    sqlite3_finalize(st);
    return rc;
}

/* One SQLite varint of P (N bytes) into *V: its length, 0 if cut short.
 * FTS5's docsize records are such varints, one per column. */
static int get_varint(const unsigned char *p, int n, uint64_t *v)
{
    uint64_t x = 0;
    int i;

    for (i = 0; i < n && i < 8; i++) {
        x = (x << 7) | (p[i] & 0x7f);
        if ((p[i] & 0x80) == 0) {
            *v = x;
            return i + 1;
        }
    }
    if (i == 8 && n > 8) {
        *v = (x << 8) | p[8];
        return 9;
    }
    return 0;
}

/* Per item, its length in tokens over every full-text column: the sum
 * of its FTS5 docsize record, which bm25() reads from disk for every row
 * it scores (a b-tree lookup per row: about half of a selective query's
 * time); imr_search's ranking reads it here instead. Without a docsize
 * table (or for an item FTS5 does not hold yet) the length is unknown
 * and ranking reads the record as bm25() does. */
static int load_doclens(struct bld *b)
{
    static const char sql[] = "SELECT id, sz FROM item_fts_docsize "
                              "ORDER BY id";
    struct imr_facets *f = b->f;
    sqlite3_stmt *st = NULL;
    uint32_t *len = u32_new(f->n_items);
    size_t j = 0, row = 0;
    int rc = IMR_OK, step;

    if (len == NULL)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    memset(len, 0, (f->n_items > 0 ? f->n_items : 1) * sizeof(*len));
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto pack;                     /* no docsize table: unknown */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        const unsigned char *p = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1), off = 0, used;
        uint64_t sum = 0, v;

        if ((++row & 4095) == 0 && stopped(b)) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: stopped");
            goto done;
        }
        while (j < f->n_items && f->item_id[j] < id)
            j++;
        if (j == f->n_items)
            break;
        if (f->item_id[j] != id)
            continue;
        while (off < n && (used = get_varint(p + off, n - off, &v)) > 0) {
            sum += v;
            off += used;
        }
        if (off == n && sum < UINT32_MAX)
            len[j] = (uint32_t)sum + 1;
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        rc = bld_db(b, "docsize");
        goto done;
    }
pack:
    sqlite3_finalize(st);
    st = NULL;
    return pack_take(b, &f->it_len, &len, f->n_items);
done:
    sqlite3_finalize(st);
    free(len);
    return rc;
}

static int words_push(struct idset *s, uint32_t w)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        uint32_t *p = realloc(s->v, cap * sizeof(*p));

        if (p == NULL)
            return IMR_ENOMEM;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = w;
    return IMR_OK;
}

/* The value id in T of a citation's (chapter, document, sections),
 * columns 7-9 of ST: each as a presence byte ('0' NULL, '1' text) and
 * the text, NUL-terminated. KEY is scratch. */
static int cds_id(struct intern *t, sqlite3_stmt *st, struct imr_buf *key,
                  uint32_t *id)
{
    int col;

    imr_buf_reset(key);
    for (col = 7; col <= 9; col++) {
        const char *v = (const char *)sqlite3_column_text(st, col);

        imr_buf_addc(key, v != NULL ? '1' : '0');
        imr_buf_adds(key, v != NULL ? v : "");
        imr_buf_addc(key, '\0');
    }
    if (imr_buf_error(key) != IMR_OK)
        return IMR_ENOMEM;
    return intern_add(t, key->p, key->n, id);
}

/* The citation facts of every item (see struct imr_facets: cites), read
 * in one pass over citations and their pages, as one interned word list
 * per item. */
static int load_cites(struct bld *b)
{
    static const char sql[] = "SELECT c.item_id, c.id, c.guideline, c.by, "
        "c.document = 'ACOEM Practice Guidelines', cp.page_from, "
        "cp.page_to, c.chapter, c.document, c.sections FROM citations c "
        "LEFT JOIN citation_pages cp ON cp.citation_id = c.id ORDER BY "
        "c.item_id, c.id";
    sqlite3_stmt *st = NULL;
    struct imr_facets *f = b->f;
    long long cur = -1, cit = -1, row = 0;
    uint32_t v, gl, by, cds, *out = u32_new(f->n_items);
    struct imr_buf key = IMR_BUF_INIT;
    size_t i, hdr = 0;
    int rc = IMR_OK, step;

    if (out == NULL)
        return imr_seterr(b->err, IMR_ENOMEM, "out of memory");
    for (i = 0; i < f->n_items; i++)
        out[i] = UINT32_MAX;          /* no citations yet */
    b->set.n = 0;
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK) {
        free(out);
        return bld_db(b, "citation facts");
    }
    for (;;) {
        long long item;

        step = sqlite3_step(st);
        item = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
        if (item != cur && cur >= 0) {
            long long k = find_u32(f->item_id, f->n_items, cur);

            if ((rc = intern_add(&f->cites, b->set.v, b->set.n *
                                 sizeof(*b->set.v), &v)) != IMR_OK)
                goto oom;
            b->set.n = 0;
            if (k >= 0)
                out[k] = v;
        }
        if (step != SQLITE_ROW)
            break;
        if ((++row & 4095) == 0 && stopped(b)) {
            rc = imr_seterr(b->err, IMR_ELIMIT, "facet store: stopped");
            goto done;
        }
        if (item != cur || sqlite3_column_int64(st, 1) != cit) {
            if ((rc = value_id(&f->val[F_GUIDELINE], st, 2, &gl)) ||
                (rc = value_id(&f->val[X_BY], st, 3, &by)) ||
                (rc = cds_id(&f->val[X_CDS], st, &key, &cds)))
                goto oom;
            if (by > 127)
                f->bad_cites = 1;
            hdr = b->set.n;
            if ((rc = words_push(&b->set, gl)) != IMR_OK ||
                (rc = words_push(&b->set, (by & 127) |
                                 (sqlite3_column_int(st, 4) == 1 ?
                                  128u : 0u))) != IMR_OK ||
                (rc = words_push(&b->set, cds)) != IMR_OK)
                goto oom;
        }
        cur = item;
        cit = sqlite3_column_int64(st, 1);
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
            long long a = sqlite3_column_int64(st, 5);
            long long z = sqlite3_column_int64(st, 6);

            if (a < INT32_MIN || a > INT32_MAX || z < INT32_MIN ||
                z > INT32_MAX || sqlite3_column_type(st, 5) !=
                SQLITE_INTEGER || sqlite3_column_type(st, 6) !=
                SQLITE_INTEGER || b->set.v[hdr + 1] >= 0xFFFFFF00u)
                f->bad_cites = 1;
            b->set.v[hdr + 1] += 256;
            if ((rc = words_push(&b->set, (uint32_t)(int32_t)a)) ||
                (rc = words_push(&b->set, (uint32_t)(int32_t)z)))
                goto oom;
        }
    }
    if (step != SQLITE_DONE) {
        rc = bld_db(b, "citation facts");
        goto done;
    }
    b->set.n = 0;
    if ((rc = intern_add(&f->cites, b->set.v, 0, &v)) != IMR_OK)
        goto oom;
    for (i = 0; i < f->n_items; i++)
        if (out[i] == UINT32_MAX)
            out[i] = v;
    rc = pack_take(b, &f->it_cit, &out, f->n_items);
    goto done;
oom:
    imr_seterr(b->err, rc, "facet store: citation facts");
done:
    b->set.n = 0;
    imr_buf_free(&key);
    free(out);
    sqlite3_finalize(st);
    return rc;
}

static void bld_free(struct bld *b)
{
    free(b->det_id);
    free(b->d_year);
    free(b->d_prog);
    free(b->d_type);
    free(b->it_det);
    free(b->it_dec);
    free(b->it_treat);
    free(b->it_cat);
    free(b->it_catv);
    free(b->it_subv);
    free(b->d_out);
    free(b->d_gender);
    free(b->d_age);
    free(b->d_date);
    free(b->d_inj);
    free(b->d_rec);
    free(b->set.v);
}

/* Reads the signature of DB's state; see facets.h. */
static const char sig_sql[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
    "'determinations'), 0) || '/' || coalesce((SELECT value FROM meta "
    "WHERE key = 'letters'), '') || '/' || coalesce((SELECT value "
    "FROM meta WHERE key = 'updated_at'), '') || '/' || coalesce(("
    "SELECT max(id) FROM items), 0) || '/' || coalesce((SELECT "
    "max(id) FROM citations), 0)";

const char *imr_facets_sig_sql(void)
{
    return sig_sql;
}

/* The signature from ST, a prepared imr_facets_sig_sql(); see facets.h. */
int imr_facets_sig_of(sqlite3_stmt *st, char *sig, char *err)
{
    int rc = IMR_OK;

    sig[0] = '\0';
    if (st == NULL)
        return imr_seterr(err, IMR_EDB, "facet store: no signature");
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = imr_seterr(err, IMR_EDB, "facet store: signature: %s",
                        sqlite3_errmsg(sqlite3_db_handle(st)));
    else
        snprintf(sig, IMR_FACETS_SIG_LEN, "%s",
                 (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc;
}

int imr_facets_sig(sqlite3 *db, char *sig, char *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    sig[0] = '\0';
    if (sqlite3_prepare_v2(db, sig_sql, -1, &st, NULL) != SQLITE_OK)
        return imr_seterr(err, IMR_EDB, "facet store: signature: %s",
                          sqlite3_errmsg(db));
    rc = imr_facets_sig_of(st, sig, err);
    sqlite3_finalize(st);
    return rc;
}

/* The reading of the terms of an index file (lib/phrase_rows.h) on a
 * thread and a read-only connection of its own, beside the store's
 * build: it walks every doclist of item_fts, which takes about as long
 * as the rest of the build (0.8 s against 1.1 s at 100k letters). */
struct term_job {
    const char *path;
    const atomic_int *stop;   /* the build's STOP, else &quit */
    atomic_int quit;          /* set when a build without STOP fails */
    struct imr_term_rows *terms;
    char sig[IMR_FACETS_SIG_LEN];  /* the state the terms were read from */
    int rc;
    char err[IMR_ERR_LEN];
};

static void *term_job_run(void *arg)
{
    struct term_job *j = arg;
    sqlite3 *db = NULL;

    j->rc = IMR_EDB;
    if (sqlite3_open_v2(j->path, &db, SQLITE_OPEN_READONLY |
                        SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(db, 10000) == SQLITE_OK &&
        sqlite3_exec(db, "PRAGMA mmap_size = 1073741824; BEGIN", NULL, NULL,
                     NULL) == SQLITE_OK) {
        if ((j->rc = imr_facets_sig(db, j->sig, j->err)) == IMR_OK)
            j->rc = imr_term_rows_read(db, j->stop, &j->terms, j->err);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

/* F's terms, in its state SIG (read in DB's read transaction): from job
 * J (started when *STARTED, joined here) when it read that state, else
 * read on DB. IMR_OK, or an error of imr_term_rows_read. */
static int take_terms(sqlite3 *db, const atomic_int *stop, pthread_t *th,
                      int *started, struct term_job *j, struct imr_facets *f,
                      char *err)
{
    if (*started) {
        pthread_join(*th, NULL);
        *started = 0;
        if (j->rc == IMR_OK && strcmp(j->sig, f->sig) == 0) {
            f->terms = j->terms;
            j->terms = NULL;
            return IMR_OK;
        }
    }
    /* no job, or it failed or saw another state: this connection's */
    return imr_term_rows_read(db, stop, &f->terms, err);
}

/* Reads the whole store in one read transaction; see facets.h. */
int imr_facets_build(sqlite3 *db, const atomic_int *stop,
                     struct imr_facets **out, char *err)
{
    struct bld b;
    struct imr_facets *f = NULL;
    struct term_job job;
    pthread_t th;
    const char *path = sqlite3_db_filename(db, "main");
    int rc, k, in_txn = 0, started = 0;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    b.db = db;
    b.stop = stop;
    b.err = err;
    b.f = f;
    memset(&job, 0, sizeof(job));
    job.path = path;
    atomic_init(&job.quit, 0);
    job.stop = stop != NULL ? stop : &job.quit;
    if (path != NULL && path[0] != '\0' &&
        pthread_create(&th, NULL, term_job_run, &job) == 0)
        started = 1;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = bld_db(&b, "begin");
        goto done;
    }
    in_txn = 1;
    if ((rc = imr_facets_sig(db, f->sig, err)) != IMR_OK ||
        (rc = load_dets(&b)) != IMR_OK ||
        (rc = load_lists(&b, "SELECT det_id, norm FROM diagnoses "
                             "ORDER BY det_id", F_DIAGNOSIS, 0, &f->d_diag,
                             "diagnoses")) != IMR_OK ||
        (rc = load_lists(&b, "SELECT det_id, name FROM specialties "
                             "ORDER BY det_id", X_SPEC, 0, &f->d_spec,
                             "specialties")) != IMR_OK ||
        (rc = load_lists(&b, "SELECT det_id, state FROM licensure "
                             "ORDER BY det_id", X_LIC, 0, &f->d_lic,
                             "licensure")) != IMR_OK ||
        (rc = load_items(&b)) != IMR_OK ||
        (rc = load_doclens(&b)) != IMR_OK ||
        (rc = load_lists(&b, "SELECT item_id, guideline FROM "
                             "citations ORDER BY item_id", F_GUIDELINE,
                             1, &f->it_gl, "citations")) != IMR_OK ||
        (rc = load_lists(&b, "SELECT item_id, guideline || ' p.' || "
                             "CASE WHEN page_from = page_to THEN page_from"
                             " ELSE page_from || '-' || page_to END FROM "
                             "citation_pages ORDER BY item_id", F_PAGE,
                             1, &f->it_pg, "citation pages")) != IMR_OK ||
        (rc = load_cites(&b)) != IMR_OK ||
        (rc = imr_phrase_rows_build(db, stop, &f->phrases, err)) !=
            IMR_OK ||
        (rc = take_terms(db, stop, &th, &started, &job, f, err)) != IMR_OK)
        goto done;
    if ((f->memo = imr_phrase_memo_new()) == NULL ||
        (f->tally = imr_tally_memo_new()) == NULL ||
        (f->ranked = imr_rank_memo_new()) == NULL) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    for (k = 0; k < V_COUNT; k++)
        intern_seal(&f->val[k]);
    intern_seal(&f->lists);
    intern_seal(&f->cites);
    f->by_list = atomic_load(&by_list_on) &&
                 f->lists.n <= LIST_COUNT_MAX(f);
    if (imr_facets_cnt_new(f, &f->every) != IMR_OK) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    imr_facets_cnt_add_range(f->every, 0, f->n_items);
    if (f->n_items > 0) {
        uint32_t *p = realloc(f->item_id, f->n_items * sizeof(*p));

        if (p != NULL)
            f->item_id = p;
    }
    *out = f;
    f = NULL;
done:
    if (started) {
        /* the build failed (the job runs on to its end, or stops with
         * the build's STOP) or was stopped (so is the job) */
        atomic_store(&job.quit, 1);
        pthread_join(th, NULL);
    }
    imr_term_rows_free(job.terms);
    if (in_txn)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    bld_free(&b);
    imr_facets_free(f);
    return rc;
}

/* Frees a store; see facets.h. */
void imr_facets_free(struct imr_facets *f)
{
    int k;

    if (f == NULL)
        return;
    free(f->item_id);
    free(f->it_det.p);
    free(f->it_len.p);
    free(f->it_dec.p);
    free(f->it_treat.p);
    free(f->it_cat.p);
    free(f->it_gl.p);
    free(f->it_pg.p);
    free(f->d_year.p);
    free(f->d_prog.p);
    free(f->d_type.p);
    free(f->d_diag.p);
    free(f->it_catv.p);
    free(f->it_subv.p);
    free(f->it_cit.p);
    free(f->d_out.p);
    free(f->d_gender.p);
    free(f->d_age.p);
    free(f->d_date.p);
    free(f->d_inj.p);
    free(f->d_rec.p);
    free(f->d_spec.p);
    free(f->d_lic.p);
    for (k = 0; k < V_COUNT; k++)
        intern_free(&f->val[k]);
    intern_free(&f->lists);
    intern_free(&f->cites);
    imr_phrase_rows_free(f->phrases);
    imr_term_rows_free(f->terms);
    imr_phrase_memo_free(f->memo);
    imr_tally_memo_free(f->tally);
    imr_rank_memo_free(f->ranked);
    imr_facets_cnt_free(f->every);
    free(f);
}

/* The state F was read from; see facets.h. */
const char *imr_facets_store_sig(const struct imr_facets *f)
{
    return f->sig;
}

/* F's rows per synonym spelling; see facets.h. */
const struct imr_phrase_rows *imr_facets_phrases(const struct imr_facets *f)
{
    return f->phrases;
}

/* F's rows per term; see facets.h. */
const struct imr_term_rows *imr_facets_terms(const struct imr_facets *f)
{
    return f->terms;
}

/* F's memo of the rows of other phrases; see facets.h. */
struct imr_phrase_memo *imr_facets_phrase_memo(const struct imr_facets *f)
{
    return f->memo;
}

/* F's memo of the counts of queries; see facets.h. */
struct imr_tally_memo *imr_facets_tally_memo(const struct imr_facets *f)
{
    return f->tally;
}

/* F's memo of the ranked candidates of queries; see facets.h. */
struct imr_rank_memo *imr_facets_rank_memo(const struct imr_facets *f)
{
    return f->ranked;
}

/* Items of F; see facets.h. */
size_t imr_facets_items(const struct imr_facets *f)
{
    return f->n_items;
}

static size_t intern_bytes(const struct intern *t)
{
    return t->cap + t->ocap * sizeof(*t->off) + t->hcap * sizeof(*t->ht);
}

/* Bytes of F's arrays and tables; see facets.h. */
size_t imr_facets_bytes(const struct imr_facets *f)
{
    size_t n = sizeof(*f) + f->n_items * sizeof(*f->item_id), k;

    n += f->n_items * (f->it_det.w + f->it_dec.w + f->it_treat.w +
                       f->it_cat.w + f->it_gl.w + f->it_pg.w);
    n += f->n_dets * (f->d_year.w + f->d_prog.w + f->d_type.w +
                      f->d_diag.w);
    for (k = 0; k < F_COUNT; k++)
        n += intern_bytes(&f->val[k]);
    if (f->every != NULL) {
        for (k = 0; k < F_COUNT; k++)
            n += (f->val[k].n + 1) * sizeof(*f->every->c[k]);
        for (k = 0; k < L_COUNT && f->every->lc[k] != NULL; k++)
            n += (f->lists.n + 1) * sizeof(*f->every->lc[k]);
    }
    return n + intern_bytes(&f->lists) + imr_facets_filter_bytes(f) +
           imr_phrase_rows_bytes(f->phrases) + imr_term_rows_bytes(f->terms) +
           imr_phrase_memo_bytes(f->memo) + imr_tally_memo_bytes(f->tally) +
           imr_rank_memo_bytes(f->ranked, NULL);
}

/* Bytes of what only the filters read; see facets.h. */
size_t imr_facets_filter_bytes(const struct imr_facets *f)
{
    size_t n, k;

    n = f->n_items * (f->it_catv.w + f->it_subv.w + f->it_cit.w +
                      f->it_len.w);
    n += f->n_dets * (f->d_out.w + f->d_gender.w + f->d_age.w +
                      f->d_date.w + f->d_inj.w + f->d_rec.w +
                      f->d_spec.w + f->d_lic.w);
    for (k = F_COUNT; k < V_COUNT; k++)
        n += intern_bytes(&f->val[k]);
    return n + intern_bytes(&f->cites);
}

/* ---- the shared slots ------------------------------------------------- */

/* Attaches to the slot of PATH's file; see facets.h. */
int imr_facets_attach(const char *path, struct imr_facets_src **out,
                      char *err)
{
    struct imr_facets_src *fs;
    struct stat st;

    *out = NULL;
    if (stat(path, &st) != 0)
        return imr_seterr(err, IMR_EIO, "%s: cannot stat", path);
    pthread_mutex_lock(&reg_mu);
    for (fs = reg; fs != NULL; fs = fs->next)
        if (fs->dev == st.st_dev && fs->ino == st.st_ino)
            break;
    if (fs == NULL) {
        fs = calloc(1, sizeof(*fs));
        if (fs == NULL || (fs->path = strdup(path)) == NULL) {
            pthread_mutex_unlock(&reg_mu);
            free(fs);
            return imr_seterr(err, IMR_ENOMEM, "out of memory");
        }
        fs->dev = st.st_dev;
        fs->ino = st.st_ino;
        fs->next = reg;
        reg = fs;
    }
    fs->refs++;
    pthread_mutex_unlock(&reg_mu);
    *out = fs;
    return IMR_OK;
}

/* Drops a store reference; call with reg_mu held. */
static void unref_locked(struct imr_facets *f)
{
    if (f != NULL && --f->refs == 0)
        imr_facets_free(f);
}

/* Detaches from a slot; see facets.h. */
void imr_facets_detach(struct imr_facets_src *fs)
{
    struct imr_facets_src **pp;
    int join;

    if (fs == NULL)
        return;
    pthread_mutex_lock(&reg_mu);
    if (--fs->refs > 0) {
        pthread_mutex_unlock(&reg_mu);
        return;
    }
    for (pp = &reg; *pp != NULL; pp = &(*pp)->next)
        if (*pp == fs) {
            *pp = fs->next;
            break;
        }
    atomic_store(&fs->stop, 1);
    join = fs->joinable;
    pthread_mutex_unlock(&reg_mu);
    if (join)
        pthread_join(fs->th, NULL);
    pthread_mutex_lock(&reg_mu);
    unref_locked(fs->cur);
    pthread_mutex_unlock(&reg_mu);
    free(fs->path);
    free(fs);
}

/* The builder thread: opens the file on its own connection, checks it
 * is still the slot's file, reads the store and publishes it. */
static void *build_main(void *arg)
{
    struct imr_facets_src *fs = arg;
    struct imr_index *ix = NULL;
    struct imr_facets *f = NULL;
    struct stat st;
    char err[IMR_ERR_LEN] = "", sig[IMR_FACETS_SIG_LEN] = "";
    int rc;

    rc = imr_index_open(fs->path, IMR_INDEX_RDONLY, &ix, err);
    if (rc == IMR_OK && (stat(fs->path, &st) != 0 ||
                         st.st_dev != fs->dev || st.st_ino != fs->ino))
        rc = IMR_EBUSY;            /* replaced meanwhile: not ours */
    if (rc == IMR_OK) {
        sqlite3_exec(imr_index_db(ix), "PRAGMA mmap_size = 1073741824",
                     NULL, NULL, NULL);
        rc = imr_facets_build(imr_index_db(ix), &fs->stop, &f, err);
        if (rc != IMR_OK && ix != NULL)
            imr_facets_sig(imr_index_db(ix), sig, NULL);
    }
    imr_index_close(ix);
    pthread_mutex_lock(&reg_mu);
    if (f != NULL) {
        f->refs = 1;               /* the slot's */
        unref_locked(fs->cur);
        fs->cur = f;
        fs->failed[0] = '\0';
    } else if (rc != IMR_ELIMIT && rc != IMR_EBUSY) {
        memcpy(fs->failed, sig, sizeof(fs->failed));
    }
    fs->building = 0;
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);
    return NULL;
}

/* The store of state SIG, or NULL and a build started; see facets.h. */
struct imr_facets *imr_facets_get(struct imr_facets_src *fs,
                                  const char *sig)
{
    struct imr_facets *f = NULL;

    if (fs == NULL || !atomic_load(&enabled))
        return NULL;
    pthread_mutex_lock(&reg_mu);
    if (fs->cur != NULL && strcmp(fs->cur->sig, sig) == 0) {
        f = fs->cur;
        f->refs++;
    } else if (!fs->building && !atomic_load(&fs->stop) &&
               strcmp(fs->failed, sig) != 0) {
        /* the last builder has published (or failed) and returns */
        if (fs->joinable)
            pthread_join(fs->th, NULL);
        fs->joinable = 0;
        fs->building = 1;
        if (pthread_create(&fs->th, NULL, build_main, fs) == 0)
            fs->joinable = 1;
        else
            fs->building = 0;
    }
    pthread_mutex_unlock(&reg_mu);
    return f;
}

/* Releases a store; see facets.h. */
void imr_facets_release(struct imr_facets_src *fs, struct imr_facets *f)
{
    (void)fs;
    if (f == NULL)
        return;
    pthread_mutex_lock(&reg_mu);
    unref_locked(f);
    pthread_mutex_unlock(&reg_mu);
}

/* Waits for the running build; see facets.h. */
void imr_facets_wait(struct imr_facets_src *fs)
{
    if (fs == NULL)
        return;
    pthread_mutex_lock(&reg_mu);
    while (fs->building)
        pthread_cond_wait(&reg_cv, &reg_mu);
    pthread_mutex_unlock(&reg_mu);
}

/* ---- counting ---------------------------------------------------------- */

/* Empty counts over F; see facets.h. */
int imr_facets_cnt_new(const struct imr_facets *f,
                       struct imr_facets_cnt **out)
{
    struct imr_facets_cnt *c = calloc(1, sizeof(*c));
    int k;

    *out = NULL;
    if (c == NULL)
        return IMR_ENOMEM;
    c->f = f;
    for (k = 0; k < F_COUNT; k++) {
        c->c[k] = calloc(f->val[k].n + 1, sizeof(*c->c[k]));
        if (c->c[k] == NULL) {
            imr_facets_cnt_free(c);
            return IMR_ENOMEM;
        }
    }
    for (k = 0; k < L_COUNT && f->by_list; k++) {
        c->lc[k] = calloc(f->lists.n + 1, sizeof(*c->lc[k]));
        if (c->lc[k] == NULL) {
            imr_facets_cnt_free(c);
            return IMR_ENOMEM;
        }
    }
    *out = c;
    return IMR_OK;
}

/* Frees counts; see facets.h. */
void imr_facets_cnt_free(struct imr_facets_cnt *c)
{
    int k;

    if (c == NULL)
        return;
    for (k = 0; k < F_COUNT; k++)
        free(c->c[k]);
    for (k = 0; k < L_COUNT; k++)
        free(c->lc[k]);
    free(c);
}

/* The index of item ID in F, searched from POS first (the ids mostly
 * come in ascending, or with ORDER BY rowid DESC descending, order), or
 * -1. */
static long long locate(const struct imr_facets *f, size_t pos,
                        long long id)
{
    size_t lo = pos, hi, step = 1;
    long long k;

    if (f->n_items == 0)
        return -1;
    if (pos >= f->n_items)
        return find_u32(f->item_id, f->n_items, id);
    {
        /* Ids are assigned in order, with gaps only where letters were
         * replaced or deleted: first try where ID is when none is
         * missing between POS and it (the ids ascend, so an equal id
         * there is ID's index). 1M letters: the search was 8% of a
         * query's CPU, one per match. */
        long long d = id - (long long)f->item_id[pos];

        if (d >= 0 ? (unsigned long long)d < f->n_items - pos
                   : (unsigned long long)-d <= pos) {
            size_t g = (size_t)((long long)pos + d);

            if ((long long)f->item_id[g] == id)
                return (long long)g;
        }
    }
    if ((long long)f->item_id[pos] > id) {
        /* descending ids: gallop backward, then bisect [lo, hi) */
        hi = pos;
        while (hi >= step && (long long)f->item_id[hi - step] > id) {
            hi -= step;
            step *= 2;
        }
        lo = hi >= step ? hi - step : 0;
        k = find_u32(f->item_id + lo, hi - lo, id);
        return k < 0 ? -1 : (long long)lo + k;
    }
    /* gallop forward from POS, then bisect [lo, hi] */
    hi = pos + 1;
    while (hi < f->n_items && (long long)f->item_id[hi] < id) {
        lo = hi;
        step *= 2;
        hi = pos + step;
    }
    if (hi >= f->n_items)
        hi = f->n_items - 1;
    k = find_u32(f->item_id + lo, hi - lo + 1, id);
    return k < 0 ? -1 : (long long)lo + k;
}

/* Adds N to the count of each value of list ID. */
static void count_list_n(uint32_t *c, const struct intern *lists,
                         uint32_t id, uint32_t n)
{
    const uint32_t *v = (const uint32_t *)(const void *)(lists->pool +
                                                         lists->off[id]);
    size_t m = (lists->off[id + 1] - lists->off[id]) / sizeof(*v), i;

    for (i = 0; i < m; i++)
        c[v[i]] += n;
}

static void count_list(uint32_t *c, const struct intern *lists,
                       uint32_t id)
{
    count_list_n(c, lists, id, 1);
}

static void count_at(struct imr_facets_cnt *c, long long k);

/* Counts one matching item; see facets.h. */
void imr_facets_cnt_add(struct imr_facets_cnt *c, long long id)
{
    long long k = locate(c->f, c->pos, id);

    if (k < 0)
        return;
    c->pos = (size_t)k;
    count_at(c, k);
}

/* Adds SRC's counts to DST; see facets.h. */
/* DST += SRC, or DST -= SRC with SUB: every count times 1 or 2^32 - 1
 * (unsigned: the sums come out right however they wrap between). */
static void cnt_combine(struct imr_facets_cnt *dst,
                        const struct imr_facets_cnt *src, int sub)
{
    const uint32_t m = sub ? UINT32_MAX : 1;
    size_t i;
    int k;

    for (k = 0; k < F_COUNT; k++)
        for (i = 0; i <= dst->f->val[k].n; i++)
            dst->c[k][i] += m * src->c[k][i];
    for (k = 0; k < L_COUNT && dst->lc[k] != NULL; k++)
        for (i = 0; i <= dst->f->lists.n; i++)
            dst->lc[k][i] += m * src->lc[k][i];
    dst->total += sub ? -src->total : src->total;
}

void imr_facets_cnt_merge(struct imr_facets_cnt *dst,
                          const struct imr_facets_cnt *src)
{
    cnt_combine(dst, src, 0);
}

/* Counts the item at index K of the store. */
static void count_at(struct imr_facets_cnt *c, long long k)
{
    const struct imr_facets *f = c->f;
    uint32_t det, v;

    c->total++;
    if ((v = pcol_get(&f->it_dec, (size_t)k)) > 0)
        c->c[F_DECISION][v - 1]++;
    if ((v = pcol_get(&f->it_treat, (size_t)k)) > 0)
        c->c[F_TREATMENT][v - 1]++;
    if ((v = pcol_get(&f->it_cat, (size_t)k)) > 0)
        c->c[F_CATEGORY][v - 1]++;
    det = pcol_get(&f->it_det, (size_t)k);
    if ((v = pcol_get(&f->d_year, det)) > 0)
        c->c[F_YEAR][v - 1]++;
    if ((v = pcol_get(&f->d_prog, det)) > 0)
        c->c[F_PROGRAM][v - 1]++;
    if ((v = pcol_get(&f->d_type, det)) > 0)
        c->c[F_TYPE][v - 1]++;
    if (c->lc[0] != NULL) {
        c->lc[L_GUIDELINE][pcol_get(&f->it_gl, (size_t)k)]++;
        c->lc[L_PAGE][pcol_get(&f->it_pg, (size_t)k)]++;
        c->lc[L_DIAGNOSIS][pcol_get(&f->d_diag, det)]++;
        return;
    }
    count_list(c->c[F_GUIDELINE], &f->lists, pcol_get(&f->it_gl,
                                                      (size_t)k));
    count_list(c->c[F_PAGE], &f->lists, pcol_get(&f->it_pg, (size_t)k));
    count_list(c->c[F_DIAGNOSIS], &f->lists, pcol_get(&f->d_diag, det));
}

/* Counts the items at indexes FROM to TO - 1; see facets.h. */
void imr_facets_cnt_add_range(struct imr_facets_cnt *c, size_t from,
                              size_t to)
{
    for (; from < to && from < c->f->n_items; from++)
        count_at(c, (long long)from);
}

/* Takes SRC's counts from DST; see facets.h. */
void imr_facets_cnt_sub(struct imr_facets_cnt *dst,
                        const struct imr_facets_cnt *src)
{
    cnt_combine(dst, src, 1);
}

/* The counts of every item; see facets.h. */
const struct imr_facets_cnt *imr_facets_cnt_every(const struct imr_facets *f)
{
    return f->every;
}

/* Items counted; see facets.h. */
long long imr_facets_cnt_total(const struct imr_facets_cnt *c)
{
    return c->total;
}

/* A value and its count, while choosing the top ones. */
struct ent {
    uint32_t id, n;
    const char *s;
    long long y;              /* the year */
};

/* Does A come before B? Count descending then value ascending (bytes,
 * as SQLite's BINARY collation); years newest first. */
static int before(const struct ent *a, const struct ent *b, int year)
{
    if (year)
        return a->y > b->y;
    if (a->n != b->n)
        return a->n > b->n;
    return strcmp(a->s, b->s) < 0;
}

/* The facets as JSON; see facets.h. */
json_t *imr_facets_cnt_json(const struct imr_facets_cnt *c, int top)
{
    const struct imr_facets *f = c->f;
    json_t *out = json_object();
    struct ent *best = NULL;
    uint32_t *by_list[F_COUNT] = {NULL};
    const uint32_t *cnt;
    size_t cap = 0, l;
    int k;

    if (out == NULL)
        return NULL;
    /* the counts by list (struct imr_facets_cnt) go to their values */
    for (l = 0; l < L_COUNT && c->lc[l] != NULL; l++) {
        uint32_t *e;
        size_t i;

        k = list_facet[l];
        if ((e = malloc((f->val[k].n + 1) * sizeof(*e))) == NULL)
            goto oom;
        memcpy(e, c->c[k], (f->val[k].n + 1) * sizeof(*e));
        for (i = 0; i < f->lists.n; i++)
            if (c->lc[l][i] != 0)
                count_list_n(e, &f->lists, (uint32_t)i, c->lc[l][i]);
        by_list[k] = e;
    }
    for (k = 0; k < F_COUNT; k++) {
        const struct intern *t = &f->val[k];
        size_t lim = k == F_PROGRAM ? t->n : (size_t)(top > 0 ? top : 0);
        size_t nb = 0, i, j;
        json_t *arr = json_array();

        cnt = by_list[k] != NULL ? by_list[k] : c->c[k];
        if (arr == NULL || json_object_set_new(out, facet_names[k], arr))
            goto oom;
        if (lim > cap) {
            struct ent *p = realloc(best, lim * sizeof(*p));

            if (p == NULL)
                goto oom;
            best = p;
            cap = lim;
        }
        /* insertion into the sorted top LIM */
        for (i = 0; i < t->n && lim > 0; i++) {
            struct ent e;

            if (cnt[i] == 0)
                continue;
            e.id = (uint32_t)i;
            e.n = cnt[i];
            e.s = intern_str(t, (uint32_t)i);
            e.y = k == F_YEAR ? strtoll(e.s, NULL, 10) : 0;
            if (nb == lim && !before(&e, &best[nb - 1], k == F_YEAR))
                continue;
            j = nb < lim ? nb++ : nb - 1;
            while (j > 0 && before(&e, &best[j - 1], k == F_YEAR)) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = e;
        }
        for (i = 0; i < nb; i++) {
            json_t *v = k == F_YEAR ? json_integer(best[i].y) :
                        json_string(best[i].s);

            if (json_array_append_new(arr, json_pack("{s:o, s:I}", "value",
                                      v, "count",
                                      (json_int_t)best[i].n)))
                goto oom;
        }
    }
    free(best);
    for (k = 0; k < F_COUNT; k++)
        free(by_list[k]);
    atomic_fetch_add(&served, 1);
    return out;
oom:
    free(best);
    for (k = 0; k < F_COUNT; k++)
        free(by_list[k]);
    json_decref(out);
    return NULL;
}

/* ---- filters ------------------------------------------------------------ */

/* One compiled filter: what filter_sql (lib/search.c) tests, over the
 * store's value ids. */
struct fq {
    const struct imr_qfilter *src;
    uint8_t *bits;            /* by value id + 1: the value matches */
    uint8_t *bybits;          /* CITE with by: the by values that match */
    uint8_t *chbits;          /* CITE with chapter: by X_CDS id */
    int acoem;                /* CITE: the ACOEM document also matches */
    long lo, hi;              /* AGE, dates: inclusive bounds (codes) */
    int has_lo, has_hi;
    /* CITE and BY (by citation-fact set), DIAGNOSIS, SPECIALTY and
     * LICENSURE (by name list): the test of each interned set, made the
     * first time an item has it (0: not yet, else result + 1). Items
     * share few sets (1M letters: 463 citation sets, 124 lists), so a
     * scan of every item tests each set once instead of once per item
     * (page:49 at 1M: 35 -> 14 ms of CPU). Two threads may both fill an
     * entry, with the same value: relaxed atomics. */
    _Atomic unsigned char *memo;
};

struct imr_facets_q {
    const struct imr_facets *f;
    struct fq *q;             /* grouped: the members of an OR together */
    size_t n;
    size_t *unit;             /* start of each unit (a filter or a group) */
    size_t n_units;
};

/* ASCII case-insensitive equality, as SQLite's NOCASE. */
static int nocase_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;

        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* Does S contain V, ASCII case-insensitively (SQLite's LIKE '%V%' with
 * V's wildcards escaped)? */
static int like_contains(const char *s, const char *v)
{
    size_t n = strlen(v), i;

    for (; ; s++) {
        for (i = 0; i < n; i++) {
            int x = (unsigned char)s[i], y = (unsigned char)v[i];

            if (x >= 'A' && x <= 'Z')
                x += 32;
            if (y >= 'A' && y <= 'Z')
                y += 32;
            if (x != y)
                break;
        }
        if (i == n)
            return 1;
        if (*s == '\0')
            return 0;
    }
}

enum { BITS_EQ, BITS_LIKE, BITS_NOCASE, BITS_YEAR };

/* The values of table T matching (HOW) V, or N..HI for years: one byte
 * per value id + 1. NULL when out of memory. */
static uint8_t *value_bits(const struct intern *t, int how, const char *v,
                           long lo, long hi)
{
    uint8_t *b = calloc(t->n + 1, 1);
    size_t i;

    if (b == NULL)
        return NULL;
    for (i = 0; i < t->n; i++) {
        const char *s = intern_str(t, (uint32_t)i);
        long long y;

        switch (how) {
        case BITS_EQ:
            b[i + 1] = strcmp(s, v) == 0;
            break;
        case BITS_LIKE:
            b[i + 1] = (uint8_t)like_contains(s, v);
            break;
        case BITS_NOCASE:
            b[i + 1] = (uint8_t)nocase_eq(s, v);
            break;
        default:
            y = strtoll(s, NULL, 10);
            b[i + 1] = y >= lo && y <= hi;
            break;
        }
    }
    return b;
}

/* A date bound as a code, for "col >= LO" (HI = 0) or "col <= HI"
 * (HI = 1) compared as text: LO/HI is 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
 * with month and day 00-99 (lib/query.c pads an upper bound with 99).
 * Stored dates are valid (the store holds no other), so the bound
 * becomes the code of the first (last) valid date at or after (before)
 * it. -1 when the bound has another form (the query then takes the SQL
 * path). */
static int bound_code(const char *s, int hi, long *out)
{
    size_t n = s != NULL ? strlen(s) : 0, i;
    long y, m = 0, d = 0;

    if (n != 4 && n != 7 && n != 10)
        return -1;
    for (i = 0; i < n; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return -1;
    y = strtol(s, NULL, 10);
    if (n >= 7)
        m = (s[5] - '0') * 10 + (s[6] - '0');
    if (n == 10)
        d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!hi) {                /* the first valid date >= (y, m, d) */
        if (m == 0)
            m = d = 1;
        else if (m > 12) {
            y++;
            m = d = 1;
        } else if (d == 0)
            d = 1;
        else if (d > 31) {
            d = 1;
            if (++m > 12) {
                y++;
                m = 1;
            }
        }
    } else {                  /* the last valid date <= (y, m, d) */
        if (m == 0) {
            y--;
            m = 12;
            d = 31;
        } else if (m > 12) {
            m = 12;
            d = 31;
        } else if (d == 0) {
            d = 31;
            if (--m == 0) {
                y--;
                m = 12;
            }
        } else if (d > 31)
            d = 31;
    }
    if (y < DATE_Y0)
        *out = -1;            /* before every stored date */
    else if (y > DATE_Y1)
        *out = (DATE_Y1 - DATE_Y0 + 1) * 372L;   /* after every one */
    else
        *out = (y - DATE_Y0) * 372 + (m - 1) * 31 + d - 1;
    return 0;
}

/* The (chapter, document, sections) entries of T that a chapter filter
 * V matches, one byte per id: filter_sql's "chapter = V OR chapter LIKE
 * 'V %' OR chapter LIKE '%V%' OR document LIKE '%V%' OR sections LIKE
 * '%V%'" is "one of the three contains V" (the first two imply the
 * third); a NULL column matches nothing. NULL when out of memory. */
static uint8_t *chapter_bits(const struct intern *t, const char *v)
{
    uint8_t *b = calloc(t->n + 1, 1);
    size_t i;
    int col;

    if (b == NULL)
        return NULL;
    for (i = 0; i < t->n; i++) {
        const char *e = intern_str(t, (uint32_t)i);

        for (col = 0; col < 3 && !b[i]; col++) {
            b[i] = e[0] == '1' && like_contains(e + 1, v);
            e += strlen(e) + 1;
        }
    }
    return b;
}

/* Compiles one filter into Q; 1 when the store cannot test it. */
static int fq_compile(const struct imr_facets *f, struct fq *q,
                      const struct imr_qfilter *s)
{
    const struct intern *t = NULL;
    int how = BITS_EQ, bad = 0;

    memset(q, 0, sizeof(*q));
    q->src = s;
    switch (s->field) {
    case IMR_QF_DECISION:
        t = &f->val[F_DECISION];
        break;
    case IMR_QF_OUTCOME:
        t = &f->val[X_OUTCOME];
        break;
    case IMR_QF_GENDER:
        t = &f->val[X_GENDER];
        break;
    case IMR_QF_PROGRAM:
        t = &f->val[F_PROGRAM];
        break;
    case IMR_QF_TYPE:
        t = &f->val[F_TYPE];
        how = BITS_LIKE;
        break;
    case IMR_QF_CATEGORY:
        t = &f->val[X_CATV];
        how = BITS_LIKE;
        break;
    case IMR_QF_SUBCATEGORY:
        t = &f->val[X_SUBV];
        how = BITS_LIKE;
        break;
    case IMR_QF_DIAGNOSIS:
        t = &f->val[F_DIAGNOSIS];
        how = BITS_LIKE;
        break;
    case IMR_QF_SPECIALTY:
        t = &f->val[X_SPEC];
        how = BITS_LIKE;
        break;
    case IMR_QF_LICENSURE:
        t = &f->val[X_LIC];
        how = BITS_LIKE;
        break;
    case IMR_QF_BY:
        if (f->bad_cites)
            return 1;
        t = &f->val[X_BY];
        break;
    case IMR_QF_YEAR:
        q->bits = value_bits(&f->val[F_YEAR], BITS_YEAR, NULL, s->nlo,
                             s->nhi);
        return q->bits == NULL ? IMR_ENOMEM : IMR_OK;
    case IMR_QF_AGE:
        q->lo = s->nlo;
        q->hi = s->nhi;
        return f->bad_age ? 1 : IMR_OK;
    case IMR_QF_DATE:
    case IMR_QF_INJURED:
    case IMR_QF_RECEIVED:
        bad = s->field == IMR_QF_DATE ? f->bad_date :
              s->field == IMR_QF_INJURED ? f->bad_inj : f->bad_rec;
        q->has_lo = s->lo != NULL;
        q->has_hi = s->hi != NULL;
        if (bad || (s->lo != NULL && bound_code(s->lo, 0, &q->lo) != 0) ||
            (s->hi != NULL && bound_code(s->hi, 1, &q->hi) != 0))
            return 1;
        return IMR_OK;
    case IMR_QF_CITE:
        if (f->bad_cites)
            return 1;
        if (s->chapter != NULL &&
            (q->chbits = chapter_bits(&f->val[X_CDS], s->chapter)) == NULL)
            return IMR_ENOMEM;
        if (s->guideline != NULL) {
            q->bits = value_bits(&f->val[F_GUIDELINE], BITS_NOCASE,
                                 s->guideline, 0, 0);
            if (q->bits == NULL)
                return IMR_ENOMEM;
            /* SQLite's upper() folds ASCII only */
            q->acoem = nocase_eq(s->guideline, "ACOEM");
        }
        if (s->by != NULL) {
            q->bybits = value_bits(&f->val[X_BY], BITS_EQ, s->by, 0, 0);
            if (q->bybits == NULL)
                return IMR_ENOMEM;
        }
        return IMR_OK;
    default:                  /* case: */
        return 1;
    }
    if (s->value == NULL)
        return 1;
    q->bits = value_bits(t, how, s->value, 0, 0);
    return q->bits == NULL ? IMR_ENOMEM : IMR_OK;
}

/* Q's memo (struct fq), for the filters that test an interned set. */
static int fq_memo_new(const struct imr_facets *f, struct fq *q)
{
    size_t n;

    switch (q->src->field) {
    case IMR_QF_CITE:
    case IMR_QF_BY:
        n = f->cites.n;
        break;
    case IMR_QF_DIAGNOSIS:
    case IMR_QF_SPECIALTY:
    case IMR_QF_LICENSURE:
        n = f->lists.n;
        break;
    default:
        return IMR_OK;
    }
    q->memo = calloc(n > 0 ? n : 1, sizeof(*q->memo));
    return q->memo == NULL ? IMR_ENOMEM : IMR_OK;
}

/* Frees compiled filters; see facets.h. */
void imr_facets_q_free(struct imr_facets_q *q)
{
    size_t i;

    if (q == NULL)
        return;
    for (i = 0; i < q->n; i++) {
        free(q->q[i].bits);
        free(q->q[i].bybits);
        free(q->q[i].chbits);
        free((void *)(uintptr_t)q->q[i].memo);
    }
    free(q->q);
    free(q->unit);
    free(q);
}

/* Compiles the filters of a query over F; see facets.h. */
int imr_facets_q_new(const struct imr_facets *f,
                     const struct imr_qfilter *filters, size_t n,
                     struct imr_facets_q **out)
{
    struct imr_facets_q *q = NULL;
    size_t i, k, m = 0;
    int rc = IMR_OK;

    *out = NULL;
    if (f->bad_date)          /* the hits are ordered by the date */
        return IMR_OK;
    q = calloc(1, sizeof(*q));
    if (q == NULL || (q->q = calloc(n + 1, sizeof(*q->q))) == NULL ||
        (q->unit = calloc(n + 1, sizeof(*q->unit))) == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    q->f = f;
    /* units: a filter on its own, or every member of its OR group
     * (written where the first member is, as from_where does) */
    for (i = 0; i < n; i++) {
        if (filters[i].any_of != 0) {
            for (k = 0; k < i && filters[k].any_of != filters[i].any_of;
                 k++)
                ;
            if (k < i)
                continue;
        }
        q->unit[q->n_units++] = m;
        for (k = i; k < n; k++) {
            if (k != i && (filters[i].any_of == 0 ||
                           filters[k].any_of != filters[i].any_of))
                continue;
            rc = fq_compile(f, &q->q[m], &filters[k]);
            if (rc == IMR_OK)
                rc = fq_memo_new(f, &q->q[m]);
            q->n = ++m;
            if (rc != IMR_OK)
                goto done;
            if (filters[i].any_of == 0)
                break;
        }
    }
    q->unit[q->n_units] = m;
done:
    if (rc == IMR_OK) {
        *out = q;
        return IMR_OK;
    }
    imr_facets_q_free(q);
    return rc > 0 ? IMR_OK : rc;
}

/* The words of citation-fact set ID, and their count. */
static const uint32_t *cite_words(const struct imr_facets *f, uint32_t id,
                                  size_t *n)
{
    *n = (f->cites.off[id + 1] - f->cites.off[id]) / sizeof(uint32_t);
    return (const uint32_t *)(const void *)(f->cites.pool +
                                            f->cites.off[id]);
}

/* Does a citation of citation-fact set ID satisfy Q (CITE or BY)? */
static int cite_test(const struct imr_facets *f, const struct fq *q,
                     uint32_t id)
{
    const struct imr_qfilter *s = q->src;
    size_t n, i = 0, p, np, r;
    const uint32_t *w = cite_words(f, id, &n);

    while (i + 3 <= n) {
        uint32_t gl = w[i], by = w[i + 1] & 127, cds = w[i + 2];
        int doc = (w[i + 1] & 128) != 0, ok = 1;

        np = w[i + 1] >> 8;
        if (s->field == IMR_QF_BY)
            ok = q->bits[by];
        else {
            if (s->guideline != NULL && !q->bits[gl] &&
                !(q->acoem && doc))
                ok = 0;
            if (ok && s->by != NULL && !q->bybits[by])
                ok = 0;
            if (ok && s->chapter != NULL && !q->chbits[cds])
                ok = 0;
            if (ok && s->n_pages > 0) {
                ok = 0;
                for (p = 0; p < np && !ok; p++) {
                    long a = (int32_t)w[i + 3 + 2 * p];
                    long z = (int32_t)w[i + 4 + 2 * p];

                    for (r = 0; r < s->n_pages && !ok; r++)
                        ok = a <= s->pages[r].to && z >= s->pages[r].from;
                }
            }
        }
        if (ok)
            return 1;
        i += 3 + 2 * np;
    }
    return 0;
}

/* Does name list ID (diagnoses, specialties or licensure) hold a name
 * Q matches? */
static int list_test(const struct imr_facets *f, const struct fq *q,
                     uint32_t id)
{
    const uint32_t *w = (const uint32_t *)(const void *)(
        f->lists.pool + f->lists.off[id]);
    size_t n = (f->lists.off[id + 1] - f->lists.off[id]) / sizeof(*w), i;

    for (i = 0; i < n; i++)
        if (q->bits[w[i] + 1])
            return 1;
    return 0;
}

/* TEST (list_test or cite_test) of interned set ID under Q, made once
 * per query (struct fq: memo). */
static int memo_test(const struct imr_facets *f, const struct fq *q,
                     uint32_t id,
                     int (*test)(const struct imr_facets *,
                                 const struct fq *, uint32_t))
{
    unsigned char m = atomic_load_explicit(&q->memo[id],
                                           memory_order_relaxed);
    int r;

    if (m != 0)
        return m - 1;
    r = test(f, q, id);
    atomic_store_explicit(&q->memo[id], (unsigned char)(r + 1),
                          memory_order_relaxed);
    return r;
}

/* The column filter field FIELD reads, with *DET set when it is the
 * letter's (read at the item's letter) rather than the item's; NULL for
 * a field the store does not test (case:). */
static const struct pcol *field_col(const struct imr_facets *f, int field,
                                    int *det)
{
    *det = 1;
    switch (field) {
    case IMR_QF_OUTCOME:
        return &f->d_out;
    case IMR_QF_GENDER:
        return &f->d_gender;
    case IMR_QF_PROGRAM:
        return &f->d_prog;
    case IMR_QF_TYPE:
        return &f->d_type;
    case IMR_QF_YEAR:
        return &f->d_year;
    case IMR_QF_AGE:
        return &f->d_age;
    case IMR_QF_DATE:
        return &f->d_date;
    case IMR_QF_INJURED:
        return &f->d_inj;
    case IMR_QF_RECEIVED:
        return &f->d_rec;
    case IMR_QF_DIAGNOSIS:
        return &f->d_diag;
    case IMR_QF_SPECIALTY:
        return &f->d_spec;
    case IMR_QF_LICENSURE:
        return &f->d_lic;
    default:
        break;
    }
    *det = 0;
    switch (field) {
    case IMR_QF_DECISION:
        return &f->it_dec;
    case IMR_QF_CATEGORY:
        return &f->it_catv;
    case IMR_QF_SUBCATEGORY:
        return &f->it_subv;
    case IMR_QF_CITE:
    case IMR_QF_BY:
        return &f->it_cit;
    default:
        return NULL;
    }
}

/* fq_test's result before negation (1 true, 0 false, 2 NULL) for value
 * V of filter Q's column, by kind of field: an age range, a date range,
 * a value id (0 is NULL). Macros, so that fq_pass's loops inline them. */
#define AGE_R(q, v)                                                     \
    ((v) == 0 ? 2u : (unsigned)((long)(v) - 1 >= (q)->lo &&             \
                                (long)(v) - 1 <= (q)->hi))
/* "col IS NOT NULL AND ...": false, never NULL */
#define DATE_R(q, v)                                                    \
    ((unsigned)((v) != 0 && (!(q)->has_lo || (long)(v) - 1 >= (q)->lo) && \
                (!(q)->has_hi || (long)(v) - 1 <= (q)->hi)))
#define VALUE_R(q, v) ((v) == 0 ? 2u : (unsigned)(q)->bits[(v)])

/* The same for every field: name lists and citation facts are interned
 * sets, tested once each (memo_test). */
static int value_r(const struct imr_facets *f, const struct fq *q,
                   uint32_t v)
{
    switch (q->src->field) {
    case IMR_QF_AGE:
        return (int)AGE_R(q, v);
    case IMR_QF_DATE:
    case IMR_QF_INJURED:
    case IMR_QF_RECEIVED:
        return (int)DATE_R(q, v);
    case IMR_QF_DIAGNOSIS:
    case IMR_QF_SPECIALTY:
    case IMR_QF_LICENSURE:
        return memo_test(f, q, v, list_test);
    case IMR_QF_CITE:
    case IMR_QF_BY:
        return memo_test(f, q, v, cite_test);
    default:
        return (int)VALUE_R(q, v);
    }
}

/* 1 true, 0 false, 2 NULL: filter Q (negation included) on item K. */
static int fq_test(const struct imr_facets *f, const struct fq *q,
                   size_t k)
{
    const struct pcol *col;
    uint32_t v = 0;
    int det, r;

    col = field_col(f, q->src->field, &det);
    if (col != NULL)
        v = pcol_get(col, det ? pcol_get(&f->it_det, k) : k);
    r = value_r(f, q, v);
    if (q->src->negate && r != 2)
        r = !r;
    return r;
}

/* Does unit U (a filter, or an OR group) of Q pass item K? */
static int unit_test(const struct imr_facets_q *q, size_t u, size_t k)
{
    size_t a = q->unit[u], z = q->unit[u + 1], i;

    if (q->q[a].src->any_of == 0)
        return fq_test(q->f, &q->q[a], k) == 1;
    for (i = a; i < z; i++)
        if (fq_test(q->f, &q->q[i], k) == 1)
            return 1;
    return 0;
}

/* Whether item K passes every filter; see facets.h. */
int imr_facets_q_test(const struct imr_facets_q *q, size_t k)
{
    size_t u;

    /* a unit "(0 OR a OR b ...)" is true when one member is */
    for (u = 0; u < q->n_units; u++)
        if (!unit_test(q, u, k))
            return 0;
    return 1;
}

/* Keeps, of the items at indexes LO..HI-1 (IN NULL) or of the N indexes
 * IN, those that pass filter Q (fq_test == 1): their indexes into OUT,
 * which may be IN; returns how many. The column and the kind of test are
 * chosen once, then one tight loop per kind computes fq_test's result R
 * for each item and appends without a branch. */
static size_t fq_pass(const struct imr_facets *f, const struct fq *q,
                      size_t lo, size_t hi, const uint32_t *in, size_t n,
                      uint32_t *out)
{
    int det;
    const struct pcol *col = field_col(f, q->src->field, &det);
    unsigned neg = q->src->negate ? 1u : 0u;
    size_t m = 0, i, k, count = in != NULL ? n : hi - lo;
    uint32_t v;
    unsigned r;

#define LOOP(AT, R)                                                     \
    for (i = 0; i < count; i++) {                                       \
        k = in != NULL ? (size_t)in[i] : lo + i;                        \
        v = pcol_get(col, (AT));                                        \
        r = (R);                                                        \
        out[m] = (uint32_t)k;                                           \
        m += (r != 2) & (r ^ neg);                                      \
    }
#define EACH(R)                                                         \
    if (det) {                /* the letter's column */                 \
        LOOP(pcol_get(&f->it_det, k), R)                                \
    } else {                                                            \
        LOOP(k, R)                                                      \
    }
    if (col == NULL) {        /* as fq_test decides: not the store's */
        for (i = 0; i < count; i++) {
            k = in != NULL ? (size_t)in[i] : lo + i;
            out[m] = (uint32_t)k;
            m += fq_test(f, q, k) == 1;
        }
        return m;
    }
    switch (q->src->field) {
    case IMR_QF_AGE:
        EACH(AGE_R(q, v))
        break;
    case IMR_QF_DATE:
    case IMR_QF_INJURED:
    case IMR_QF_RECEIVED:
        EACH(DATE_R(q, v))
        break;
    case IMR_QF_DIAGNOSIS:
    case IMR_QF_SPECIALTY:
    case IMR_QF_LICENSURE:
        EACH((unsigned)memo_test(f, q, v, list_test))
        break;
    case IMR_QF_CITE:
    case IMR_QF_BY:
        EACH((unsigned)memo_test(f, q, v, cite_test))
        break;
    default:
        EACH(VALUE_R(q, v))
        break;
    }
#undef EACH
#undef LOOP
    return m;
}

/* The items of LO..HI-1 passing every filter; see facets.h. */
size_t imr_facets_q_pass(const struct imr_facets_q *q, size_t lo,
                         size_t hi, uint32_t *out)
{
    size_t n = hi - lo, k, u, i;

    for (u = 0; u < q->n_units && n > 0; u++) {
        const struct fq *q0 = &q->q[q->unit[u]];
        const uint32_t *in = u == 0 ? NULL : out;

        if (q0->src->any_of == 0) {
            n = fq_pass(q->f, q0, lo, hi, in, n, out);
            continue;
        }
        /* an OR group: item by item */
        for (i = 0, k = 0; i < n; i++) {
            size_t x = in != NULL ? in[i] : lo + i;

            out[k] = (uint32_t)x;
            k += (size_t)unit_test(q, u, x);
        }
        n = k;
    }
    if (q->n_units == 0)
        for (k = lo; k < hi; k++)
            out[k - lo] = (uint32_t)k;
    return n;
}

/* The index of item ID; see facets.h. */
long long imr_facets_index(const struct imr_facets *f, size_t *pos,
                           long long id)
{
    long long k = locate(f, *pos, id);

    if (k >= 0)
        *pos = (size_t)k;
    return k;
}

/* The index of the first item whose id is ID or more; see facets.h. */
size_t imr_facets_lower(const struct imr_facets *f, long long id)
{
    size_t lo = 0, hi = f->n_items;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((long long)f->item_id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Item id at index K; see facets.h. */
long long imr_facets_item_id(const struct imr_facets *f, size_t k)
{
    return f->item_id[k];
}

/* Tokens in item K's full text, or -1; see facets.h. */
long long imr_facets_doclen(const struct imr_facets *f, size_t k)
{
    return f->it_len.p != NULL ? (long long)pcol_get(&f->it_len, k) - 1
                               : -1;
}

/* The decision date order of item K; see facets.h. */
unsigned imr_facets_date(const struct imr_facets *f, size_t k)
{
    return pcol_get(&f->d_date, pcol_get(&f->it_det, k));
}

/* Counts the item at index K; see facets.h. */
void imr_facets_cnt_add_at(struct imr_facets_cnt *c, size_t k)
{
    count_at(c, (long long)k);
}
