/* The snippets of hits from their own text, as FTS5's snippet() makes
 * them; see lib/snippet.h. The steps follow SQLite's fts5_aux.c (3.40):
 * the phrase instances of the row in (column, offset, phrase) order, a
 * window of TOKENS tokens scored at each instance and at the start of its
 * sentence, and the highlight of the coalesced instances inside the best
 * window. tests/unit/test_snippet.c checks them against snippet() itself. */
#include "snippet.h"

#include "imr/buf.h"
#include "imr/imr.h"
#include "imr/index.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct imr_snip_tok {
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
};

/* One phrase of the expression: its tokens as the tokenizer stems them,
 * the last one a prefix with PREFIX, looked for in the columns of MASK. */
struct phrase {
    char **tok;
    int *len;
    int n;
    int prefix;
    unsigned mask;
};

enum { N_PHRASE, N_AND, N_OR, N_NOT };

/* A node of the expression: a phrase, or an operator over nodes L and R
 * (NOT: L and not R). */
struct node {
    int type;
    int l, r;
    int phrase;
};

struct imr_snip {
    struct imr_snip_tok *t;
    struct phrase *ph;
    int nph, cap_ph;
    struct node *nd;
    int nnd, cap_nd;
    int root;
    size_t ncol;
    const char *cols[IMR_SNIP_MAX_COLS];
};

