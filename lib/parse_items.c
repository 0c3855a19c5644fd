/* The disputed items of a letter: item heads ("MRI of the knee: Upheld"),
 * the guideline statements of both parties, the rationale and the
 * decision. See lib/parse_int.h. */
#include "parse_int.h"
#include "text.h"

#include "imr/category.h"
#include "imr/cite.h"
#include "imr/imr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAD_MAX_LINES 7      /* lines an item head may wrap over */
#define HEAD_MAX_BYTES 1500   /* bytes looked back for an item head */

static const char CA_LABEL[] = "Claims Administrator guideline:";
static const char MAX_LABEL[] = "MAXIMUS guideline:";
static const char DR_LABEL[] = "Decision rationale:";

struct anchor {
    size_t head_lo;     /* first byte of the item head */
    size_t head_hi;     /* end of the head: the body starts here */
};

static int is_sp(int c)
{
    return c == ' ' || c == '\n' || c == '\t';
}

/* Decision word at S (N bytes): its length, and *D; 0 if none. */
static size_t decision_word(const char *s, size_t n, enum imr_decision *d)
{
    static const struct {
        const char *w;
        enum imr_decision d;
    } words[] = {
        {"overturned", IMR_DECISION_OVERTURNED},
        {"over-turned", IMR_DECISION_OVERTURNED},
        {"upheld", IMR_DECISION_UPHELD},
        {"up-held", IMR_DECISION_UPHELD},
    };
    size_t i, k;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        k = strlen(words[i].w);
        if (n >= k && strncasecmp(s, words[i].w, k) == 0 &&
            (n == k || !isalnum((unsigned char)s[k]))) {
            *d = words[i].d;
            return k;
        }
    }
    return 0;
}

/* If T[i] is ':' followed by a decision word that ends its line, returns
 * the end of that line (index of '\n' or HI) and sets *D; else 0. */
static size_t marker_at(const char *t, size_t i, size_t hi,
                        enum imr_decision *d)
{
    size_t j = i + 1, k;
    int nl = 0;

    while (j < hi && is_sp((unsigned char)t[j])) {
        if (t[j] == '\n' && ++nl > 2)
            return 0;
        j++;
    }
    if (j >= hi || (k = decision_word(t + j, hi - j, d)) == 0)
        return 0;
    j += k;
    if (j < hi && t[j] == '.')
        j++;
    while (j < hi && t[j] == ' ')
        j++;
    if (j < hi && t[j] != '\n')
        return 0;
    return j;
}

/* Start of the line holding position P, looking back at most to LO. */
static size_t line_start(const char *t, size_t lo, size_t p)
{
    while (p > lo && t[p - 1] != '\n')
        p--;
    return p;
}

/* Finds LABEL in the N bytes at S even when a line break splits it;
 * *END gets the first byte after the label. NULL if absent. */
static const char *find_label(const char *s, size_t n, const char *label,
                              const char **end)
{
    size_t k;
    const char *p = Imr_text_find_ws(s, n, label, &k);

    *end = p ? p + k : NULL;
    return p;
}

static int has_label(const char *s, size_t n)
{
    const char *e;

    return find_label(s, n, CA_LABEL, &e) != NULL ||
           find_label(s, n, MAX_LABEL, &e) != NULL ||
           find_label(s, n, DR_LABEL, &e) != NULL;
}

/* 1 if the trimmed line S (N bytes) is only a decision word. */
static int lone_decision(const char *s, size_t n)
{
    enum imr_decision d;
    size_t k = decision_word(s, n, &d);

    return k > 0 && (k == n || (k + 1 == n && s[k] == '.'));
}

/* Nonzero when the line L[0, N) ends with "DOS:" or "date of service:"
 * (a treatment name wrapped before its date of service). */
