/* The query language: lexer, recursive-descent parser, natural forms
 * ("upheld", "citing MTUS p.49", "ODG low back"), synonym expansion, the
 * hoisting of filters out of the full-text tree, the FTS5 MATCH string
 * (every word quoted) and the interpretation shown to users. */
#include "imr/query.h"
#include "imr/buf.h"
#include "imr/imr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 512
#define RUN_MAX 8            /* words looked at for a synonym phrase */

enum tok_type {
    TK_WORD, TK_PHRASE, TK_FIELD, TK_LP, TK_RP, TK_OR, TK_AND, TK_NOT,
    TK_MINUS, TK_END
};

struct tok {
    enum tok_type t;
    char *s;           /* WORD/PHRASE text, FIELD name (lower case) */
    char *v;           /* FIELD value */
    int vquoted;       /* FIELD: value was in double quotes */
    int prefix;        /* WORD: ended in '*' (not part of s) */
    size_t pos, len;   /* span in the query */
    size_t vpos;       /* FIELD: offset of the value */
};

struct parser {
    const char *text;
    struct tok *tk;
    size_t n, i;
    struct imr_query *q;
    struct imr_query_error *qe;
    char *err;
    int depth;
    int terms;
    int groups;         /* OR groups of field filters so far */
};

/* Fields: name -> field. Aliases share a field. TREATMENT and PAGE,
 * GUIDELINE and CITING are handled apart (they build text or citations). */
enum fkind {
    FK_FILTER, FK_TREATMENT, FK_GUIDELINE, FK_PAGE, FK_CITING
};

struct field_def {
    const char *name;
    enum fkind kind;
    enum imr_qfield field;
};

static const struct field_def fields[] = {
    {"decision", FK_FILTER, IMR_QF_DECISION},
    {"outcome", FK_FILTER, IMR_QF_OUTCOME},
    {"guideline", FK_GUIDELINE, IMR_QF_CITE},
    {"guidelines", FK_GUIDELINE, IMR_QF_CITE},
    {"page", FK_PAGE, IMR_QF_CITE},
    {"pages", FK_PAGE, IMR_QF_CITE},
    {"citing", FK_CITING, IMR_QF_CITE},
    {"cites", FK_CITING, IMR_QF_CITE},
    {"cite", FK_CITING, IMR_QF_CITE},
    {"treatment", FK_TREATMENT, IMR_QF_CATEGORY},
    {"diagnosis", FK_FILTER, IMR_QF_DIAGNOSIS},
    {"diagnoses", FK_FILTER, IMR_QF_DIAGNOSIS},
    {"dx", FK_FILTER, IMR_QF_DIAGNOSIS},
    {"case", FK_FILTER, IMR_QF_CASE},
    {"id", FK_FILTER, IMR_QF_CASE},
    {"year", FK_FILTER, IMR_QF_YEAR},
    {"date", FK_FILTER, IMR_QF_DATE},
    {"decided", FK_FILTER, IMR_QF_DATE},
    {"specialty", FK_FILTER, IMR_QF_SPECIALTY},
    {"age", FK_FILTER, IMR_QF_AGE},
    {"gender", FK_FILTER, IMR_QF_GENDER},
    {"sex", FK_FILTER, IMR_QF_GENDER},
    {"by", FK_FILTER, IMR_QF_BY},
    {"category", FK_FILTER, IMR_QF_CATEGORY},
    {"subcategory", FK_FILTER, IMR_QF_SUBCATEGORY},
    {"injured", FK_FILTER, IMR_QF_INJURED},
    {"received", FK_FILTER, IMR_QF_RECEIVED},
    {"licensure", FK_FILTER, IMR_QF_LICENSURE},
    {"state", FK_FILTER, IMR_QF_LICENSURE},
    {"program", FK_FILTER, IMR_QF_PROGRAM},
    {"type", FK_FILTER, IMR_QF_TYPE},
};

/* Words that carry no meaning in a search over determinations. */
static const char *const noise[] = {
    "a", "an", "the", "for", "of", "with", "in", "on", "to", "by", "and",
    "or", "citing", "cited", "cites", "cite", "denial", "denials",
    "denied", "deny", "case", "cases", "decision", "decisions", "request",
    "requests", "requested", "determination", "determinations", "letter",
    "letters", "imr", "show", "find", "all", "about", "that", "where",
    "which", "under", "per", "guideline", "guidelines",
};

static const char *const upheld_words[] = {
    "upheld", "uphold", "upholds", "upholding", "sustained", NULL
};
static const char *const overturned_words[] = {
    "overturned", "overturn", "overturns", "overturning", "reversed",
    NULL
};

/* Body regions / chapters a guideline name may be followed by. */
static const char *const regions[] = {
    "low back", "lower back", "neck and upper back", "neck", "upper back",
    "shoulder", "knee", "knee and leg", "elbow", "forearm", "wrist",
    "hand", "ankle", "foot", "ankle and foot", "hip", "pelvis",
    "hip and pelvis", "head", "chronic pain", "pain", "mental illness",
    "mental", "stress", "eye", "carpal tunnel", "lumbar", "cervical",
    "thoracic", "opioids", "acupuncture", NULL
};