int imr_snip_tok_open(sqlite3 *db, struct imr_snip_tok **out, char *err)
{
    char spec[] = IMR_FTS_TOKENIZE, *save = NULL, *w;
    const char *argv[8];
    int argc = 0;
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    struct imr_snip_tok *t;
    void *ud = NULL;
    int rc;

    *out = NULL;
    for (w = strtok_r(spec, " ", &save); w != NULL && argc < 8;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    /* FTS5 hands out its API through a pointer-passing function */
    rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr",
                                  NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_ROW)
        rc = SQLITE_ERROR;
    sqlite3_finalize(st);
    if (rc != SQLITE_OK || api == NULL)
        return imr_seterr(err, IMR_EDB, "snippet: FTS5 is not available");
    if ((t = calloc(1, sizeof(*t))) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    if (api->xFindTokenizer(api, argv[0], &ud, &t->api) != SQLITE_OK ||
        t->api.xCreate(ud, argv + 1, argc - 1, &t->tok) != SQLITE_OK) {
        free(t);
        return imr_seterr(err, IMR_EDB, "snippet: no FTS5 tokenizer '%s'",
                          IMR_FTS_TOKENIZE);
    }
    *out = t;
    return IMR_OK;
}

void imr_snip_tok_close(struct imr_snip_tok *t)
{
    if (t == NULL)
        return;
    t->api.xDelete(t->tok);
    free(t);
}

/* ---- the expression ------------------------------------------------ */

enum { L_END, L_LP, L_RP, L_COLON, L_STAR, L_STRING, L_WORD, L_AND, L_OR,
       L_NOT, L_OTHER };

struct parser {
    struct imr_snip *sn;
    const char *p;
    int lex;               /* the current token */
    char *text;            /* its text (L_STRING, L_WORD), malloc */
    int rc;                /* IMR_OK, IMR_EINVAL (unsupported), ... */
    char *err;
};

static int bareword_char(unsigned char c)
{
    return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') ||
           (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void fail(struct parser *ps, int rc)
{
    if (ps->rc == IMR_OK)
        ps->rc = rc;
}

/* Reads the next token into ps->lex (and ps->text). */
static void next(struct parser *ps)
{
    const char *p = ps->p;
    struct imr_buf b = IMR_BUF_INIT;

    free(ps->text);
    ps->text = NULL;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    switch (*p) {
    case '\0': ps->lex = L_END; break;
    case '(': ps->lex = L_LP; p++; break;
    case ')': ps->lex = L_RP; p++; break;
    case ':': ps->lex = L_COLON; p++; break;
    case '*': ps->lex = L_STAR; p++; break;
    case '"':
        for (p++; *p != '\0'; p++) {
            if (*p == '"') {
                if (p[1] != '"')
                    break;
                p++;                        /* "" is a quote */
            }
            imr_buf_addc(&b, *p);
        }
        if (*p != '"') {
            fail(ps, IMR_EINVAL);
            ps->lex = L_OTHER;
            imr_buf_free(&b);
            break;
        }
        p++;
        ps->lex = L_STRING;
        if ((ps->text = imr_buf_take(&b)) == NULL)
            fail(ps, IMR_ENOMEM);
        break;
    default:
        if (!bareword_char((unsigned char)*p)) {
            ps->lex = L_OTHER;
            p++;
            break;
        }
        while (bareword_char((unsigned char)*p))
            imr_buf_addc(&b, *p++);
        if ((ps->text = imr_buf_take(&b)) == NULL) {
            fail(ps, IMR_ENOMEM);
            ps->lex = L_OTHER;
            break;
        }
        /* the operators are upper case only; NEAR is not compiled */
        ps->lex = strcmp(ps->text, "AND") == 0 ? L_AND :
                  strcmp(ps->text, "OR") == 0 ? L_OR :
                  strcmp(ps->text, "NOT") == 0 ? L_NOT :
                  strcmp(ps->text, "NEAR") == 0 ? L_OTHER : L_WORD;
    }
    ps->p = p;
}

/* Makes room at *P (*CAP elements of SIZE bytes) for element N, doubling;
 * -1 when out of memory (*P unchanged). */
static int grow(void **p, int *cap, int n, size_t size)
{
    void *np;
    int ncap;

    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 64;
    if ((np = realloc(*p, (size_t)ncap * size)) == NULL)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

static int add_node(struct parser *ps, int type, int l, int r, int phrase)
{
    struct imr_snip *sn = ps->sn;

    if (ps->rc != IMR_OK)
        return -1;
    if (grow((void **)&sn->nd, &sn->cap_nd, sn->nnd, sizeof(*sn->nd))) {
        fail(ps, IMR_ENOMEM);
        return -1;
    }
    sn->nd[sn->nnd] = (struct node){type, l, r, phrase};
    return sn->nnd++;
}

/* Tokenizer callback of a phrase: appends the token to the phrase. */
static int phrase_cb(void *ctx, int tflags, const char *tok, int n,
                     int so, int eo)
{
    struct phrase *ph = ctx;
    char **t;
    int *len;

    (void)so;
    (void)eo;
    if (tflags & FTS5_TOKEN_COLOCATED)
        return SQLITE_MISMATCH;              /* not compiled: synonyms */
    t = realloc(ph->tok, (size_t)(ph->n + 1) * sizeof(*t));
    if (t == NULL)
        return SQLITE_NOMEM;
    ph->tok = t;
    len = realloc(ph->len, (size_t)(ph->n + 1) * sizeof(*len));
    if (len == NULL)
        return SQLITE_NOMEM;
    ph->len = len;
    if ((t[ph->n] = malloc((size_t)n + 1)) == NULL)
        return SQLITE_NOMEM;
    memcpy(t[ph->n], tok, (size_t)n);
    t[ph->n][n] = '\0';
    len[ph->n++] = n;
    return SQLITE_OK;
}

/* A phrase of text TEXT (prefix with PREFIX) in the columns of MASK. */
static int add_phrase(struct parser *ps, const char *text, int prefix,
                      unsigned mask)
{
    struct imr_snip *sn = ps->sn;
    struct phrase *ph;
    int rc;

    if (ps->rc != IMR_OK)
        return -1;
    if (grow((void **)&sn->ph, &sn->cap_ph, sn->nph, sizeof(*sn->ph))) {
        fail(ps, IMR_ENOMEM);
        return -1;
    }
    ph = &sn->ph[sn->nph++];
    memset(ph, 0, sizeof(*ph));
    ph->prefix = prefix;
    ph->mask = mask;
    rc = sn->t->api.xTokenize(sn->t->tok, ph, FTS5_TOKENIZE_QUERY |
                              (prefix ? FTS5_TOKENIZE_PREFIX : 0), text,
                              (int)strlen(text), phrase_cb);
    if (rc == SQLITE_NOMEM)
        fail(ps, IMR_ENOMEM);
    else if (rc != SQLITE_OK || ph->n == 0)
        fail(ps, IMR_EINVAL);   /* FTS5 drops phrases without tokens */
    return add_node(ps, N_PHRASE, -1, -1, sn->nph - 1);
}

static int parse_or(struct parser *ps, unsigned mask);

/* The column named by WORD as a one-bit mask, or 0. */
static unsigned column_mask(const struct imr_snip *sn, const char *word)
{
    size_t i;

    for (i = 0; i < sn->ncol; i++)
        if (strcasecmp(sn->cols[i], word) == 0)
            return 1u << i;
    return 0;
}

/* unit := '(' or ')' | column ':' (phrase | '(' or ')') | phrase;
 * *IS_PHRASE is set when the unit is a phrase (implicit AND follows only
 * phrases, as in FTS5). */
static int parse_unit(struct parser *ps, unsigned mask, int *is_phrase)
{
    int k;

    *is_phrase = 0;
    if (ps->lex == L_LP) {
        next(ps);
        k = parse_or(ps, mask);
        if (ps->lex != L_RP)
            fail(ps, IMR_EINVAL);
        next(ps);
        return k;
    }
    if (ps->lex == L_WORD && *ps->p != '\0') {
        const char *q = ps->p;

        while (*q == ' ')
            q++;
        if (*q == ':') {                        /* a column filter */
            unsigned m = column_mask(ps->sn, ps->text);

            /* no such column, or none left: FTS5 would drop the phrase */
            if ((m & mask) == 0)
                fail(ps, IMR_EINVAL);
            next(ps);
            next(ps);
            if (ps->lex == L_LP)
                return parse_unit(ps, mask & m, is_phrase);
            if (ps->lex != L_STRING && ps->lex != L_WORD) {
                fail(ps, IMR_EINVAL);
                return -1;
            }
            return parse_unit(ps, mask & m, is_phrase);
        }
    }
    if (ps->lex == L_STRING || ps->lex == L_WORD) {
        char *text = ps->text;
        int prefix;

        ps->text = NULL;
        next(ps);
        prefix = ps->lex == L_STAR;
        if (prefix)
            next(ps);
        k = add_phrase(ps, text, prefix, mask);
        free(text);
        *is_phrase = 1;
        return k;
    }
    fail(ps, IMR_EINVAL);
    return -1;
}

/* seq := unit (phrase unit)*: phrases side by side are ANDed. */
static int parse_seq(struct parser *ps, unsigned mask)
{
    int is_phrase, k = parse_unit(ps, mask, &is_phrase);

    while (ps->rc == IMR_OK && is_phrase &&
           (ps->lex == L_STRING || ps->lex == L_WORD)) {
        int r = parse_unit(ps, mask, &is_phrase);

        k = add_node(ps, N_AND, k, r, -1);
    }
    if (ps->lex == L_LP)
        fail(ps, IMR_EINVAL);
    return k;
}

/* The binary operators from the loosest: OR, AND, then NOT (FTS5's
 * precedence); each groups left to right. */
static const struct {
    int lex, node;
} binops[] = {{L_OR, N_OR}, {L_AND, N_AND}, {L_NOT, N_NOT}};

#define N_BINOPS (sizeof(binops) / sizeof(binops[0]))

/* The operands of the operator of LEVEL and looser joined by it; below
 * the tightest, phrase sequences. */
static int parse_level(struct parser *ps, unsigned mask, size_t level)
{
    int k;

    if (level == N_BINOPS)
        return parse_seq(ps, mask);
    k = parse_level(ps, mask, level + 1);
    while (ps->rc == IMR_OK && ps->lex == binops[level].lex) {
        next(ps);
        k = add_node(ps, binops[level].node, k,
                     parse_level(ps, mask, level + 1), -1);
    }
    return k;
}

static int parse_or(struct parser *ps, unsigned mask)
{
    return parse_level(ps, mask, 0);
}

void imr_snip_free(struct imr_snip *sn)
{
    int i, j;

    if (sn == NULL)
        return;
    for (i = 0; i < sn->nph; i++) {
        for (j = 0; j < sn->ph[i].n; j++)
            free(sn->ph[i].tok[j]);
        free(sn->ph[i].tok);
        free(sn->ph[i].len);
    }
    free(sn->ph);
    free(sn->nd);
    free(sn);
}

int imr_snip_compile(struct imr_snip_tok *t, const char *fts,
                     const char *const *cols, size_t ncol,
                     struct imr_snip **out, char *err)
{
    struct parser ps;
    struct imr_snip *sn;
    size_t i;

    *out = NULL;
    if (ncol > IMR_SNIP_MAX_COLS)
        return imr_seterr(err, IMR_EINVAL, "snippet: too many columns");
    if ((sn = calloc(1, sizeof(*sn))) == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    sn->t = t;
    sn->ncol = ncol;
    for (i = 0; i < ncol; i++)
        sn->cols[i] = cols[i];
    memset(&ps, 0, sizeof(ps));
    ps.sn = sn;
    ps.p = fts;
    ps.rc = IMR_OK;
    next(&ps);
    sn->root = parse_or(&ps, (1u << ncol) - 1);
    if (ps.rc == IMR_OK && ps.lex != L_END)
        ps.rc = IMR_EINVAL;
    free(ps.text);
    if (ps.rc != IMR_OK) {
        imr_snip_free(sn);
        return ps.rc == IMR_ENOMEM ?
               imr_seterr(err, IMR_ENOMEM, "out of memory") :
               imr_seterr(err, ps.rc, "snippet: expression not compiled");
    }
    *out = sn;
    return IMR_OK;
}

/* imr_snip_rows_bound of node K (-1: none). */
static long long node_bound(const struct imr_snip *sn, int k,
                            int (*rows)(void *, const char *, size_t,
                                        long long *),
                            void *arg)
{
    const struct node *nd = &sn->nd[k];
    long long a, b;

    if (nd->type == N_PHRASE) {
        const struct phrase *ph = &sn->ph[nd->phrase];
        long long least = -1, n;
        int i;

        /* a prefix's last token stands for every term it begins */
        for (i = 0; i < ph->n - (ph->prefix ? 1 : 0); i++)
            if (rows(arg, ph->tok[i], (size_t)ph->len[i], &n) &&
                (least < 0 || n < least))
                least = n;
        return least;
    }
    a = node_bound(sn, nd->l, rows, arg);
    if (nd->type == N_NOT)
        return a;
    b = node_bound(sn, nd->r, rows, arg);
    if (nd->type == N_AND)
        return a < 0 ? b : b < 0 ? a : a < b ? a : b;
    return a < 0 || b < 0 || a > LLONG_MAX - b ? -1 : a + b;  /* N_OR */
}

/* An upper bound on the rows matching SN; see snippet.h. */
long long imr_snip_rows_bound(const struct imr_snip *sn,
                              int (*rows)(void *arg, const char *term,
                                          size_t len, long long *n),
                              void *arg)
{
    return sn->root < 0 ? -1 : node_bound(sn, sn->root, rows, arg);
}

/* ---- one row ------------------------------------------------------- */

/* A token of a column: its bytes in the text, its stem in the row's
 * stems. */
struct rtok {
    int so, eo;
    size_t stem;
    int len;
};

/* The tokens of one column, and the first token of each sentence. */
struct col {
    const char *doc;
    struct rtok *t;
    int n, cap;
    int *first;
    int nfirst, cap_first;
};

struct row {
    struct col c[IMR_SNIP_MAX_COLS];
    struct imr_buf stems;
    int cur;               /* the column being tokenized */
};

/* A phrase instance: phrase, column, offset. */
struct inst {
    int ip, ic, io;
};


/* Tokenizer callback of a column: the token, and whether it starts a
 * sentence (fts5SentenceFinderCb: blanks, then '.' or ':' before it). */
static int row_cb(void *ctx, int tflags, const char *tok, int n, int so,
                  int eo)
{
    struct row *r = ctx;
    struct col *c = &r->c[r->cur];
    struct rtok *rt;

    if (tflags & FTS5_TOKEN_COLOCATED)
        return SQLITE_MISMATCH;
    if (grow((void **)&c->t, &c->cap, c->n, sizeof(*c->t)) != 0)
        return SQLITE_NOMEM;
    rt = &c->t[c->n];
    rt->so = so;
    rt->eo = eo;
    rt->stem = r->stems.n;
    rt->len = n;
    imr_buf_add(&r->stems, tok, (size_t)n);
    if (imr_buf_error(&r->stems) != IMR_OK)
        return SQLITE_NOMEM;
    if (c->n == 0) {
        if (grow((void **)&c->first, &c->cap_first, c->nfirst,
                 sizeof(int)) != 0)
            return SQLITE_NOMEM;
        c->first[c->nfirst++] = 0;
    } else {
        int i;
        char ch = 0;

        for (i = so - 1; i >= 0; i--) {
            ch = c->doc[i];
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
                break;
        }
        if (i != so - 1 && (ch == '.' || ch == ':')) {
            if (grow((void **)&c->first, &c->cap_first, c->nfirst,
                     sizeof(int)) != 0)
                return SQLITE_NOMEM;
            c->first[c->nfirst++] = c->n;
        }
    }
    c->n++;
    return SQLITE_OK;
}

/* Does phrase PH start at token I of column C? */
static int phrase_at(const struct row *r, const struct col *c, int i,
                     const struct phrase *ph)
{
    int j;

    if (i + ph->n > c->n)
        return 0;
    for (j = 0; j < ph->n; j++) {
        const struct rtok *t = &c->t[i + j];
        const char *stem = r->stems.p + t->stem;

        if (j == ph->n - 1 && ph->prefix) {
            if (t->len < ph->len[j] || memcmp(stem, ph->tok[j],
                                              (size_t)ph->len[j]) != 0)
                return 0;
        } else if (t->len != ph->len[j] ||
                   memcmp(stem, ph->tok[j], (size_t)t->len) != 0) {
            return 0;
        }
    }
    return 1;
}

static int node_match(const struct imr_snip *sn, int k,
                      const unsigned char *occ)
{
    const struct node *n = &sn->nd[k];

    switch (n->type) {
    case N_PHRASE: return occ[n->phrase];
    case N_AND: return node_match(sn, n->l, occ) && node_match(sn, n->r, occ);
    case N_OR: return node_match(sn, n->l, occ) || node_match(sn, n->r, occ);
    default: return node_match(sn, n->l, occ) && !node_match(sn, n->r, occ);
    }
}

/* Which phrases report instances (FTS5: whose iterator rests on the
 * row): those that occur, under no AND or NOT that fails the row, and
 * not on the right of a NOT. */
static void node_live(const struct imr_snip *sn, int k, int alive,
                      const unsigned char *occ, unsigned char *live)
{
    const struct node *n = &sn->nd[k];

    switch (n->type) {
    case N_PHRASE:
        live[n->phrase] = (unsigned char)(alive && occ[n->phrase]);
        break;
    case N_AND:
        alive = alive && node_match(sn, k, occ);
        node_live(sn, n->l, alive, occ, live);
        node_live(sn, n->r, alive, occ, live);
        break;
    case N_OR:
        node_live(sn, n->l, alive, occ, live);
        node_live(sn, n->r, alive, occ, live);
        break;
    default:
        node_live(sn, n->l, alive && node_match(sn, k, occ), occ, live);
        node_live(sn, n->r, 0, occ, live);
    }
}

/* fts5SnippetScore: the score of the window of NTOK tokens from POS in
 * column COL (1000 per phrase's first instance in it, 1 per other), and
 * in *ADJ the window's start moved to centre its instances. */
static int window_score(const struct imr_snip *sn, const struct inst *in,
                        int nin, int ndoc, unsigned char *seen, int col,
                        int pos, int ntok, int *adj)
{
    long long end = (long long)pos + ntok, a;
    int i, score = 0, first = -1, last = 0;

    memset(seen, 0, (size_t)sn->nph);
    for (i = 0; i < nin; i++)
        if (in[i].ic == col && in[i].io >= pos && in[i].io < end) {
            score += seen[in[i].ip] ? 1 : 1000;
            seen[in[i].ip] = 1;
            if (first < 0)
                first = in[i].io;
            last = in[i].io + sn->ph[in[i].ip].n;
        }
    if (adj != NULL) {
        a = first - (ntok - (last - first)) / 2;
        if (a + ntok > ndoc)
            a = ndoc - ntok;
        if (a < 0)
            a = 0;
        *adj = (int)a;
    }
    return score;
}

/* fts5CInstIterNext: the next run of overlapping instances of column COL
 * from *AT: [*START, *END] in tokens, or -1 when there is none. */
static void cinst_next(const struct imr_snip *sn, const struct inst *in,
                       int nin, int col, int *at, int *start, int *end)
{
    *start = *end = -1;
    for (; *at < nin; (*at)++) {
        const struct inst *x = &in[*at];
        int e;

        if (x->ic != col)
            continue;
        e = x->io - 1 + sn->ph[x->ip].n;
        if (*start < 0) {
            *start = x->io;
            *end = e;
        } else if (x->io <= *end) {
            if (e > *end)
                *end = e;
        } else {
            break;
        }
    }
}

/* fts5HighlightCb over the tokens of column C, then the tail. */
static void highlight(const struct imr_snip *sn, const struct inst *in,
                      int nin, int col, const struct col *c, int best,
                      const struct imr_snip_fmt *f, struct imr_buf *b)
{
    int range_start = best, range_end = best + f->tokens - 1;
    int at = 0, start, end, pos, off = 0;
    int doc_len = (int)strlen(c->doc);

    if (best > 0)
        imr_buf_adds(b, f->ellipsis);
    cinst_next(sn, in, nin, col, &at, &start, &end);
    while (start >= 0 && start < best)
        cinst_next(sn, in, nin, col, &at, &start, &end);
    for (pos = 0; pos < c->n; pos++) {
        int so = c->t[pos].so, eo = c->t[pos].eo;

        if (range_end > 0) {
            if (pos < range_start || pos > range_end)
                continue;
            if (range_start && pos == range_start)
                off = so;
        }
        if (pos == start) {
            imr_buf_add(b, c->doc + off, (size_t)(so - off));
            imr_buf_adds(b, f->open);
            off = so;
        }
        if (pos == end) {
            if (range_end && start < range_start)
                imr_buf_adds(b, f->open);
            imr_buf_add(b, c->doc + off, (size_t)(eo - off));
            imr_buf_adds(b, f->close);
            off = eo;
            cinst_next(sn, in, nin, col, &at, &start, &end);
        }
        if (range_end > 0 && pos == range_end) {
            imr_buf_add(b, c->doc + off, (size_t)(eo - off));
            off = eo;
            if (pos >= start && pos < end)
                imr_buf_adds(b, f->close);
        }
    }
    if (range_end >= c->n - 1)
        imr_buf_add(b, c->doc + off, (size_t)(doc_len - off));
    else
        imr_buf_adds(b, f->ellipsis);
}

static void row_free(struct row *r, size_t ncol)
{
    size_t i;

    for (i = 0; i < ncol; i++) {
        free(r->c[i].t);
        free(r->c[i].first);
    }
    imr_buf_free(&r->stems);
}

int imr_snip_row(struct imr_snip *sn, const char *const *text,
                 const struct imr_snip_fmt *f, int *matched, char **out,
                 char *err)
{
    struct row r;
    struct inst *in = NULL;
    int nin = 0, cap_in = 0, i, k, rc = IMR_OK;
    int best_col = 0, best_start = 0, best_score = 0;
    unsigned char *occ = NULL, *live = NULL, *seen = NULL;
    size_t col;
    int p;
    struct imr_buf b = IMR_BUF_INIT;

    *matched = 0;
    *out = NULL;
    memset(&r, 0, sizeof(r));
    occ = calloc((size_t)sn->nph, 1);
    live = calloc((size_t)sn->nph, 1);
    seen = calloc((size_t)sn->nph, 1);
    if (occ == NULL || live == NULL || seen == NULL)
        goto oom;
    /* the tokens of each column, and every phrase instance in them in
     * (column, offset, phrase) order, as FTS5 lists them */
    for (col = 0; col < sn->ncol; col++) {
        struct col *c = &r.c[col];
        int trc;

        c->doc = text[col] != NULL ? text[col] : "";
        r.cur = (int)col;
        trc = sn->t->api.xTokenize(sn->t->tok, &r, FTS5_TOKENIZE_DOCUMENT,
                                   c->doc, (int)strlen(c->doc), row_cb);
        if (trc == SQLITE_NOMEM)
            goto oom;
        if (trc != SQLITE_OK) {
            rc = imr_seterr(err, trc == SQLITE_MISMATCH ? IMR_EINVAL :
                            IMR_EDB, "snippet: the tokenizer failed");
            goto done;
        }
        for (i = 0; i < c->n; i++)
            for (p = 0; p < sn->nph; p++) {
                if (!(sn->ph[p].mask & (1u << col)) ||
                    !phrase_at(&r, c, i, &sn->ph[p]))
                    continue;
                if (grow((void **)&in, &cap_in, nin, sizeof(*in)) != 0)
                    goto oom;
                in[nin++] = (struct inst){p, (int)col, i};
                occ[p] = 1;
            }
    }
    if (!node_match(sn, sn->root, occ))
        goto done;
    *matched = 1;
    node_live(sn, sn->root, 1, occ, live);
    for (i = k = 0; i < nin; i++)
        if (live[in[i].ip])
            in[k++] = in[i];
    nin = k;
    /* the best window: at each instance, and at the start of its
     * sentence (+120 for the column's first, +100 for another) */
    for (col = 0; col < sn->ncol; col++) {
        const struct col *c = &r.c[col];

        for (i = 0; i < nin; i++) {
            int adj, score, jj;

            if (in[i].ic != (int)col)
                continue;
            score = window_score(sn, in, nin, c->n, seen, (int)col,
                                 in[i].io, f->tokens, &adj);
            if (score > best_score) {
                best_score = score;
                best_col = (int)col;
                best_start = adj;
            }
            if (c->nfirst == 0 || c->n <= f->tokens)
                continue;
            for (jj = 0; jj < c->nfirst - 1; jj++)
                if (c->first[jj + 1] > in[i].io)
                    break;
            if (c->first[jj] < in[i].io) {
                score = window_score(sn, in, nin, c->n, seen, (int)col,
                                     c->first[jj], f->tokens, NULL) +
                        (c->first[jj] == 0 ? 120 : 100);
                if (score > best_score) {
                    best_score = score;
                    best_col = (int)col;
                    best_start = c->first[jj];
                }
            }
        }
    }
    if (text[best_col] == NULL)        /* snippet() of a NULL column */
        goto done;
    highlight(sn, in, nin, best_col, &r.c[best_col], best_start, f, &b);
    if ((*out = imr_buf_take(&b)) == NULL)
        goto oom;
    goto done;
oom:
    rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
done:
    imr_buf_free(&b);
    row_free(&r, sn->ncol);
    free(in);
    free(occ);
    free(live);
    free(seen);
    return rc;
}