static int ends_with_dos(const char *l, size_t n)
{
    static const char *const tails[] = { "dos:", "date of service:" };
    size_t k, m;

    for (k = 0; k < sizeof(tails) / sizeof(tails[0]); k++) {
        m = strlen(tails[k]);
        if (n >= m && strncasecmp(l + n - m, tails[k], m) == 0 &&
            (n == m || !isalpha((unsigned char)l[n - m - 1])))
            return 1;
    }
    return 0;
}

/* Walks back from position P (exclusive) over the lines of the item head,
 * not before LO. Returns the first byte of the head (== P if none). */
static size_t walk_back(const char *t, size_t lo, size_t p)
{
    size_t cur = p, ls, s, e, first = p;
    int lines = 0, lone = 0, blanks = 0;

    /* the part of P's own line before P belongs to the head */
    ls = line_start(t, lo, p);
    s = ls;
    while (s < p && is_sp((unsigned char)t[s]))
        s++;
    if (s < p) {
        first = ls;
        lines = 1;
        e = p;
        while (e > s && is_sp((unsigned char)t[e - 1]))
            e--;
        lone = lone_decision(t + s, e - s);
    }
    cur = ls;
    while (cur > lo && lines < HEAD_MAX_LINES && p - cur < HEAD_MAX_BYTES) {
        ls = line_start(t, lo, cur - 1);
        s = ls;
        e = cur - 1;
        while (s < e && is_sp((unsigned char)t[s]))
            s++;
        while (e > s && is_sp((unsigned char)t[e - 1]))
            e--;
        if (s == e) {                 /* blank line */
            if ((lines > 0 && !(lines == 1 && lone)) || ++blanks > 2)
                break;
            cur = ls;
            continue;
        }
        if (has_label(t + s, e - s))
            break;
        if (lines > 0) {
            if (t[e - 1] == '.' && !(e - s >= 2 && isdigit(
                    (unsigned char)t[e - 2]) && e - s < 4))
                break;
            /* a label line ends the head, but "..., DOS:" (date of
             * service) wrapped before its date is part of the name */
            if (t[e - 1] == ':' && !lone && !ends_with_dos(t + s, e - s))
                break;
            if (e - s > 3 && Imr_text_find(t + s, e - s, "set forth") &&
                t[e - 1] == ':')
                break;
        } else {
            lone = lone_decision(t + s, e - s);
        }
        /* an all-capital heading ends the head */
        {
            size_t i, lower = 0;

            for (i = s; i < e; i++)
                if (islower((unsigned char)t[i]))
                    lower++;
            if (lower == 0 && e - s > 12)
                break;
        }
        first = ls;
        lines++;
        cur = ls;
        if (lines > 0 && e - s > 2 && isdigit((unsigned char)t[s]) &&
            (t[s + 1] == '.' || t[s + 1] == ')'))
            break;                    /* "1. ..." starts a numbered head */
    }
    return first;
}

/* Strips white space, a trailing ':' or " is" and leading numbering. */
static void trim_treatment(char *s)
{
    size_t n = strlen(s), i = 0, k;
    int changed = 1;

    while (changed) {
        changed = 0;
        while (n > 0 && (is_sp((unsigned char)s[n - 1]) || s[n - 1] == ':'
                         || s[n - 1] == ',')) {
            n--;
            changed = 1;
        }
        if (n >= 3 && strncasecmp(s + n - 3, " is", 3) == 0) {
            n -= 3;
            changed = 1;
        }
    }
    s[n] = '\0';
    while (i < n && is_sp((unsigned char)s[i]))
        i++;
    k = i;
    while (k < n && k - i < 3 && isdigit((unsigned char)s[k]))
        k++;
    if (k > i && k < n && (s[k] == '.' || s[k] == ')') && k + 1 < n &&
        s[k + 1] == ' ')
        i = k + 2;
    memmove(s, s + i, n - i + 1);
}