static int in_list(const char *const *list, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int in_nlist(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static int is_wordchar(unsigned char c)
{
    return isalnum(c) || c >= 0x80 ||
           (c != '\0' && strchr("-/.'&+,%#_", c) != NULL);
}

static int has_alnum(const char *s)
{
    for (; *s; s++)
        if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* A lower-case copy of S without trailing '.' and ','. */
static char *bare_word(const char *s)
{
    size_t n = strlen(s);
    char *b;

    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ','))
        n--;
    b = xstrndup(s, n);
    if (b != NULL)
        lower(b);
    return b;
}

static int perr(struct parser *p, int rc, size_t pos, size_t len,
                const char *fmt, const char *arg)
{
    char msg[IMR_ERR_LEN];
    int show = (int)(len > 40 ? 40 : len);

    /* never cut a UTF-8 sequence: the message must stay valid UTF-8 */
    while (show > 0 && (size_t)show < len &&
           ((unsigned char)p->text[pos + (size_t)show] & 0xC0) == 0x80)
        show--;
    snprintf(msg, sizeof(msg), fmt, arg != NULL ? arg : "");
    if (p->qe != NULL) {
        p->qe->pos = pos;
        p->qe->len = len;
    }
    if (len > 0)
        return imr_seterr(p->err, rc, "%s at position %zu (\"%.*s\")", msg,
                          pos, show, p->text + pos);
    return imr_seterr(p->err, rc, "%s at position %zu", msg, pos);
}

/* Offset of the first byte of S that is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid), or -1. */
static long utf8_invalid_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n, k;
    unsigned long cp;

    while (u[i] != 0) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (u[i] >= 0xC2 && u[i] <= 0xDF) {
            n = 1;
            cp = u[i] & 0x1F;
        } else if (u[i] >= 0xE0 && u[i] <= 0xEF) {
            n = 2;
            cp = u[i] & 0x0F;
        } else if (u[i] >= 0xF0 && u[i] <= 0xF4) {
            n = 3;
            cp = u[i] & 0x07;
        } else {
            return (long)i;
        }
        for (k = 1; k <= n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return (long)i;
            cp = cp << 6 | (u[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return (long)i;
        i += n + 1;
    }
    return -1;
}

/* ---- lexer ---- */

static void toks_free(struct tok *tk, size_t n)
{
    size_t i;

    if (tk == NULL)
        return;
    for (i = 0; i < n; i++) {
        free(tk[i].s);
        free(tk[i].v);
    }
    free(tk);
}

static const struct field_def *field_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

/* Scans a word starting at I; returns its end. '*' is allowed at the end
 * only; *STAR says whether it was there. -1 on a misplaced '*'. */
static long scan_word(const char *s, size_t i, int *star)
{
    size_t j = i;

    *star = 0;
    while (s[j] != '\0' && (is_wordchar((unsigned char)s[j]) ||
                            s[j] == '*')) {
        if (s[j] == '*') {
            if (is_wordchar((unsigned char)s[j + 1]) || s[j + 1] == '*')
                return -1;
            *star = 1;
        }
        j++;
    }
    return (long)j;
}

static int lex(struct parser *p, const char *s)
{
    size_t i = 0, n = strlen(s);
    struct tok *tk = NULL;
    size_t nt = 0;
    int rc = IMR_OK;

    tk = calloc(MAX_TOKENS + 1, sizeof(*tk));
    if (tk == NULL)
        return IMR_ENOMEM;
    p->tk = tk;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        struct tok *t;

        if (isspace(c)) {
            i++;
            continue;
        }
        if (nt >= MAX_TOKENS) {
            rc = perr(p, IMR_ELIMIT, i, 0, "query too complex (more than "
                      "512 tokens)%s", NULL);
            goto done;
        }
        t = &tk[nt];
        t->pos = i;
        if (c == '(' || c == ')') {
            t->t = c == '(' ? TK_LP : TK_RP;
            t->len = 1;
            i++;
        } else if (c == '"') {
            const char *q = strchr(s + i + 1, '"');

            if (q == NULL) {
                rc = perr(p, IMR_EINVAL, i, n - i, "unbalanced double "
                          "quote%s", NULL);
                goto done;
            }
            t->t = TK_PHRASE;
            t->s = xstrndup(s + i + 1, (size_t)(q - s - i - 1));
            if (t->s == NULL) {
                rc = IMR_ENOMEM;
                goto done;
            }
            t->len = (size_t)(q - s) + 1 - i;
            i += t->len;
        } else if (c == '-' && (i == 0 || isspace((unsigned char)s[i - 1])
                                || s[i - 1] == '(') &&
                   (s[i + 1] == '"' || s[i + 1] == '(' ||
                    isalnum((unsigned char)s[i + 1]) ||
                    (unsigned char)s[i + 1] >= 0x80)) {
            t->t = TK_MINUS;
            t->len = 1;
            i++;
        } else if (is_wordchar(c)) {
            int star;
            long j = scan_word(s, i, &star);

            if (j < 0) {
                rc = perr(p, IMR_EINVAL, i, strcspn(s + i, " \t\r\n"),
                          "'*' is only allowed at the end of a word%s",
                          NULL);
                goto done;
            }
            if (s[j] == ':') {
                const struct field_def *fd;
                size_t k = (size_t)j + 1;

                t->t = TK_FIELD;
                t->s = xstrndup(s + i, (size_t)j - i);
                if (t->s == NULL) {
                    rc = IMR_ENOMEM;
                    goto done;
                }
                lower(t->s);
                fd = field_find(t->s);
                if (fd == NULL) {
                    rc = perr(p, IMR_EINVAL, i, (size_t)j + 1 - i,
                              "unknown field '%s'; see docs/query-language"
                              ".md for the fields", t->s);
                    goto done;
                }
                t->vpos = k;
                if (s[k] == '"') {
                    const char *q = strchr(s + k + 1, '"');

                    if (q == NULL) {
                        rc = perr(p, IMR_EINVAL, k, n - k, "unbalanced "
                                  "double quote%s", NULL);
                        goto done;
                    }
                    t->v = xstrndup(s + k + 1, (size_t)(q - s - k - 1));
                    t->vquoted = 1;
                    t->vpos = k + 1;
                    k = (size_t)(q - s) + 1;
                } else {
                    long e = scan_word(s, k, &star);

                    if (e < 0) {
                        rc = perr(p, IMR_EINVAL, k, strcspn(s + k, " \t"),
                                  "'*' is only allowed at the end of a "
                                  "word%s", NULL);
                        goto done;
                    }
                    t->v = xstrndup(s + k, (size_t)e - k);
                    k = (size_t)e;
                }
                if (t->v == NULL) {
                    rc = IMR_ENOMEM;
                    goto done;
                }
                if (!has_alnum(t->v)) {
                    rc = perr(p, IMR_EINVAL, i, k - i, "field '%s:' needs "
                              "a value", t->s);
                    goto done;
                }
                t->len = k - i;
                i = k;
            } else {
                size_t wl = (size_t)j - i - (size_t)star;

                t->len = (size_t)j - i;
                if (wl == 2 && strncmp(s + i, "OR", 2) == 0 && !star)
                    t->t = TK_OR;
                else if (wl == 3 && strncmp(s + i, "AND", 3) == 0 && !star)
                    t->t = TK_AND;
                else if (wl == 3 && strncmp(s + i, "NOT", 3) == 0 && !star)
                    t->t = TK_NOT;
                else {
                    t->t = TK_WORD;
                    t->prefix = star;
                    t->s = xstrndup(s + i, wl);
                    if (t->s == NULL) {
                        rc = IMR_ENOMEM;
                        goto done;
                    }
                }
                i = (size_t)j;
            }
        } else {
            char what[2] = {(char)c, '\0'};

            rc = perr(p, IMR_EINVAL, i, 1, "unexpected '%s'; put it in "
                      "double quotes to search for it", what);
            goto done;
        }
        nt++;
    }
    tk[nt].t = TK_END;
    tk[nt].pos = n;
done:
    p->n = nt;
    return rc;
}

/* ---- nodes and filters ---- */

static void filter_clear(struct imr_qfilter *f)
{
    if (f == NULL)
        return;
    free(f->value);
    free(f->lo);
    free(f->hi);
    free(f->guideline);
    free(f->chapter);
    free(f->by);
    free(f->source);
}

static void node_free(struct imr_qnode *n)
{
    size_t i;

    if (n == NULL)
        return;
    free(n->text);
    imr_strv_free(n->alts, n->n_alts);
    for (i = 0; i < n->n_kids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    filter_clear(n->filter);
    free(n->filter);
    free(n);
}

static struct imr_qnode *node_new(enum imr_qtype type, size_t pos)
{
    struct imr_qnode *n = calloc(1, sizeof(*n));

    if (n != NULL) {
        n->type = type;
        n->pos = pos;
    }
    return n;
}

static int node_add(struct imr_qnode *parent, struct imr_qnode *kid)
{
    struct imr_qnode **k = realloc(parent->kids,
                                   (parent->n_kids + 1) * sizeof(*k));

    if (k == NULL)
        return IMR_ENOMEM;
    parent->kids = k;
    parent->kids[parent->n_kids++] = kid;
    return IMR_OK;
}

/* A FILTER node for field F from SPAN [pos, pos+len) of the query. */
static struct imr_qnode *filter_node(struct parser *p, enum imr_qfield f,
                                     size_t pos, size_t len, int natural)
{
    struct imr_qnode *n = node_new(IMR_QN_FILTER, pos);

    if (n == NULL)
        return NULL;
    n->natural = natural;
    n->filter = calloc(1, sizeof(*n->filter));
    n->text = xstrndup(p->text + pos, len);
    if (n->filter == NULL || n->text == NULL) {
        node_free(n);
        return NULL;
    }
    n->filter->field = f;
    n->filter->pos = pos;
    n->filter->source = xstrndup(p->text + pos, len);
    if (n->filter->source == NULL) {
        node_free(n);
        return NULL;
    }
    return n;
}

static int count_term(struct parser *p, size_t pos)
{
    if (++p->terms > IMR_QUERY_MAX_TERMS)
        return perr(p, IMR_ELIMIT, pos, 0, "query too complex (more than "
                    "64 words, phrases and filters)%s", NULL);
    return IMR_OK;
}

/* ---- numbers, pages, dates ---- */

/* Parses a whole decimal number in [MIN, MAX] from S[0..N). */
static int parse_num(const char *s, size_t n, long min, long max,
                     long *out)
{
    long v = 0;
    size_t i;

    if (n == 0 || n > 9)
        return -1;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parses "N", "A-B", "A..B" (A <= B) into LO, HI. */
static int parse_numrange(const char *s, long min, long max, long *lo,
                          long *hi)
{
    const char *d = strstr(s, "..");
    size_t sep = 2;

    if (d == NULL) {
        d = strchr(s, '-');
        sep = 1;
    }
    if (d == NULL) {
        if (parse_num(s, strlen(s), min, max, lo) != 0)
            return -1;
        *hi = *lo;
        return 0;
    }
    if (d == s)
        *lo = min;
    else if (parse_num(s, (size_t)(d - s), min, max, lo) != 0)
        return -1;
    if (d[sep] == '\0')
        *hi = max;
    else if (parse_num(d + sep, strlen(d + sep), min, max, hi) != 0)
        return -1;
    return *lo <= *hi ? 0 : -1;
}

/* Parses a page list "49", "30-32", "30-32,49" (a trailing ',' is
 * allowed) into F's pages. Returns 0 or -1. */
static int parse_pagelist(const char *s, struct imr_qfilter *f)
{
    char buf[128];
    char *save = NULL, *part;

    if (strlen(s) >= sizeof(buf) || !isdigit((unsigned char)s[0]))
        return -1;
    strcpy(buf, s);
    for (part = strtok_r(buf, ",", &save); part != NULL;
         part = strtok_r(NULL, ",", &save)) {
        long a, b;
        char *dash = strchr(part, '-');

        if (f->n_pages >= IMR_QUERY_MAX_PAGES)
            return -1;
        if (dash != NULL) {
            if (parse_num(part, (size_t)(dash - part), 1, 9999, &a) != 0 ||
                parse_num(dash + 1, strlen(dash + 1), 1, 9999, &b) != 0)
                return -1;
            if (b < a && b < 100 && a >= 100)   /* "111-13" */
                b += (a / 100) * 100;
            if (b < a)
                return -1;
        } else {
            if (parse_num(part, strlen(part), 1, 9999, &a) != 0)
                return -1;
            b = a;
        }
        f->pages[f->n_pages].from = (int)a;
        f->pages[f->n_pages].to = (int)b;
        f->n_pages++;
    }
    return f->n_pages > 0 ? 0 : -1;
}

/* Page words: "p", "pp", "pg", "pgs", "page", "pages" (with or without a
 * dot). Returns the length of the keyword at the start of W (lower case)
 * when the rest (after an optional '.') is empty or a page list. */
static size_t page_keyword(const char *w)
{
    static const char *const kw[] = {"pages", "page", "pgs", "pg", "pp",
                                     "p", NULL};
    size_t i;

    for (i = 0; kw[i] != NULL; i++) {
        size_t k = strlen(kw[i]);

        if (strncmp(w, kw[i], k) == 0) {
            const char *rest = w + k;

            if (*rest == '.')
                rest++;
            if (*rest == '\0' || isdigit((unsigned char)*rest))
                return (size_t)(rest - w);
        }
    }
    return 0;
}

/* Checks a date "YYYY", "YYYY-MM" or "YYYY-MM-DD" of length N. */
static int valid_date(const char *s, size_t n)
{
    long v;

    if (n != 4 && n != 7 && n != 10)
        return 0;
    if (parse_num(s, 4, 1900, 2199, &v) != 0)
        return 0;
    if (n >= 7 && (s[4] != '-' || parse_num(s + 5, 2, 1, 12, &v) != 0))
        return 0;
    if (n == 10 && (s[7] != '-' || parse_num(s + 8, 2, 1, 31, &v) != 0))
        return 0;
    return 1;
}

/* Parses "D", "D..D", "D..", "..D" into F->lo / F->hi ("YYYY-MM-DD"
 * bounds, NULL when open). Returns 0, 1 on bad input, or IMR_ENOMEM. */
static int parse_daterange(const char *s, struct imr_qfilter *f)
{
    const char *d = strstr(s, "..");
    size_t la, lb;
    const char *b;
    char hi[11];

    if (d == NULL) {
        la = strlen(s);
        b = s;
        lb = la;
    } else {
        la = (size_t)(d - s);
        b = d + 2;
        lb = strlen(b);
    }
    if (la == 0 && lb == 0)
        return 1;
    if ((la > 0 && !valid_date(s, la)) || (lb > 0 && !valid_date(b, lb)))
        return 1;
    if (la > 0 && (f->lo = xstrndup(s, la)) == NULL)
        return IMR_ENOMEM;
    if (lb > 0) {
        memcpy(hi, b, lb);
        memcpy(hi + lb, "-99-99", 10 - lb);
        hi[10] = '\0';
        if ((f->hi = xstrndup(hi, 10)) == NULL)
            return IMR_ENOMEM;
    }
    if (f->lo != NULL && f->hi != NULL && strcmp(f->lo, f->hi) > 0)
        return 1;
    return 0;
}

/* ---- citations ---- */

static const char *guideline_name(const char *bare)
{
    if (strcmp(bare, "mtus") == 0 || strcmp(bare, "ca-mtus") == 0)
        return "MTUS";
    if (strcmp(bare, "acoem") == 0)
        return "ACOEM";
    if (strcmp(bare, "odg") == 0)
        return "ODG";
    return NULL;
}

/* Matches a region phrase at word tokens [i, ...). Returns the number of
 * words (0 if none) and the region in *OUT. */
static size_t match_region(struct parser *p, size_t i, const char **out)
{
    size_t best = 0, r;

    for (r = 0; regions[r] != NULL; r++) {
        char buf[64];
        char *save = NULL, *w;
        size_t k = 0, ok = 1;

        snprintf(buf, sizeof(buf), "%s", regions[r]);
        for (w = strtok_r(buf, " ", &save); w != NULL && ok;
             w = strtok_r(NULL, " ", &save), k++) {
            char *b;

            if (i + k >= p->n || p->tk[i + k].t != TK_WORD ||
                p->tk[i + k].prefix) {
                ok = 0;
                break;
            }
            b = bare_word(p->tk[i + k].s);
            ok = b != NULL && strcmp(b, w) == 0;
            free(b);
        }
        if (ok && k > best) {
            best = k;
            *out = regions[r];
        }
    }
    return best;
}

/* Reads the pages that follow a page keyword at token I (either in the
 * same word after KWLEN bytes, or in the next word(s)). Advances *I past
 * what it used. Returns 1 when pages were read, 0 when not. */
static int read_pages(struct parser *p, size_t *i, size_t kwlen,
                      struct imr_qfilter *f)
{
    char *b = bare_word(p->tk[*i].s);
    int ok = 0;
    size_t j = *i;

    if (b == NULL)
        return 0;
    if (strlen(b) > kwlen) {
        ok = parse_pagelist(b + kwlen, f) == 0;
        j = *i + 1;
    } else if (*i + 1 < p->n && p->tk[*i + 1].t == TK_WORD) {
        char *nb = bare_word(p->tk[*i + 1].s);

        ok = nb != NULL && parse_pagelist(nb, f) == 0;
        free(nb);
        j = *i + 2;
    }
    free(b);
    /* "pages 30-32, 49": a list continued in the next word */
    while (ok && j < p->n && p->tk[j].t == TK_WORD &&
           p->tk[j - 1].s[strlen(p->tk[j - 1].s) - 1] == ',' &&
           isdigit((unsigned char)p->tk[j].s[0])) {
        char *nb = bare_word(p->tk[j].s);

        if (nb == NULL || parse_pagelist(nb, f) != 0) {
            free(nb);
            break;
        }
        free(nb);
        j++;
    }
    if (ok)
        *i = j;
    return ok;
}

/* Reads what follows a guideline at token *I into F: "ch. 12", "chapter
 * 12", pages, a body region, "guidelines". Advances *I. */
static int read_cite_tail(struct parser *p, size_t *i, struct imr_qfilter *f)
{
    while (*i < p->n && p->tk[*i].t == TK_WORD && !p->tk[*i].prefix) {
        char *b = bare_word(p->tk[*i].s);
        size_t kw, nreg;
        const char *reg = NULL;

        if (b == NULL)
            return IMR_ENOMEM;
        if ((strcmp(b, "ch") == 0 || strcmp(b, "chapter") == 0 ||
             strcmp(b, "chap") == 0) && f->chapter == NULL &&
            *i + 1 < p->n && p->tk[*i + 1].t == TK_WORD &&
            isdigit((unsigned char)p->tk[*i + 1].s[0])) {
            char *nb = bare_word(p->tk[*i + 1].s);
            long ch;

            free(b);
            if (nb == NULL)
                return IMR_ENOMEM;
            if (parse_num(nb, strlen(nb), 1, 99, &ch) != 0) {
                free(nb);
                break;
            }
            f->chapter = nb;
            *i += 2;
            continue;
        }
        if (strncmp(b, "ch.", 3) == 0 && isdigit((unsigned char)b[3]) &&
            f->chapter == NULL) {
            long ch;

            if (parse_num(b + 3, strlen(b + 3), 1, 99, &ch) == 0) {
                f->chapter = xstrndup(b + 3, strlen(b + 3));
                free(b);
                if (f->chapter == NULL)
                    return IMR_ENOMEM;
                (*i)++;
                continue;
            }
        }
        if ((kw = page_keyword(b)) > 0 && f->n_pages == 0) {
            free(b);
            if (read_pages(p, i, kw, f))
                continue;
            break;
        }
        if (strcmp(b, "guidelines") == 0 || strcmp(b, "guideline") == 0) {
            free(b);
            (*i)++;
            continue;
        }
        free(b);
        if (f->chapter == NULL && (nreg = match_region(p, *i, &reg)) > 0) {
            if ((f->chapter = xstrndup(reg, strlen(reg))) == NULL)
                return IMR_ENOMEM;
            *i += nreg;
            continue;
        }
        break;
    }
    return IMR_OK;
}

/* ---- parser ---- */

static int parse_and(struct parser *p, int inner, struct imr_qnode **out);

static int is_stop(const struct tok *t)
{
    return t->t == TK_END || t->t == TK_RP || t->t == TK_OR ||
           t->t == TK_AND;
}

/* A TERM for the words [i, i+nw) with synonym expansion. */
static int term_run(struct parser *p, struct imr_qnode **out)
{
    char *words[RUN_MAX];
    size_t nw = 0, k, m;
    char **alts = NULL;
    size_t n_alts = 0;
    struct imr_buf b = IMR_BUF_INIT;
    struct imr_qnode *n = NULL;
    int rc = IMR_OK, r;

    *out = NULL;
    while (nw < RUN_MAX && p->i + nw < p->n &&
           p->tk[p->i + nw].t == TK_WORD && !p->tk[p->i + nw].prefix) {
        words[nw] = bare_word(p->tk[p->i + nw].s);
        if (words[nw] == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
        nw++;
    }
    m = 1;
    if (nw > 0) {
        r = imr_synonyms_match((const char *const *)words, nw, &alts,
                               &n_alts);
        if (r < 0) {
            rc = r;
            goto done;
        }
        if (r > 0)
            m = (size_t)r;
    }
    for (k = 0; k < m; k++) {
        const char *w = p->tk[p->i + k].s;
        size_t wl = strlen(w);

        if (k > 0)
            imr_buf_addc(&b, ' ');
        while (wl > 0 && w[wl - 1] == ',')
            wl--;
        imr_buf_add(&b, w, wl);
    }
    if ((rc = imr_buf_error(&b)) != IMR_OK)
        goto done;
    if (!has_alnum(b.p ? b.p : "")) {
        /* punctuation only: nothing to search for */
        rc = imr_strv_push(&p->q->ignored, &p->q->n_ignored, b.p ? b.p : "");
        p->i += m;
        goto done;
    }
    if ((rc = count_term(p, p->tk[p->i].pos)) != IMR_OK)
        goto done;
    n = node_new(IMR_QN_TERM, p->tk[p->i].pos);
    if (n == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    n->text = imr_buf_take(&b);
    if (n->text == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    n->prefix = p->tk[p->i].prefix;
    n->alts = alts;
    n->n_alts = n_alts;
    alts = NULL;
    n_alts = 0;
    p->i += m;
    *out = n;
    n = NULL;
done:
    for (k = 0; k < nw; k++)
        free(words[k]);
    imr_strv_free(alts, n_alts);
    imr_buf_free(&b);
    node_free(n);
    return rc;
}

/* A citation filter from natural words starting at token P->i (a
 * guideline name or a page keyword). Sets *OUT to NULL when the words are
 * not a citation after all. */
static int natural_cite(struct parser *p, int natural,
                        struct imr_qnode **out)
{
    size_t start = p->i, i = p->i;
    struct imr_qfilter f;
    char *b = bare_word(p->tk[i].s);
    const char *g;
    struct imr_qnode *n = NULL;
    size_t kw;
    int rc;

    *out = NULL;
    memset(&f, 0, sizeof(f));
    if (b == NULL)
        return IMR_ENOMEM;
    g = guideline_name(b);
    if (g != NULL) {
        i++;
        rc = read_cite_tail(p, &i, &f);
        if (rc != IMR_OK)
            goto fail;
    } else if ((kw = page_keyword(b)) > 0) {
        if (!read_pages(p, &i, kw, &f)) {
            free(b);
            return IMR_OK;
        }
    } else {
        free(b);
        return IMR_OK;
    }
    free(b);
    b = NULL;
    if ((rc = count_term(p, p->tk[start].pos)) != IMR_OK)
        goto fail;
    n = filter_node(p, IMR_QF_CITE, p->tk[start].pos,
                    p->tk[i - 1].pos + p->tk[i - 1].len - p->tk[start].pos,
                    natural);
    if (n == NULL || (g != NULL && (f.guideline = strdup(g)) == NULL)) {
        rc = IMR_ENOMEM;
        goto fail;
    }
    n->filter->guideline = f.guideline;
    n->filter->chapter = f.chapter;
    memcpy(n->filter->pages, f.pages, sizeof(f.pages));
    n->filter->n_pages = f.n_pages;
    p->i = i;
    *out = n;
    return IMR_OK;
fail:
    free(b);
    node_free(n);
    filter_clear(&f);
    return rc;
}

static int parse_word(struct parser *p, struct imr_qnode **out)
{
    struct tok *t = &p->tk[p->i];
    char *b = bare_word(t->s);
    struct imr_qnode *n = NULL;
    int rc = IMR_OK;
    const char *dec = NULL;

    *out = NULL;
    if (b == NULL)
        return IMR_ENOMEM;
    if (t->prefix)
        goto text;
    if ((strcmp(b, "partially") == 0 || strcmp(b, "partial") == 0) &&
        p->i + 1 < p->n && p->tk[p->i + 1].t == TK_WORD) {
        char *nb = bare_word(p->tk[p->i + 1].s);

        if (nb == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
        if (in_nlist(overturned_words, nb)) {
            free(nb);
            if ((rc = count_term(p, t->pos)) != IMR_OK)
                goto done;
            n = filter_node(p, IMR_QF_OUTCOME, t->pos,
                            p->tk[p->i + 1].pos + p->tk[p->i + 1].len -
                            t->pos, 1);
            if (n == NULL ||
                (n->filter->value = strdup("partially overturned")) ==
                NULL) {
                rc = IMR_ENOMEM;
                goto done;
            }
            p->i += 2;
            goto done;
        }
        free(nb);
    }
    if (in_nlist(upheld_words, b))
        dec = "upheld";
    else if (in_nlist(overturned_words, b))
        dec = "overturned";
    if (dec != NULL) {
        if ((rc = count_term(p, t->pos)) != IMR_OK)
            goto done;
        n = filter_node(p, IMR_QF_DECISION, t->pos, t->len, 1);
        if (n == NULL || (n->filter->value = strdup(dec)) == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
        p->i++;
        goto done;
    }
    if ((rc = natural_cite(p, 1, &n)) != IMR_OK || n != NULL)
        goto done;
    if (in_list(noise, sizeof(noise) / sizeof(noise[0]), b)) {
        rc = imr_strv_push(&p->q->ignored, &p->q->n_ignored, t->s);
        p->i++;
        goto done;
    }
text:
    free(b);
    return term_run(p, out);
done:
    free(b);
    if (rc != IMR_OK) {
        node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* Splits S into lower-case words on white space and runs the synonym
 * table over the whole phrase: returns alternatives only when the phrase
 * is one spelling. */
static int phrase_alts(const char *s, char ***alts, size_t *n_alts)
{
    char *copy = strdup(s), *save = NULL, *w;
    const char *words[RUN_MAX];
    size_t nw = 0;
    int r;

    *alts = NULL;
    *n_alts = 0;
    if (copy == NULL)
        return IMR_ENOMEM;
    lower(copy);
    for (w = strtok_r(copy, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save)) {
        if (nw == RUN_MAX) {
            free(copy);
            return IMR_OK;
        }
        words[nw++] = w;
    }
    r = nw > 0 ? imr_synonyms_match(words, nw, alts, n_alts) : 0;
    free(copy);
    if (r < 0)
        return r;
    if (r > 0 && (size_t)r != nw) {
        imr_strv_free(*alts, *n_alts);
        *alts = NULL;
        *n_alts = 0;
    }
    return IMR_OK;
}

/* A TERM or PHRASE node for TEXT (quoted or not) at POS. */
static int text_node(struct parser *p, const char *text, int quoted,
                     int prefix, size_t pos, struct imr_qnode **out)
{
    struct imr_qnode *n;
    int rc;

    *out = NULL;
    if (!has_alnum(text))
        return perr(p, IMR_EINVAL, pos, strlen(text), "nothing to search "
                    "for in this phrase%s", NULL);
    if ((rc = count_term(p, pos)) != IMR_OK)
        return rc;
    n = node_new(quoted && strchr(text, ' ') ? IMR_QN_PHRASE : IMR_QN_TERM,
                 pos);
    if (n == NULL || (n->text = strdup(text)) == NULL) {
        node_free(n);
        return IMR_ENOMEM;
    }
    n->prefix = prefix;
    rc = phrase_alts(text, &n->alts, &n->n_alts);
    if (rc != IMR_OK) {
        node_free(n);
        return rc;
    }
    if (n->n_alts > 0)
        n->type = IMR_QN_TERM;
    *out = n;
    return IMR_OK;
}

static const char *norm_decision(const char *v)
{
    if (in_nlist(upheld_words, v))
        return "upheld";
    if (in_nlist(overturned_words, v))
        return "overturned";
    if (strcmp(v, "unknown") == 0)
        return "unknown";
    return NULL;
}

static const char *norm_outcome(const char *v)
{
    const char *d = norm_decision(v);

    if (d != NULL && strcmp(d, "unknown") != 0)
        return d;
    if (strcmp(v, "partially overturned") == 0 ||
        strcmp(v, "partially-overturned") == 0 ||
        strcmp(v, "partially_overturned") == 0 ||
        strcmp(v, "partially") == 0 || strcmp(v, "partial") == 0)
        return "partially overturned";
    return NULL;
}

static const char *norm_gender(const char *v)
{
    if (strcmp(v, "female") == 0 || strcmp(v, "f") == 0 ||
        strcmp(v, "woman") == 0 || strcmp(v, "women") == 0)
        return "female";
    if (strcmp(v, "male") == 0 || strcmp(v, "m") == 0 ||
        strcmp(v, "man") == 0 || strcmp(v, "men") == 0)
        return "male";
    return NULL;
}

static const char *norm_by(const char *v)
{
    if (strcmp(v, "reviewer") == 0 || strcmp(v, "maximus") == 0 ||
        strcmp(v, "expert") == 0 || strcmp(v, "imr") == 0)
        return "reviewer";
    if (strcmp(v, "claims_administrator") == 0 ||
        strcmp(v, "claims-administrator") == 0 ||
        strcmp(v, "claims administrator") == 0 ||
        strcmp(v, "claims") == 0 || strcmp(v, "administrator") == 0 ||
        strcmp(v, "ur") == 0 || strcmp(v, "ca") == 0)
        return "claims_administrator";
    return NULL;
}

/* Lower-cases V and folds runs of white space to one space. */
static char *fold(const char *v)
{
    char *o = malloc(strlen(v) + 1), *d = o;
    int sp = 0;

    if (o == NULL)
        return NULL;
    for (; *v; v++) {
        if (isspace((unsigned char)*v)) {
            sp = d != o;
            continue;
        }
        if (sp)
            *d++ = ' ';
        sp = 0;
        *d++ = (char)tolower((unsigned char)*v);
    }
    *d = '\0';
    return o;
}

static int parse_field(struct parser *p, struct imr_qnode **out)
{
    struct tok *t = &p->tk[p->i];
    const struct field_def *fd = field_find(t->s);
    struct imr_qnode *n = NULL;
    struct imr_qfilter *f;
    char *v = fold(t->v);
    const char *nv = NULL;
    int rc = IMR_OK;

    *out = NULL;
    if (v == NULL)
        return IMR_ENOMEM;
    if (fd->kind == FK_TREATMENT) {
        size_t vl = strlen(t->v);
        int star = !t->vquoted && vl > 0 && t->v[vl - 1] == '*';
        char *tv = xstrndup(t->v, vl - (size_t)star);

        if (tv == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
        rc = text_node(p, tv, t->vquoted, star, t->vpos, &n);
        free(tv);
        if (rc == IMR_OK) {
            n->column = IMR_QCOL_TREATMENT;
            p->i++;
        }
        goto done;
    }
    if (fd->kind == FK_CITING) {
        struct parser sub = *p;
        char *sv = NULL;

        /* lex the value as its own query and read one citation from it */
        sub.text = t->v;
        sub.tk = NULL;
        sub.n = 0;
        sub.i = 0;
        sub.qe = NULL;
        sub.err = NULL;
        rc = lex(&sub, t->v);
        if (rc == IMR_OK && sub.n > 0 && sub.tk[0].t == TK_WORD)
            rc = natural_cite(&sub, 0, &n);
        p->terms = sub.terms;
        if (rc == IMR_OK && (n == NULL || sub.i != sub.n)) {
            node_free(n);
            n = NULL;
            rc = perr(p, IMR_EINVAL, t->pos, t->len, "citing: expects a "
                      "guideline and pages, like citing:\"MTUS p.49\"%s",
                      NULL);
        } else if (rc != IMR_OK && rc != IMR_ENOMEM) {
            rc = perr(p, rc, t->pos, t->len, "citing: expects a "
                      "guideline and pages, like citing:\"MTUS p.49\"%s",
                      NULL);
        }
        toks_free(sub.tk, MAX_TOKENS + 1);
        if (rc == IMR_OK) {
            n->pos = t->pos;
            n->filter->pos = t->pos;
            sv = xstrndup(p->text + t->pos, t->len);
            if (sv == NULL) {
                rc = IMR_ENOMEM;
                goto done;
            }
            free(n->filter->source);
            n->filter->source = sv;
            p->i++;
        }
        goto done;
    }
    if ((rc = count_term(p, t->pos)) != IMR_OK)
        goto done;
    n = filter_node(p, fd->field, t->pos, t->len, 0);
    if (n == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    f = n->filter;
    switch (fd->kind) {
    case FK_GUIDELINE: {
        char *up = strdup(t->v), *c;

        if (up == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
        nv = guideline_name(v);
        if (nv != NULL) {
            free(up);
            up = strdup(nv);
            if (up == NULL) {
                rc = IMR_ENOMEM;
                goto done;
            }
        } else {
            for (c = up; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        }
        f->guideline = up;
        p->i++;
        /* "guideline:MTUS page:49": the page binds to the guideline */
        if (p->i < p->n && p->tk[p->i].t == TK_FIELD &&
            field_find(p->tk[p->i].s)->kind == FK_PAGE) {
            if (parse_pagelist(p->tk[p->i].v, f) != 0) {
                rc = perr(p, IMR_EINVAL, p->tk[p->i].pos, p->tk[p->i].len,
                          "page: expects a page or range like page:49 or "
                          "page:30-34%s", NULL);
                goto done;
            }
            free(f->source);
            f->source = xstrndup(p->text + t->pos, p->tk[p->i].pos +
                                 p->tk[p->i].len - t->pos);
            if (f->source == NULL) {
                rc = IMR_ENOMEM;
                goto done;
            }
            p->i++;
        }
        goto done;
    }
    case FK_PAGE:
        if (parse_pagelist(v, f) != 0)
            rc = perr(p, IMR_EINVAL, t->pos, t->len, "page: expects a "
                      "page or range like page:49 or page:30-34%s", NULL);
        break;
    default:
        break;
    }
    if (rc != IMR_OK)
        goto done;
    if (fd->kind == FK_FILTER) {
        switch (fd->field) {
        case IMR_QF_DECISION:
            if ((nv = norm_decision(v)) == NULL)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "decision: must "
                          "be upheld, overturned or unknown%s", NULL);
            break;
        case IMR_QF_OUTCOME:
            if ((nv = norm_outcome(v)) == NULL)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "outcome: must "
                          "be upheld, overturned or \"partially "
                          "overturned\"%s", NULL);
            break;
        case IMR_QF_GENDER:
            if ((nv = norm_gender(v)) == NULL)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "gender: must "
                          "be female or male%s", NULL);
            break;
        case IMR_QF_PROGRAM:
            if (strcmp(v, "dwc") != 0 && strcmp(v, "dmhc") != 0)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "program: must "
                          "be dwc or dmhc%s", NULL);
            nv = v;
            break;
        case IMR_QF_BY:
            if ((nv = norm_by(v)) == NULL)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "by: must be "
                          "reviewer or claims_administrator%s", NULL);
            break;
        case IMR_QF_YEAR:
            if (parse_numrange(v, 1990, 2199, &f->nlo, &f->nhi) != 0)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "year: expects "
                          "a year or a range like year:2014..2016%s", NULL);
            break;
        case IMR_QF_AGE:
            if (parse_numrange(v, 0, 130, &f->nlo, &f->nhi) != 0)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "age: expects "
                          "an age or a range like age:40..60%s", NULL);
            break;
        case IMR_QF_DATE:
        case IMR_QF_INJURED:
        case IMR_QF_RECEIVED:
            rc = parse_daterange(v, f);
            if (rc == 1)
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "%s: expects a "
                          "date or range like 2013-07..2014-06", t->s);
            break;
        case IMR_QF_CASE:
            nv = t->v;   /* record ids are case-sensitive */
            break;
        default:
            nv = v;
            break;
        }
    }
    if (rc != IMR_OK)
        goto done;
    if (nv != NULL && (f->value = strdup(nv)) == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    p->i++;
done:
    free(v);
    if (rc != IMR_OK) {
        node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static int parse_unary(struct parser *p, struct imr_qnode **out);

static int parse_primary(struct parser *p, struct imr_qnode **out)
{
    struct tok *t = &p->tk[p->i];
    int rc;

    *out = NULL;
    switch (t->t) {
    case TK_LP: {
        size_t pos = t->pos;

        if (++p->depth > IMR_QUERY_MAX_DEPTH)
            return perr(p, IMR_ELIMIT, pos, 1, "query nested too deeply "
                        "(more than 8 levels)%s", NULL);
        p->i++;
        rc = parse_and(p, 1, out);
        if (rc != IMR_OK)
            return rc;
        if (p->tk[p->i].t != TK_RP) {
            node_free(*out);
            *out = NULL;
            return perr(p, IMR_EINVAL, pos, 1, "unbalanced '(': no "
                        "matching ')'%s", NULL);
        }
        p->i++;
        p->depth--;
        return IMR_OK;
    }
    case TK_PHRASE:
        rc = text_node(p, t->s, 1, 0, t->pos + 1, out);
        if (rc == IMR_OK)
            p->i++;
        return rc;
    case TK_FIELD:
        return parse_field(p, out);
    case TK_WORD:
        return parse_word(p, out);
    case TK_RP:
        return perr(p, IMR_EINVAL, t->pos, 1, "unbalanced ')': no "
                    "matching '('%s", NULL);
    case TK_OR:
    case TK_AND:
        return perr(p, IMR_EINVAL, t->pos, t->len, "%s needs a term before "
                    "it", t->t == TK_OR ? "OR" : "AND");
    default:
        return perr(p, IMR_EINVAL, t->pos, 0, "unexpected end of query%s",
                    NULL);
    }
}

static int parse_unary(struct parser *p, struct imr_qnode **out)
{
    struct tok *t = &p->tk[p->i];
    struct imr_qnode *kid = NULL, *n;
    int rc;

    *out = NULL;
    if (t->t != TK_NOT && t->t != TK_MINUS)
        return parse_primary(p, out);
    if (is_stop(&p->tk[p->i + 1]) || p->tk[p->i + 1].t == TK_NOT)
        return perr(p, IMR_EINVAL, t->pos, t->len, "nothing to exclude "
                    "after %s", t->t == TK_NOT ? "NOT" : "'-'");
    if (++p->depth > IMR_QUERY_MAX_DEPTH)
        return perr(p, IMR_ELIMIT, t->pos, t->len, "query nested too "
                    "deeply (more than 8 levels)%s", NULL);
    p->i++;
    rc = parse_unary(p, &kid);
    p->depth--;
    if (rc != IMR_OK || kid == NULL)
        return rc;
    n = node_new(IMR_QN_NOT, t->pos);
    if (n == NULL || node_add(n, kid) != IMR_OK) {
        node_free(n);
        node_free(kid);
        return IMR_ENOMEM;
    }
    *out = n;
    return IMR_OK;
}

/* Adds KID to the list node *ACC of TYPE (created when needed). */
static int accumulate(struct imr_qnode **acc, enum imr_qtype type,
                      size_t pos, struct imr_qnode *kid)
{
    if (kid == NULL)
        return IMR_OK;
    if (*acc == NULL) {
        *acc = node_new(type, pos);
        if (*acc == NULL) {
            node_free(kid);
            return IMR_ENOMEM;
        }
    }
    if (node_add(*acc, kid) != IMR_OK) {
        node_free(kid);
        return IMR_ENOMEM;
    }
    return IMR_OK;
}

/* Collapses a list node of 0 or 1 children. */
static struct imr_qnode *collapse(struct imr_qnode *n)
{
    struct imr_qnode *k;

    if (n == NULL || (n->type != IMR_QN_AND && n->type != IMR_QN_OR))
        return n;
    if (n->n_kids == 0) {
        node_free(n);
        return NULL;
    }
    if (n->n_kids > 1)
        return n;
    k = n->kids[0];
    n->n_kids = 0;
    node_free(n);
    return k;
}

static int parse_or(struct parser *p, struct imr_qnode **out)
{
    struct imr_qnode *acc = NULL, *kid = NULL;
    size_t pos = p->tk[p->i].pos;
    int rc;

    *out = NULL;
    rc = parse_unary(p, &kid);
    if (rc == IMR_OK)
        rc = accumulate(&acc, IMR_QN_OR, pos, kid);
    while (rc == IMR_OK && p->tk[p->i].t == TK_OR) {
        struct tok *op = &p->tk[p->i];

        if (is_stop(&p->tk[p->i + 1])) {
            rc = perr(p, IMR_EINVAL, op->pos, op->len, "OR needs a term "
                      "after it%s", NULL);
            break;
        }
        p->i++;
        kid = NULL;
        rc = parse_unary(p, &kid);
        if (rc == IMR_OK)
            rc = accumulate(&acc, IMR_QN_OR, pos, kid);
    }
    if (rc != IMR_OK) {
        node_free(acc);
        return rc;
    }
    *out = collapse(acc);
    return IMR_OK;
}

static int parse_and(struct parser *p, int inner, struct imr_qnode **out)
{
    struct imr_qnode *acc = NULL, *kid;
    size_t pos = p->tk[p->i].pos;
    int rc = IMR_OK;

    *out = NULL;
    for (;;) {
        struct tok *t = &p->tk[p->i];

        if (t->t == TK_END)
            break;
        if (t->t == TK_RP) {
            if (inner)
                break;
            rc = perr(p, IMR_EINVAL, t->pos, 1, "unbalanced ')': no "
                      "matching '('%s", NULL);
            break;
        }
        if (t->t == TK_AND) {
            if (is_stop(&p->tk[p->i + 1]) || acc == NULL) {
                rc = perr(p, IMR_EINVAL, t->pos, t->len, "AND needs a term "
                          "on each side%s", NULL);
                break;
            }
            p->i++;
            continue;
        }
        kid = NULL;
        rc = parse_or(p, &kid);
        if (rc == IMR_OK)
            rc = accumulate(&acc, IMR_QN_AND, pos, kid);
        if (rc != IMR_OK)
            break;
    }
    if (rc != IMR_OK) {
        node_free(acc);
        return rc;
    }
    *out = collapse(acc);
    return IMR_OK;
}

/* ---- hoisting filters out of the text tree ---- */

enum ctx { CTX_AND, CTX_NOT, CTX_NONE };

static int add_filter(struct imr_query *q, struct imr_qfilter *f)
{
    struct imr_qfilter *v = realloc(q->filters,
                                    (q->n_filters + 1) * sizeof(*v));

    if (v == NULL)
        return IMR_ENOMEM;
    q->filters = v;
    q->filters[q->n_filters++] = *f;
    return IMR_OK;
}

/* Turns a natural filter that cannot be hoisted back into text. */
static int filter_to_text(struct imr_qnode *n)
{
    struct imr_qfilter *f = n->filter;

    n->type = strchr(n->text, ' ') ? IMR_QN_PHRASE : IMR_QN_TERM;
    n->filter = NULL;
    filter_clear(f);
    free(f);
    return IMR_OK;
}

/* Nonzero when N is an OR made only of field filters (no text, no
 * natural form, no by:), nested ORs included. */
static int fields_only_or(const struct imr_qnode *n)
{
    size_t i;

    if (n->type != IMR_QN_OR)
        return 0;
    for (i = 0; i < n->n_kids; i++) {
        const struct imr_qnode *k = n->kids[i];

        if (k->type == IMR_QN_OR) {
            if (!fields_only_or(k))
                return 0;
        } else if (k->type != IMR_QN_FILTER || k->natural ||
                   k->filter->field == IMR_QF_BY) {
            return 0;
        }
    }
    return 1;
}

/* Moves the field filters of the OR N into Q: with NEGATE each is
 * excluded on its own (NOT (a OR b) = NOT a AND NOT b), else they form
 * the OR group GROUP. */
static int hoist_or_group(struct imr_query *q, struct imr_qnode *n,
                          int negate, int group)
{
    size_t i;
    int rc;

    for (i = 0; i < n->n_kids; i++) {
        struct imr_qnode *k = n->kids[i];

        if (k->type == IMR_QN_OR) {
            rc = hoist_or_group(q, k, negate, group);
        } else {
            k->filter->negate = negate;
            k->filter->any_of = negate ? 0 : group;
            rc = add_filter(q, k->filter);
            if (rc == IMR_OK) {
                free(k->filter);
                k->filter = NULL;
            }
        }
        if (rc != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

/* Hoists the filters of *SLOT. Sets *SLOT to NULL when the node was
 * consumed. */
static int hoist(struct parser *p, struct imr_qnode **slot, enum ctx ctx)
{
    struct imr_qnode *n = *slot;
    size_t i, j;
    int rc;

    switch (n->type) {
    case IMR_QN_FILTER:
        if (ctx == CTX_AND || ctx == CTX_NOT) {
            n->filter->negate = ctx == CTX_NOT;
            if ((rc = add_filter(p->q, n->filter)) != IMR_OK)
                return rc;
            free(n->filter);
            n->filter = NULL;
            node_free(n);
            *slot = NULL;
            return IMR_OK;
        }
        if (n->natural)
            return filter_to_text(n);
        return perr(p, IMR_EINVAL, n->pos, strlen(n->text), "a field "
                    "filter can be in an OR only with other fields (like "
                    "\"guideline:ODG OR guideline:ACOEM\"), not with text "
                    "or inside a negated group%s", NULL);
    case IMR_QN_NOT:
        rc = hoist(p, &n->kids[0], ctx == CTX_AND ? CTX_NOT : CTX_NONE);
        if (rc != IMR_OK)
            return rc;
        if (n->kids[0] == NULL) {
            n->n_kids = 0;
            node_free(n);
            *slot = NULL;
        }
        return IMR_OK;
    case IMR_QN_AND:
    case IMR_QN_OR:
        if ((ctx == CTX_AND || ctx == CTX_NOT) && fields_only_or(n)) {
            /* decision:overturned OR outcome:"partially overturned" */
            rc = hoist_or_group(p->q, n, ctx == CTX_NOT,
                                ctx == CTX_NOT ? 0 : ++p->groups);
            if (rc != IMR_OK)
                return rc;
            node_free(n);
            *slot = NULL;
            return IMR_OK;
        }
        for (i = 0; i < n->n_kids; i++) {
            rc = hoist(p, &n->kids[i], n->type == IMR_QN_AND &&
                       ctx == CTX_AND ? CTX_AND : CTX_NONE);
            if (rc != IMR_OK)
                return rc;
        }
        for (i = j = 0; i < n->n_kids; i++)
            if (n->kids[i] != NULL)
                n->kids[j++] = n->kids[i];
        n->n_kids = j;
        *slot = collapse(n);
        return IMR_OK;
    default:
        return IMR_OK;
    }
}

/* FTS5 can only exclude next to something it includes: checks that every
 * NOT below the top level has a positive sibling in an AND. */
static int check_not(struct parser *p, const struct imr_qnode *n, int top)
{
    size_t i, pos = 0, neg = 0;
    int rc;

    if (n->type == IMR_QN_NOT) {
        if (!top)
            return perr(p, IMR_EINVAL, n->pos, 1, "an exclusion needs a "
                        "term to exclude from (like \"FRP -psych\")%s",
                        NULL);
        return check_not(p, n->kids[0], 0);
    }
    if (n->type != IMR_QN_AND && n->type != IMR_QN_OR)
        return IMR_OK;
    for (i = 0; i < n->n_kids; i++) {
        if (n->kids[i]->type == IMR_QN_NOT)
            neg++;
        else
            pos++;
    }
    if (n->type == IMR_QN_AND && neg > 0 && pos == 0 && !top)
        return perr(p, IMR_EINVAL, n->pos, 1, "an exclusion needs a term "
                    "to exclude from (like \"FRP -psych\")%s", NULL);
    for (i = 0; i < n->n_kids; i++) {
        const struct imr_qnode *k = n->kids[i];

        if (k->type == IMR_QN_NOT && n->type == IMR_QN_AND)
            rc = check_not(p, k->kids[0], 0);
        else
            rc = check_not(p, k, 0);
        if (rc != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

/* Lexes, parses, hoists filters and checks exclusions; see query.h for
 * the contract (IMR_OK, IMR_EINVAL / IMR_ELIMIT with position, ENOMEM). */
int imr_query_parse(const char *text, struct imr_query **out,
                    struct imr_query_error *qerr, char *err)
{
    struct parser p;
    struct imr_query *q = NULL;
    size_t i, len;
    long bad;
    int rc;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.text = text;
    p.qe = qerr;
    p.err = err;
    if (qerr != NULL)
        qerr->pos = qerr->len = 0;
    len = strlen(text);
    if (len > IMR_QUERY_MAX_LEN)
        return perr(&p, IMR_ELIMIT, IMR_QUERY_MAX_LEN, 0, "query too long "
                    "(more than 4096 bytes)%s", NULL);
    if ((bad = utf8_invalid_at(text)) >= 0)
        return perr(&p, IMR_EINVAL, (size_t)bad, 0, "the query is not "
                    "valid UTF-8%s", NULL);
    q = calloc(1, sizeof(*q));
    if (q == NULL || (q->text = strdup(text)) == NULL) {
        rc = IMR_ENOMEM;
        goto fail;
    }
    p.q = q;
    if ((rc = lex(&p, text)) != IMR_OK)
        goto fail;
    if ((rc = parse_and(&p, 0, &q->root)) != IMR_OK)
        goto fail;
    if (q->root != NULL && (rc = hoist(&p, &q->root, CTX_AND)) != IMR_OK)
        goto fail;
    if (q->root != NULL && (rc = check_not(&p, q->root, 1)) != IMR_OK)
        goto fail;
    /* by: applies to the citation filters */
    for (i = 0; i < q->n_filters; i++) {
        size_t k;

        if (q->filters[i].field != IMR_QF_BY || q->filters[i].negate)
            continue;
        for (k = 0; k < q->n_filters; k++)
            if (q->filters[k].field == IMR_QF_CITE &&
                q->filters[k].by == NULL &&
                (q->filters[k].by = strdup(q->filters[i].value)) == NULL) {
                rc = IMR_ENOMEM;
                goto fail;
            }
    }
    toks_free(p.tk, MAX_TOKENS + 1);
    *out = q;
    return IMR_OK;
fail:
    if (rc == IMR_ENOMEM)
        imr_seterr(err, rc, "out of memory");
    toks_free(p.tk, MAX_TOKENS + 1);
    imr_query_free(q);
    return rc;
}

/* Frees Q and everything it owns; NULL is allowed. */
void imr_query_free(struct imr_query *q)
{
    size_t i;

    if (q == NULL)
        return;
    free(q->text);
    node_free(q->root);
    for (i = 0; i < q->n_filters; i++)
        filter_clear(&q->filters[i]);
    free(q->filters);
    imr_strv_free(q->ignored, q->n_ignored);
    free(q);
}

/* ---- FTS5 MATCH string ---- */

/* Appends S as an FTS5 string: in double quotes, inner quotes doubled. */
static void fts_quote(struct imr_buf *b, const char *s)
{
    imr_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            imr_buf_addc(b, '"');
        imr_buf_addc(b, *s);
    }
    imr_buf_addc(b, '"');
}

/* The spellings a MATCH string leaves out (imr_query_fts_pruned). */
struct fts_prune {
    int (*has_rows)(const void *arg, const char *key);
    const void *arg;
    struct imr_buf key;
};

/* Is spelling S (a prefix with PREFIX) of a word with synonyms one that
 * PR knows no row holds? Its key as lib/phrase_rows.h makes them. */
static int fts_pruned(struct fts_prune *pr, const char *s, int prefix)
{
    if (pr == NULL)
        return 0;
    imr_buf_reset(&pr->key);
    for (; *s; s++)
        imr_buf_addc(&pr->key, (char)(*s >= 'A' && *s <= 'Z' ?
                                      *s - 'A' + 'a' : *s));
    if (prefix)
        imr_buf_adds(&pr->key, " *");
    return imr_buf_error(&pr->key) == IMR_OK && pr->key.p != NULL &&
           pr->has_rows(pr->arg, pr->key.p) == 0;
}

static void fts_gen(struct imr_buf *b, const struct imr_qnode *n,
                    struct fts_prune *pr)
{
    size_t i, first = 1, kept = 0;

    switch (n->type) {
    case IMR_QN_TERM:
    case IMR_QN_PHRASE:
        if (n->column == IMR_QCOL_TREATMENT)
            imr_buf_adds(b, "treatment : ");
        if (n->n_alts > 0 || n->column == IMR_QCOL_TREATMENT)
            imr_buf_addc(b, '(');
        /* a spelling no row holds matches nothing and adds nothing to a
         * score or a snippet; the last one stays when all are such */
        if (n->n_alts == 0 || !fts_pruned(pr, n->text, n->prefix)) {
            fts_quote(b, n->text);
            if (n->prefix)
                imr_buf_adds(b, " *");
            kept++;
        }
        for (i = 0; i < n->n_alts; i++) {
            if (fts_pruned(pr, n->alts[i], 0) &&
                (kept > 0 || i + 1 < n->n_alts))
                continue;
            if (kept++ > 0)
                imr_buf_adds(b, " OR ");
            fts_quote(b, n->alts[i]);
        }
        if (n->n_alts > 0 || n->column == IMR_QCOL_TREATMENT)
            imr_buf_addc(b, ')');
        break;
    case IMR_QN_OR:
        imr_buf_addc(b, '(');
        for (i = 0; i < n->n_kids; i++) {
            if (i > 0)
                imr_buf_adds(b, " OR ");
            fts_gen(b, n->kids[i], pr);
        }
        imr_buf_addc(b, ')');
        break;
    case IMR_QN_AND:
        imr_buf_adds(b, "((");
        for (i = 0; i < n->n_kids; i++) {
            if (n->kids[i]->type == IMR_QN_NOT)
                continue;
            if (!first)
                imr_buf_adds(b, " AND ");
            first = 0;
            fts_gen(b, n->kids[i], pr);
        }
        imr_buf_addc(b, ')');
        for (i = 0; i < n->n_kids; i++) {
            if (n->kids[i]->type != IMR_QN_NOT)
                continue;
            imr_buf_adds(b, " NOT ");
            fts_gen(b, n->kids[i]->kids[0], pr);
        }
        imr_buf_addc(b, ')');
        break;
    case IMR_QN_NOT:
        fts_gen(b, n->kids[0], pr);
        break;
    default:
        break;
    }
}

/* The MATCH strings of Q's text tree, without the spellings PR prunes
 * (PR may be NULL). */
static int fts_build(const struct imr_query *q, struct fts_prune *pr,
                     char **out, char **neg)
{
    struct imr_buf b = IMR_BUF_INIT, nb = IMR_BUF_INIT;
    const struct imr_qnode *r = q->root;
    size_t i, pos = 0, nn = 0;

    *out = NULL;
    if (neg != NULL)
        *neg = NULL;
    if (r == NULL)
        return IMR_OK;
    if (r->type == IMR_QN_NOT) {
        nn = 1;
        fts_gen(&nb, r->kids[0], pr);
    } else if (r->type == IMR_QN_AND) {
        for (i = 0; i < r->n_kids; i++)
            if (r->kids[i]->type != IMR_QN_NOT)
                pos++;
        if (pos == 0) {
            for (i = 0; i < r->n_kids; i++) {
                if (nn++ > 0)
                    imr_buf_adds(&nb, " OR ");
                fts_gen(&nb, r->kids[i]->kids[0], pr);
            }
        } else {
            fts_gen(&b, r, pr);
        }
    } else {
        fts_gen(&b, r, pr);
    }
    if (imr_buf_error(&b) != IMR_OK || imr_buf_error(&nb) != IMR_OK) {
        imr_buf_free(&b);
        imr_buf_free(&nb);
        return IMR_ENOMEM;
    }
    if (b.n > 0 && (*out = imr_buf_take(&b)) == NULL)
        goto oom;
    if (nn > 0 && neg != NULL && (*neg = imr_buf_take(&nb)) == NULL)
        goto oom;
    imr_buf_free(&b);
    imr_buf_free(&nb);
    return IMR_OK;
oom:
    free(*out);
    *out = NULL;
    imr_buf_free(&b);
    imr_buf_free(&nb);
    return IMR_ENOMEM;
}

/* The MATCH strings of Q's text tree (free()); see query.h. */
int imr_query_fts(const struct imr_query *q, char **out, char **neg)
{
    return fts_build(q, NULL, out, neg);
}

/* The same without the spellings no row holds; see query.h. */
int imr_query_fts_pruned(const struct imr_query *q,
                         int (*has_rows)(const void *arg,
                                         const char *key),
                         const void *arg, char **out, char **neg)
{
    struct fts_prune pr = {has_rows, arg, IMR_BUF_INIT};
    int rc = fts_build(q, &pr, out, neg);

    imr_buf_free(&pr.key);
    return rc;
}

/* ---- interpretation ---- */

static const char *field_label(enum imr_qfield f)
{
    static const char *const names[] = {
        "decision", "outcome", "citation", "case", "year", "date",
        "injured", "received", "specialty", "age", "gender", "by",
        "category", "subcategory", "diagnosis", "licensure", "program",
        "type"
    };

    return (size_t)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

static void describe_pages(struct imr_buf *b, const struct imr_qfilter *f)
{
    size_t i;

    for (i = 0; i < f->n_pages; i++) {
        imr_buf_adds(b, i == 0 ? (f->n_pages > 1 || f->pages[0].from !=
                                  f->pages[0].to ? " pp." : " p.") : ",");
        if (f->pages[i].from == f->pages[i].to)
            imr_buf_addf(b, "%d", f->pages[i].from);
        else
            imr_buf_addf(b, "%d-%d", f->pages[i].from, f->pages[i].to);
    }
}

/* The typed length of an upper date bound ("2014-06-99" -> 7). */
static int hi_len(const char *hi)
{
    int n = (int)strlen(hi);

    while (n >= 7 && strncmp(hi + n - 3, "-99", 3) == 0)
        n -= 3;
    return n;
}

static void describe_filter(struct imr_buf *b, const struct imr_qfilter *f)
{
    if (f->negate)
        imr_buf_adds(b, "NOT ");
    switch (f->field) {
    case IMR_QF_CITE:
        imr_buf_adds(b, "cites ");
        imr_buf_adds(b, f->guideline != NULL ? f->guideline :
                     "any guideline");
        if (f->chapter != NULL)
            imr_buf_addf(b, isdigit((unsigned char)f->chapter[0]) ?
                         " ch. %s" : " \"%s\"", f->chapter);
        describe_pages(b, f);
        if (f->n_pages > 0)
            imr_buf_adds(b, " (any cited range containing it)");
        if (f->by != NULL)
            imr_buf_addf(b, " by %s", f->by);
        break;
    case IMR_QF_YEAR:
    case IMR_QF_AGE:
        if (f->nlo == f->nhi)
            imr_buf_addf(b, "%s = %ld", field_label(f->field), f->nlo);
        else
            imr_buf_addf(b, "%s %ld..%ld", field_label(f->field), f->nlo,
                         f->nhi);
        break;
    case IMR_QF_DATE:
    case IMR_QF_INJURED:
    case IMR_QF_RECEIVED:
        imr_buf_addf(b, "%s %s..%.*s", f->field == IMR_QF_DATE ?
                     "decided" : field_label(f->field),
                     f->lo ? f->lo : "",
                     f->hi ? hi_len(f->hi) : 0,
                     f->hi ? f->hi : "");
        break;
    case IMR_QF_DECISION:
    case IMR_QF_OUTCOME:
    case IMR_QF_CASE:
    case IMR_QF_GENDER:
    case IMR_QF_BY:
    case IMR_QF_PROGRAM:
        imr_buf_addf(b, "%s = %s", field_label(f->field), f->value);
        break;
    default:
        imr_buf_addf(b, "%s contains \"%s\"", field_label(f->field),
                     f->value);
        break;
    }
}

static void describe_text(struct imr_buf *b, const struct imr_qnode *n)
{
    size_t i;

    switch (n->type) {
    case IMR_QN_TERM:
    case IMR_QN_PHRASE:
        if (n->column == IMR_QCOL_TREATMENT)
            imr_buf_adds(b, "treatment:");
        if (n->n_alts > 0)
            imr_buf_addc(b, '(');
        imr_buf_addf(b, n->type == IMR_QN_PHRASE || strchr(n->text, ' ') ?
                     "\"%s\"" : "%s", n->text);
        if (n->prefix)
            imr_buf_addc(b, '*');
        for (i = 0; i < n->n_alts; i++)
            imr_buf_addf(b, strchr(n->alts[i], ' ') ? " OR \"%s\"" :
                         " OR %s", n->alts[i]);
        if (n->n_alts > 0)
            imr_buf_addc(b, ')');
        break;
    case IMR_QN_NOT:
        imr_buf_adds(b, "NOT ");
        describe_text(b, n->kids[0]);
        break;
    case IMR_QN_AND:
    case IMR_QN_OR:
        imr_buf_addc(b, '(');
        for (i = 0; i < n->n_kids; i++) {
            if (i > 0)
                imr_buf_adds(b, n->type == IMR_QN_AND ? " AND " : " OR ");
            describe_text(b, n->kids[i]);
        }
        imr_buf_addc(b, ')');
        break;
    default:
        break;
    }
}

static int collect_terms(json_t *terms, json_t *exps,
                         const struct imr_qnode *n, int negated)
{
    size_t i;

    if (n->type == IMR_QN_TERM || n->type == IMR_QN_PHRASE) {
        json_t *t = json_pack("{s:s, s:s, s:b, s:s, s:b}", "text", n->text,
                              "kind", n->type == IMR_QN_PHRASE ? "phrase" :
                              "word", "prefix", n->prefix, "column",
                              n->column == IMR_QCOL_TREATMENT ?
                              "treatment" : "any", "excluded", negated);

        if (t == NULL || json_array_append_new(terms, t) != 0)
            return IMR_ENOMEM;
        if (n->n_alts > 0) {
            json_t *a = json_array(), *e;

            if (a == NULL)
                return IMR_ENOMEM;
            for (i = 0; i < n->n_alts; i++)
                json_array_append_new(a, json_string(n->alts[i]));
            e = json_pack("{s:s, s:o}", "term", n->text, "also", a);
            if (e == NULL || json_array_append_new(exps, e) != 0)
                return IMR_ENOMEM;
        }
        return IMR_OK;
    }
    for (i = 0; i < n->n_kids; i++)
        if (collect_terms(terms, exps, n->kids[i],
                          negated ^ (n->type == IMR_QN_NOT)) != IMR_OK)
            return IMR_ENOMEM;
    return IMR_OK;
}

static json_t *filter_json(const struct imr_qfilter *f)
{
    struct imr_buf d = IMR_BUF_INIT;
    json_t *o = json_object(), *pages;
    size_t i;

    if (o == NULL)
        return NULL;
    describe_filter(&d, f);
    json_object_set_new(o, "field", json_string(field_label(f->field)));
    json_object_set_new(o, "from", json_string(f->source ? f->source : ""));
    json_object_set_new(o, "means", json_string(d.p ? d.p : ""));
    json_object_set_new(o, "negate", json_boolean(f->negate));
    if (f->any_of > 0)
        json_object_set_new(o, "any_of", json_integer(f->any_of));
    if (f->value != NULL)
        json_object_set_new(o, "value", json_string(f->value));
    if (f->field == IMR_QF_CITE) {
        json_object_set_new(o, "guideline", f->guideline ?
                            json_string(f->guideline) : json_null());
        json_object_set_new(o, "chapter", f->chapter ?
                            json_string(f->chapter) : json_null());
        json_object_set_new(o, "by", f->by ? json_string(f->by) :
                            json_null());
        pages = json_array();
        for (i = 0; pages != NULL && i < f->n_pages; i++)
            json_array_append_new(pages, json_pack("[i,i]",
                                                   f->pages[i].from,
                                                   f->pages[i].to));
        json_object_set_new(o, "pages", pages ? pages : json_null());
    }
    if (f->lo != NULL || f->hi != NULL) {
        json_object_set_new(o, "from_date", f->lo ? json_string(f->lo) :
                            json_null());
        json_object_set_new(o, "to_date", f->hi ? json_string(f->hi) :
                            json_null());
    }
    if (f->field == IMR_QF_YEAR || f->field == IMR_QF_AGE) {
        json_object_set_new(o, "min", json_integer(f->nlo));
        json_object_set_new(o, "max", json_integer(f->nhi));
    }
    if (imr_buf_error(&d) != IMR_OK) {
        json_decref(o);
        o = NULL;
    }
    imr_buf_free(&d);
    return o;
}

/* What Q means, as JSON for responses (new reference, NULL on OOM). */
json_t *imr_query_interpretation(const struct imr_query *q)
{
    json_t *o = NULL, *terms = json_array(), *exps = json_array();
    json_t *filters = json_array(), *ign = json_array();
    struct imr_buf s = IMR_BUF_INIT;
    char *fts = NULL, *neg = NULL;
    size_t i;

    if (terms == NULL || exps == NULL || filters == NULL || ign == NULL)
        goto fail;
    if (q->root != NULL && collect_terms(terms, exps, q->root, 0) != IMR_OK)
        goto fail;
    for (i = 0; i < q->n_filters; i++) {
        json_t *f = filter_json(&q->filters[i]);

        if (f == NULL || json_array_append_new(filters, f) != 0)
            goto fail;
        if (i > 0)
            imr_buf_adds(&s, "; ");
        describe_filter(&s, &q->filters[i]);
    }
    if (q->root != NULL) {
        if (q->n_filters > 0)
            imr_buf_adds(&s, "; ");
        imr_buf_adds(&s, "text: ");
        describe_text(&s, q->root);
    }
    if (q->root == NULL && q->n_filters == 0)
        imr_buf_adds(&s, "everything (no terms or filters)");
    for (i = 0; i < q->n_ignored; i++) {
        imr_buf_adds(&s, i == 0 ? "; ignored: " : ", ");
        imr_buf_adds(&s, q->ignored[i]);
        json_array_append_new(ign, json_string(q->ignored[i]));
    }
    if (imr_query_fts(q, &fts, &neg) != IMR_OK ||
        imr_buf_error(&s) != IMR_OK)
        goto fail;
    o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                  "summary", s.p ? s.p : "",
                  "terms", terms, "filters", filters, "expansions", exps,
                  "ignored", ign,
                  "fts", fts ? json_string(fts) : json_null(),
                  "fts_excluded", neg ? json_string(neg) : json_null());
    /* json_pack steals "o" references, also when it fails */
    terms = exps = filters = ign = NULL;
fail:
    json_decref(terms);
    json_decref(exps);
    json_decref(filters);
    json_decref(ign);
    free(fts);
    free(neg);
    imr_buf_free(&s);
    return o;
}