/* From the flattened head H: the treatment (new string) and decision. */
static char *head_treatment(const char *h, enum imr_decision *d)
{
    size_t n = strlen(h), i, cut = n;
    const char *p, *last = NULL, *q;
    char *tr;

    *d = IMR_DECISION_UNKNOWN;
    /* ": Upheld" at the end */
    for (i = n; i > 0; i--) {
        if (h[i - 1] == ':') {
            size_t j = i, k;
            enum imr_decision dd;

            while (j < n && h[j] == ' ')
                j++;
            k = decision_word(h + j, n - j, &dd);
            if (k > 0) {
                j += k;
                while (j < n && (h[j] == ' ' || h[j] == '.'))
                    j++;
                if (j == n) {
                    *d = dd;
                    cut = i - 1;
                }
            }
            break;
        }
    }
    if (*d == IMR_DECISION_UNKNOWN) {
        /* a numbered statement: "1. X is not medically necessary ..." */
        q = Imr_text_find(h, n, " is not medically necessary");
        p = Imr_text_find(h, n, " is medically necessary");
        if (q != NULL) {
            *d = IMR_DECISION_UPHELD;
            cut = (size_t)(q - h);
        } else if (p != NULL) {
            *d = IMR_DECISION_OVERTURNED;
            cut = (size_t)(p - h);
        }
    }
    p = h;
    while ((q = Imr_text_find(p, cut - (size_t)(p - h),
                              "original request, ")) != NULL) {
        last = q;
        p = q + 1;
    }
    if (last != NULL)
        p = last + strlen("original request, ");
    else
        p = h;
    tr = Imr_parse_dupn(p, cut - (size_t)(p - h));
    if (tr != NULL)
        trim_treatment(tr);
    return tr;
}

/* Nonzero when the item name T looks cut by a lost table cell (the
 * seed's "60 hours or 24 sessions)"): missing, starting with a digit, or
 * closing a parenthesis it never opened. */
static int treatment_cut(const char *t)
{
    int depth = 0;

    if (t == NULL || *t == '\0' || isdigit((unsigned char)*t))
        return 1;
    for (; *t != '\0'; t++) {
        if (*t == '(')
            depth++;
        else if (*t == ')' && --depth < 0)
            return 1;
    }
    return 0;
}

/* Nonzero for a catch-all subcategory ("Other Programs"). */
static int generic_sub(const char *sub)
{
    return sub == NULL || strncmp(sub, "Other", 5) == 0;
}

/* The most specific category named in the sentence S: classifying from
 * each word on, the first non-generic match, else the first match. */
static int classify_sentence(const char *s, const char **cat,
                             const char **sub)
{
    const char *p = s, *c, *sc;
    int rc;

    while (*p != '\0') {
        c = sc = NULL;
        if ((rc = imr_category_classify(p, &c, &sc)) != IMR_OK)
            return rc;
        if (c != NULL && strcmp(c, "Other") != 0) {
            if (*cat == NULL || !generic_sub(sc)) {
                *cat = c;
                *sub = sc;
            }
            if (!generic_sub(sc))
                return IMR_OK;
        }
        while (*p != '\0' && isalnum((unsigned char)*p))
            p++;
        while (*p != '\0' && !isalnum((unsigned char)*p))
            p++;
    }
    return IMR_OK;
}

/* The category of a cut item name, from the first sentence of RATIONALE
 * that speaks of the request and names a known treatment ("the requested
 * Spine program appears to be a type of Functional Restoration
 * Program"). Leaves *CAT and *SUB alone when none does. */
static int classify_from_rationale(const char *rationale, const char **cat,
                                   const char **sub)
{
    const char *p = rationale;

    while (p != NULL && *p != '\0') {
        const char *end = strstr(p, ". ");
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *c = NULL, *sc = NULL;
        char *sent;
        int rc;

        if (Imr_text_find(p, n, "request") != NULL) {
            if ((sent = Imr_parse_dupn(p, n)) == NULL)
                return IMR_ENOMEM;
            rc = classify_sentence(sent, &c, &sc);
            free(sent);
            if (rc != IMR_OK)
                return rc;
            if (c != NULL) {
                *cat = c;
                *sub = sc;
                return IMR_OK;
            }
        }
        p = end != NULL ? end + 2 : NULL;
    }
    return IMR_OK;
}

int Imr_parse_classify(struct imr_item *it)
{
    const char *cat = NULL, *sub = NULL;
    int rc;

    rc = imr_category_classify(it->treatment ? it->treatment : "", &cat,
                               &sub);
    if (rc != IMR_OK)
        return rc;
    if ((cat == NULL || strcmp(cat, "Other") == 0) &&
        it->rationale != NULL && treatment_cut(it->treatment)) {
        rc = classify_from_rationale(it->rationale, &cat, &sub);
        if (rc != IMR_OK)
            return rc;
    }
    if (cat != NULL && (it->category = strdup(cat)) == NULL)
        return IMR_ENOMEM;
    if (sub != NULL && (it->subcategory = strdup(sub)) == NULL)
        return IMR_ENOMEM;
    return IMR_OK;
}

int Imr_parse_cite(struct imr_item *it, const char *text, size_t n,
                   enum imr_by by, char *err)
{
    char *flat = Imr_text_flatten(text, n);
    int rc;

    if (flat == NULL)
        return IMR_ENOMEM;
    rc = flat[0] ? imr_cite_parse(flat, by, it, err) : IMR_OK;
    free(flat);
    return rc == IMR_ENOMEM ? rc : IMR_OK;
}

/* Fills item IT from its head T[A->head_lo, A->head_hi) and body
 * T[A->head_hi, END). */
static int fill_item(struct imr_item *it, const char *t,
                     const struct anchor *a, size_t end, char *err)
{
    char *head = NULL;
    const char *b = t + a->head_hi, *ca, *mx, *dr, *stop;
    const char *ca_end, *mx_end, *dr_end;
    size_t bn = end - a->head_hi;
    enum imr_decision d = IMR_DECISION_UNKNOWN;
    int rc = IMR_OK;

    head = Imr_text_flatten(t + a->head_lo, a->head_hi - a->head_lo);
    if (head == NULL)
        return IMR_ENOMEM;
    it->treatment = head_treatment(head, &d);
    if (it->treatment == NULL) {
        rc = IMR_ENOMEM;
        goto done;
    }
    if (it->treatment[0] == '\0') {
        free(it->treatment);
        it->treatment = NULL;
    }
    ca = find_label(b, bn, CA_LABEL, &ca_end);
    mx = find_label(b, bn, MAX_LABEL, &mx_end);
    dr = find_label(b, bn, DR_LABEL, &dr_end);
    if (ca != NULL) {
        const char *s = ca_end;

        stop = b + bn;
        if (mx != NULL && mx > ca && mx < stop)
            stop = mx;
        if (dr != NULL && dr > ca && dr < stop)
            stop = dr;
        if ((rc = Imr_parse_cite(it, s, (size_t)(stop - s),
                                 IMR_BY_CLAIMS_ADMINISTRATOR, err)) != 0)
            goto done;
    }
    if (mx != NULL) {
        const char *s = mx_end;

        stop = b + bn;
        if (dr != NULL && dr > mx)
            stop = dr;
        if (ca != NULL && ca > mx && ca < stop)
            stop = ca;
        if ((rc = Imr_parse_cite(it, s, (size_t)(stop - s),
                                 IMR_BY_REVIEWER, err)) != 0)
            goto done;
    }
    if (dr != NULL) {
        const char *s = dr_end;

        it->rationale = Imr_text_flatten(s, (size_t)(b + bn - s));
        if (it->rationale == NULL) {
            rc = IMR_ENOMEM;
            goto done;
        }
    }
    if (d == IMR_DECISION_UNKNOWN && it->rationale != NULL)
        d = Imr_parse_conclusion(it->rationale, strlen(it->rationale));
    it->decision = d;
    rc = Imr_parse_classify(it);
done:
    free(head);
    return rc;
}

static int add_anchor(struct anchor **v, size_t *n, size_t *cap,
                      size_t lo, size_t hi)
{
    struct anchor *nv;

    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;

        nv = realloc(*v, c * sizeof(*nv));
        if (nv == NULL)
            return IMR_ENOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[*n].head_lo = lo;
    (*v)[*n].head_hi = hi;
    (*n)++;
    return IMR_OK;
}

static int anchor_cmp(const void *a, const void *b)
{
    const struct anchor *x = a, *y = b;

    return x->head_lo < y->head_lo ? -1 : x->head_lo > y->head_lo;
}

int Imr_parse_items(struct imr_record *rec, const char *t, size_t lo,
                    size_t hi, char *err)
{
    struct anchor *an = NULL;
    size_t n_an = 0, cap = 0, n_ca, i, j, limit = 4 * IMR_PARSE_MAX_ITEMS;
    const char *p, *lab_end;
    int rc = IMR_OK;

    /* 1: every "Claims Administrator guideline:" opens an item body */
    i = lo;
    while (n_an < limit && i < hi &&
           (p = find_label(t + i, hi - i, CA_LABEL, &lab_end)) != NULL) {
        size_t at = (size_t)(p - t);
        size_t from = n_an ? an[n_an - 1].head_hi + 1 : lo;

        if ((rc = add_anchor(&an, &n_an, &cap, walk_back(t, from, at),
                             at)) != IMR_OK)
            goto done;
        i = at + 1;
    }
    n_ca = n_an;
    /* 2: decision lines that no label follows */
    j = 0;
    for (i = lo; i < hi && n_an < limit; i++) {
        enum imr_decision d;
        size_t e, k, from;
        int used = 0;

        if (t[i] != ':' || (e = marker_at(t, i, hi, &d)) == 0)
            continue;
        while (j < n_ca && an[j].head_hi < i)
            j++;
        for (k = j; k < n_ca && !used; k++)
            if (an[k].head_lo <= i && i < an[k].head_hi)
                used = 1;
        if (j > 0 && an[j - 1].head_lo <= i && i < an[j - 1].head_hi)
            used = 1;
        if (!used) {
            /* not consumed: between the last anchor and this one */
            from = j > 0 ? an[j - 1].head_hi + 1 : lo;
            if (from > i)
                from = i;
            if ((rc = add_anchor(&an, &n_an, &cap, walk_back(t, from, e),
                                 e)) != IMR_OK)
                goto done;
        }
        i = e;
    }
    if (n_an > 1)
        qsort(an, n_an, sizeof(*an), anchor_cmp);
    for (i = 0; i < n_an; i++) {
        struct imr_item *it;
        size_t end = i + 1 < n_an ? an[i + 1].head_lo : hi;

        if (end < an[i].head_hi)
            end = an[i].head_hi;
        if (rec->n_items >= IMR_PARSE_MAX_ITEMS) {
            rc = imr_record_warn(rec, "more than %d items; the rest were "
                                 "skipped", IMR_PARSE_MAX_ITEMS);
            goto done;
        }
        if ((rc = imr_record_add_item(rec, &it)) != IMR_OK)
            goto done;
        if ((rc = fill_item(it, t, &an[i], end, err)) != IMR_OK)
            goto done;
    }
done:
    free(an);
    return rc;
}

/* Removes question words around a format-3 issue ("Is the request for X
 * medically necessary?"). */
static void trim_issue(char *s)
{
    static const char *pre[] = {
        "whether the request for ", "whether the ", "whether ",
        "is the request for ", "are the ", "is the ", "is ", "are ",
        "the request for ", "request for "
    };
    static const char *post[] = {
        " is medically necessary and appropriate",
        " are medically necessary and appropriate",
        " medically necessary and appropriate",
        " is medically necessary", " are medically necessary",
        " medically necessary"
    };
    size_t i, n, k;
    const char *q;

    trim_treatment(s);
    n = strlen(s);
    while (n > 0 && (s[n - 1] == '?' || s[n - 1] == '.' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (i = 0; i < sizeof(post) / sizeof(post[0]); i++) {
        q = Imr_text_find(s, n, post[i]);
        if (q != NULL) {
            s[q - s] = '\0';
            n = strlen(s);
            break;
        }
    }
    for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        k = strlen(pre[i]);
        if (n > k && strncasecmp(s, pre[i], k) == 0) {
            memmove(s, s + k, n - k + 1);
            break;
        }
    }
    trim_treatment(s);
}

/* End of the format-3 section that starts at FROM: the next heading. */
static size_t mpr_end(const char *t, size_t from, size_t n)
{
    static const char *heads[] = {
        "ISSUE AT DISPUTE", "CASE SUMMARY:", "DOCUMENTS REVIEWED",
        "MEDICAL TREATMENT GUIDELINE", "RATIONALE FOR WHY",
        "MEDICAL REVIEWER QUALIFICATIONS"
    };
    size_t i, end = n;
    const char *p;

    for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        p = Imr_parse_find(t, from, end, heads[i]);
        if (p != NULL)
            end = (size_t)(p - t);
    }
    return end;
}

/* Citations, rationale and decision of one format-3 block T[S, E). */
static int mpr_block(struct imr_item *it, const char *t, size_t s, size_t e,
                     char *err)
{
    const char *p, *q;
    size_t a, b;
    int rc;

    p = Imr_parse_find(t, s, e, "MEDICAL TREATMENT GUIDELINE");
    if (p != NULL) {
        a = (size_t)(p - t);
        q = Imr_parse_find(t, a, a + 200 < e ? a + 200 : e, "WHY:");
        a = q != NULL ? (size_t)(q - t) + 4 : a + 27;
        b = mpr_end(t, a, e);
        if ((rc = Imr_parse_cite(it, t + a, b - a, IMR_BY_REVIEWER, err)))
            return rc;
    }
    p = Imr_parse_find(t, s, e, "RATIONALE FOR WHY");
    if (p != NULL) {
        size_t h = (size_t)(p - t);

        q = Imr_parse_find(t, h, h + 200 < e ? h + 200 : e, "NECESSARY");
        a = q != NULL ? (size_t)(q - t) + 9 : h + 17;
        if (a < e && t[a] == ':')
            a++;
        b = mpr_end(t, a, e);
        it->rationale = Imr_text_flatten(t + a, b - a);
        if (it->rationale == NULL)
            return IMR_ENOMEM;
        it->decision = Imr_parse_conclusion(it->rationale,
                                            strlen(it->rationale));
        /* the heading only counts when it names one outcome */
        if (it->decision == IMR_DECISION_UNKNOWN && q != NULL &&
            Imr_parse_find(t, h, (size_t)(q - t), "IS/WAS") == NULL)
            it->decision = Imr_parse_find(t, h, (size_t)(q - t), "NOT")
                ? IMR_DECISION_UPHELD : IMR_DECISION_OVERTURNED;
    }
    return IMR_OK;
}

/* Length of the numbering "1) " / "2. " at S (N bytes), or 0. */
static size_t numbering(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && i < 3 && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0 || i >= n || (s[i] != ')' && s[i] != '.') || i + 1 >= n ||
        s[i + 1] != ' ')
        return 0;
    return i + 2;
}

/* Splits the ISSUE AT DISPUTE text T[S, E) into numbered entries; their
 * starts go to AT (at most MAX). Returns the count (>= 1). */
static size_t split_issues(const char *t, size_t s, size_t e, size_t *at,
                           size_t max)
{
    size_t i = s, k = 0;

    while (i < e && is_sp((unsigned char)t[i]))
        i++;
    at[k++] = i;
    for (; i < e && k < max; i++) {
        if (t[i] == '\n' && i + 1 < e && numbering(t + i + 1, e - i - 1))
            at[k++] = i + 1;
    }
    return k;
}

/* Start of the block of the guideline heading at G: the line before it
 * when that line introduces the issue ("2) Regarding the request ..."). */
static size_t block_start(const char *t, size_t lo, size_t g)
{
    size_t ls, s, e;

    if (g <= lo + 1)
        return g;
    e = g - 1;                       /* the '\n' before the heading */
    ls = line_start(t, lo, e);
    s = ls;
    while (s < e && t[s] == ' ')
        s++;
    if (s < e && (numbering(t + s, e - s) ||
                  Imr_text_find(t + s, e - s, "regarding the request")))
        return ls;
    return g;
}

int Imr_parse_mpr_items(struct imr_record *rec, const char *t, size_t n,
                        char *err)
{
    size_t issues[IMR_PARSE_MAX_ITEMS], blocks[IMR_PARSE_MAX_ITEMS + 1];
    size_t n_iss = 0, n_blk = 0, k, lo = 0, end = n, count;
    const char *p, *q;
    int rc;

    p = Imr_parse_find(t, 0, n, "MEDICAL REVIEWER QUALIFICATIONS");
    if (p != NULL)
        end = (size_t)(p - t);
    p = Imr_parse_find(t, 0, n, "ISSUE AT DISPUTE");
    if (p != NULL) {
        size_t s = (size_t)(p - t) + strlen("ISSUE AT DISPUTE"), e;

        if (s < n && t[s] == 'S')
            s++;
        if (s < n && t[s] == ':')
            s++;
        e = mpr_end(t, s, n);
        n_iss = split_issues(t, s, e, issues, IMR_PARSE_MAX_ITEMS);
        issues[n_iss] = e;
        lo = e;
    }
    for (k = lo; n_blk < IMR_PARSE_MAX_ITEMS &&
         (p = Imr_parse_find(t, k, end, "MEDICAL TREATMENT GUIDELINE"));
         k = (size_t)(p - t) + 1)
        blocks[n_blk++] = block_start(t, lo, (size_t)(p - t));
    if (n_blk == 0 && (p = Imr_parse_find(t, lo, end, "RATIONALE FOR WHY")))
        blocks[n_blk++] = block_start(t, lo, (size_t)(p - t));
    blocks[n_blk] = end;
    count = n_iss > n_blk ? n_iss : n_blk;
    if (count == 0)
        count = 1;
    for (k = 0; k < count; k++) {
        struct imr_item *it;
        size_t bs = k < n_blk ? blocks[k] : end;
        size_t be = k < n_blk ? blocks[k + 1] : end;

        if ((rc = imr_record_add_item(rec, &it)) != IMR_OK)
            return rc;
        if (k < n_iss) {
            size_t s = issues[k], e = k + 1 < n_iss ? issues[k + 1] :
                                                      issues[n_iss];

            s += numbering(t + s, e - s);
            it->treatment = Imr_text_flatten(t + s, e - s);
        } else if (bs < be && (q = Imr_parse_find_ci(t, bs, be,
                                   "request for ")) != NULL) {
            const char *nl = memchr(q, '\n', (size_t)(t + be - q));
            size_t s = (size_t)(q - t) + strlen("request for ");
            size_t e = nl ? (size_t)(nl - t) : be;

            it->treatment = Imr_text_flatten(t + s, e > s ? e - s : 0);
        }
        if (it->treatment != NULL) {
            trim_issue(it->treatment);
            if (it->treatment[0] == '\0') {
                free(it->treatment);
                it->treatment = NULL;
            }
        }
        if ((rc = mpr_block(it, t, bs, be, err)) != IMR_OK)
            return rc;
        if ((rc = Imr_parse_classify(it)) != IMR_OK)
            return rc;
    }
    return IMR_OK;
}
