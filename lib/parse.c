/* The letter parser: cleans the bytes, detects the format, reads the
 * header, the patient, the diagnoses, the reviewer and the summary, and
 * hands the disputed items to lib/parse_items.c. See include/imr/parse.h. */
#include "imr/parse.h"
#include "parse_int.h"
#include "text.h"

#include "imr/imr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX_BYTES 4000   /* bytes of the letter read as header */
#define LIST_MAX 24             /* diagnoses / specialties kept */
#define ENTRY_MAX 160           /* bytes of one list entry */

const char *Imr_parse_find(const char *t, size_t from, size_t to,
                           const char *needle)
{
    size_t k = strlen(needle);
    const char *p, *end;

    if (k == 0 || from >= to || to - from < k)
        return NULL;
    /* memchr finds the candidates: the parser's hottest loop */
    end = t + to - k + 1;              /* one past the last start */
    for (p = t + from; p < end; p++) {
        if ((p = memchr(p, needle[0], (size_t)(end - p))) == NULL)
            return NULL;
        if (memcmp(p, needle, k) == 0)
            return p;
    }
    return NULL;
}

const char *Imr_parse_find_ci(const char *t, size_t from, size_t to,
                              const char *needle)
{
    if (from >= to)
        return NULL;
    return Imr_text_find(t + from, to - from, needle);
}

enum imr_decision Imr_parse_conclusion(const char *s, size_t n)
{
    const char *p = s, *q, *last = NULL;
    size_t back, i;

    while ((q = Imr_text_find(p, n - (size_t)(p - s),
                              "medically necessary")) != NULL) {
        last = q;
        p = q + 1;
    }
    if (last == NULL)
        return IMR_DECISION_UNKNOWN;
    back = (size_t)(last - s) < 30 ? (size_t)(last - s) : 30;
    for (i = (size_t)(last - s) - back; i + 3 <= (size_t)(last - s); i++) {
        if (strncasecmp(s + i, "not", 3) == 0 &&
            (i == 0 || !isalpha((unsigned char)s[i - 1])) &&
            !isalpha((unsigned char)s[i + 3]))
            return IMR_DECISION_UPHELD;
    }
    return IMR_DECISION_OVERTURNED;
}

/* ---- small helpers ---------------------------------------------------- */

/* Copies N bytes at S into a new NUL-terminated string (free()), or NULL
 * on OOM. The bytes may hold anything, so this is not strndup. */
char *Imr_parse_dupn(const char *s, size_t n)
{
    char *r = malloc(n + 1);

    if (r == NULL)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int is_case_number(const char *s, size_t n)
{
    size_t i;

    if (n < 12 || s[0] != 'C' || s[1] != 'M' || s[4] != '-')
        return 0;
    for (i = 2; i < 12; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return 0;
    return n == 12 || !isdigit((unsigned char)s[12]);
}

static const char *find_case_number(const char *t, size_t n)
{
    const char *p = t, *q;

    while ((q = memchr(p, 'C', n - (size_t)(p - t))) != NULL) {
        if (is_case_number(q, n - (size_t)(q - t)) &&
            (q == t || !isalnum((unsigned char)q[-1])))
            return q;
        p = q + 1;
    }
    return NULL;
}

static int num(const char *s, size_t n, size_t *i, int maxd)
{
    int v = 0, d = 0;

    while (*i < n && d < maxd && isdigit((unsigned char)s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        d++;
    }
    return d == 0 ? -1 : v;
}

static int valid_ymd(int y, int m, int d)
{
    return y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 &&
           d <= 31;
}

/* Writes the validated date Y-M-D as "YYYY-MM-DD" into OUT (11 bytes).
 * The modulos only tell the compiler the fields' widths. */
static void format_ymd(char *out, int y, int m, int d)
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
}

/* Parses a date at the start of S (N bytes): 01/25/2012, 1-25-12,
 * 2012-01-25, January 25, 2012, Jan. 25, 2012. Writes "YYYY-MM-DD" to OUT
 * (11 bytes); returns the bytes used or 0. */
static size_t parse_date(const char *s, size_t n, char *out)
{
    static const char *months[] = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
        "oct", "nov", "dec"
    };
    size_t i = 0, st;
    int a, b, c, da, dc, m;

    if (n > 0 && isdigit((unsigned char)s[0])) {
        st = i;
        a = num(s, n, &i, 4);
        da = (int)(i - st);
        if (i >= n || (s[i] != '/' && s[i] != '-' && s[i] != '.'))
            return 0;
        i++;
        b = num(s, n, &i, 2);
        if (b < 0 || i >= n || (s[i] != '/' && s[i] != '-' && s[i] != '.'))
            return 0;
        i++;
        st = i;
        c = num(s, n, &i, 4);
        dc = (int)(i - st);
        if (c < 0 || (i < n && isdigit((unsigned char)s[i])))
            return 0;
        if (da == 4) {
            if (!valid_ymd(a, b, c))
                return 0;
            format_ymd(out, a, b, c);
            return i;
        }
        if (da > 2)
            return 0;
        if (dc == 2)
            c += c < 50 ? 2000 : 1900;
        else if (dc != 4)
            return 0;
        if (!valid_ymd(c, a, b))
            return 0;
        format_ymd(out, c, a, b);
        return i;
    }
    for (m = 0; m < 12; m++)
        if (n >= 3 && strncasecmp(s, months[m], 3) == 0)
            break;
    if (m == 12)
        return 0;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    if (i < n && s[i] == '.')
        i++;
    while (i < n && s[i] == ' ')
        i++;
    b = num(s, n, &i, 2);
    if (b < 0)
        return 0;
    if (i + 1 < n && isalpha((unsigned char)s[i]))   /* 1st, 2nd ... */
        i += 2;
    if (i < n && s[i] == ',')
        i++;
    while (i < n && s[i] == ' ')
        i++;
    st = i;
    c = num(s, n, &i, 4);
    if (i - st != 4 || !valid_ymd(c, m + 1, b))
        return 0;
    format_ymd(out, c, m + 1, b);
    return i;
}

static int set_date(char **field, const char *s, size_t n)
{
    char d[11];

    if (*field != NULL)
        return IMR_OK;
    trim(&s, &n);
    if (parse_date(s, n, d) == 0)
        return IMR_OK;
    *field = strdup(d);
    return *field ? IMR_OK : IMR_ENOMEM;
}

/* ---- the header ------------------------------------------------------- */

enum hfield {
    HF_CASE, HF_ASSIGNED, HF_DECISION, HF_INJURY, HF_UR, HF_RECEIVED,
    HF_OTHER
};

static const struct {
    const char *label;
    enum hfield f;
} hlabels[] = {
    {"IMR Application Received:", HF_RECEIVED},
    {"Application Received:", HF_RECEIVED},
    {"Date IMR Application Received:", HF_RECEIVED},
    {"Application", HF_RECEIVED},
    {"Received:", HF_RECEIVED},
    {"MAXIMUS Case Number:", HF_OTHER},
    {"IMR Case Number:", HF_CASE},
    {"IMR Case No.:", HF_CASE},
    {"Case Number:", HF_CASE},
    {"Date Assigned:", HF_ASSIGNED},
    {"Decision Date:", HF_DECISION},
    {"Date of IMR Decision:", HF_DECISION},
    {"Dated:", HF_DECISION},
    {"Date of UR Decision:", HF_UR},
    {"UR Denial Date:", HF_UR},
    {"Date of Injury:", HF_INJURY},
    {"Priority:", HF_OTHER},
    {"Claim Number:", HF_OTHER},
    {"Claims Number:", HF_OTHER},
};

static char **hfield_ptr(struct imr_record *rec, enum hfield f)
{
    switch (f) {
    case HF_CASE:     return &rec->case_number;
    case HF_ASSIGNED: return &rec->date_assigned;
    case HF_DECISION: return &rec->date_decision;
    case HF_INJURY:   return &rec->date_injury;
    case HF_UR:       return &rec->date_ur_denial;
    case HF_RECEIVED: return &rec->date_received;
    default:          return NULL;
    }
}

static int hset(struct imr_record *rec, enum hfield f, const char *s,
                size_t n)
{
    char **p = hfield_ptr(rec, f);
    const char *cn;

    if (p == NULL)
        return IMR_OK;
    if (f == HF_CASE) {
        if (*p != NULL || (cn = find_case_number(s, n)) == NULL)
            return IMR_OK;
        *p = Imr_parse_dupn(cn, 12);
        return *p ? IMR_OK : IMR_ENOMEM;
    }
    return set_date(p, s, n);
}

/* Header fields: in -layout text label and value share a line; in plain
 * text the labels come first and their values follow in the same order,
 * so unanswered labels wait in a queue. */
static int parse_header(struct imr_record *rec, const char *t, size_t n)
{
    enum hfield queue[16];
    size_t nq = 0, hq = 0, pos = 0, lim = n < HEADER_MAX_BYTES ? n :
                                          HEADER_MAX_BYTES;
    const char *stop = Imr_parse_find(t, 0, lim, "HOW THE IMR");
    int rc;

    if (stop != NULL)
        lim = (size_t)(stop - t);
    while (pos < lim) {
        size_t e = pos, i, nl = 0;
        size_t at[8];
        int which[8];

        while (e < lim && t[e] != '\n')
            e++;
        for (i = pos; i < e && nl < 8;) {
            size_t k, L = 0;
            int w = -1;

            if (i > pos && t[i - 1] != ' ') {
                i++;
                continue;
            }
            for (k = 0; k < sizeof(hlabels) / sizeof(hlabels[0]); k++) {
                /* the first letters, case folded, before the call: this
                 * runs at every word of the header */
                if ((t[i] | 0x20) != (hlabels[k].label[0] | 0x20))
                    continue;
                L = strlen(hlabels[k].label);
                if (e - i >= L && strncasecmp(t + i, hlabels[k].label,
                                              L) == 0 &&
                    (i + L == e || !isalpha((unsigned char)t[i + L]))) {
                    w = (int)k;
                    break;
                }
            }
            if (w < 0) {
                i++;
                continue;
            }
            at[nl] = i;
            which[nl++] = w;
            i += L;
        }
        if (nl == 0) {
            const char *s = t + pos;
            size_t sn = e - pos;

            trim(&s, &sn);
            if (sn > 0 && sn <= 30 && hq < nq &&
                (isdigit((unsigned char)s[0]) || is_case_number(s, sn) ||
                 isalpha((unsigned char)s[0]))) {
                if ((rc = hset(rec, queue[hq++], s, sn)) != IMR_OK)
                    return rc;
            }
        }
        for (i = 0; i < nl; i++) {
            size_t vs = at[i] + strlen(hlabels[which[i]].label);
            size_t ve = i + 1 < nl ? at[i + 1] : e;
            const char *s = t + vs;
            size_t sn = ve - vs;
            enum hfield f = hlabels[which[i]].f;
            char **fp = hfield_ptr(rec, f);

            trim(&s, &sn);
            if (sn > 0) {
                if ((rc = hset(rec, f, s, sn)) != IMR_OK)
                    return rc;
            } else if (nq < 16 && !(nq > 0 && queue[nq - 1] == f) &&
                       (fp == NULL || *fp == NULL)) {
                queue[nq++] = f;
            }
        }
        pos = e + 1;
    }
    return IMR_OK;
}

/* ---- sections --------------------------------------------------------- */

/* Clinical summary: after its heading (and the boilerplate sentence) up to
 * the next heading. */
static int parse_summary(struct imr_record *rec, const char *t, size_t n,
                         enum imr_format fmt)
{
    static const char *ends[] = {
        "IMR ISSUES", "IMR DECISION", "DOCUMENTS REVIEWED",
        "MEDICAL TREATMENT GUIDELINE", "RATIONALE FOR WHY",
        "MEDICAL REVIEWER QUALIFICATIONS", "HOW THE IMR"
    };
    const char *h, *p;
    size_t s, e = n, i;

    if (fmt == IMR_FMT_MPR) {
        h = Imr_parse_find(t, 0, n, "CASE SUMMARY:");
        if (h == NULL)
            return IMR_OK;
        s = (size_t)(h - t) + strlen("CASE SUMMARY:");
    } else {
        h = Imr_parse_find(t, 0, n, "CLINICAL CASE SUMMARY");
        if (h == NULL)
            return IMR_OK;
        s = (size_t)(h - t) + strlen("CLINICAL CASE SUMMARY");
    }
    for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        p = Imr_parse_find(t, s, e, ends[i]);
        if (p != NULL)
            e = (size_t)(p - t);
    }
    while (s < e && isspace((unsigned char)t[s]))
        s++;
    if (e - s > 20 && strncasecmp(t + s, "The expert reviewer developed",
                                  29) == 0) {
        p = memchr(t + s, ':', e - s < 300 ? e - s : 300);
        if (p != NULL)
            s = (size_t)(p - t) + 1;
    }
    rec->summary = Imr_text_flatten(t + s, e - s);
    if (rec->summary == NULL)
        return IMR_ENOMEM;
    if (rec->summary[0] == '\0') {
        free(rec->summary);
        rec->summary = NULL;
    }
    return IMR_OK;
}

/* Age and gender from the first "NN year old" / "NN-year-old". */
static int parse_patient(struct imr_record *rec, const char *s, size_t n)
{
    const char *p = s, *q;
    static const struct {
        const char *w;
        const char *g;
    } genders[] = {
        {"female", "female"}, {"male", "male"}, {"woman", "female"},
        {"man", "male"}, {"gentleman", "male"}, {"lady", "female"}
    };

    while ((q = Imr_text_find(p, n - (size_t)(p - s), "year")) != NULL) {
        size_t i = (size_t)(q - s), j, w, k;
        int age = 0, mul = 1;

        p = q + 1;
        if (i < 2 || (s[i - 1] != ' ' && s[i - 1] != '-'))
            continue;
        j = i - 1;
        while (j > 0 && j + 3 >= i - 1 && isdigit((unsigned char)s[j - 1])) {
            age += (s[j - 1] - '0') * mul;
            mul *= 10;
            j--;
        }
        if (mul == 1 || mul > 1000)
            continue;
        j = i + 4;
        if (j < n && (s[j] == ' ' || s[j] == '-'))
            j++;
        if (j + 3 > n || strncasecmp(s + j, "old", 3) != 0)
            continue;
        if (age <= 0 || age >= 120)
            continue;
        rec->age = age;
        if (rec->gender != NULL)
            return IMR_OK;
        j += 3;
        /* the gender word within the next three words */
        for (w = 0; w < 3 && j < n; w++) {
            while (j < n && !isalpha((unsigned char)s[j]))
                j++;
            for (k = 0; k < sizeof(genders) / sizeof(genders[0]); k++) {
                size_t L = strlen(genders[k].w);

                if (n - j >= L && strncasecmp(s + j, genders[k].w, L) == 0
                    && (j + L == n || !isalpha((unsigned char)s[j + L]))) {
                    rec->gender = strdup(genders[k].g);
                    return rec->gender ? IMR_OK : IMR_ENOMEM;
                }
            }
            while (j < n && isalpha((unsigned char)s[j]))
                j++;
        }
        return IMR_OK;
    }
    return IMR_OK;
}

/* Date of injury written in the summary. */
static int parse_injury(struct imr_record *rec, const char *s, size_t n)
{
    static const char *trig[] = {
        "date of injury on ", "date of injury of ", "date of injury: ",
        "date of injury ", "industrial injury on ", "injured on ",
        "injury on ", "date of injury was "
    };
    size_t i;

    for (i = 0; i < sizeof(trig) / sizeof(trig[0]) && !rec->date_injury;
         i++) {
        const char *p = s, *q;

        while ((q = Imr_text_find(p, n - (size_t)(p - s), trig[i]))) {
            size_t at = (size_t)(q - s) + strlen(trig[i]);
            char d[11];

            p = q + 1;
            if (parse_date(s + at, n - at, d) > 0) {
                rec->date_injury = strdup(d);
                return rec->date_injury ? IMR_OK : IMR_ENOMEM;
            }
        }
    }
    return IMR_OK;
}

/* Appends the trimmed entry S (N bytes) to a list, lower-cased if LOWER,
 * without leading "and "/"the ". */
static int push_entry(char ***v, size_t *nv, const char *s, size_t n,
                      int lower)
{
    static const char *drop[] = {"and ", "the ", "as well as ", "or "};
    char *e;
    size_t i;
    int rc, again = 1;

    while (again) {
        again = 0;
        trim(&s, &n);
        for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
            size_t k = strlen(drop[i]);

            if (n > k && strncasecmp(s, drop[i], k) == 0) {
                s += k;
                n -= k;
                again = 1;
            }
        }
    }
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ';' || s[n - 1] == ':'))
        n--;
    trim(&s, &n);
    if (n == 0 || n > ENTRY_MAX || *nv >= LIST_MAX)
        return IMR_OK;
    for (i = 0; i < *nv; i++)
        if (strlen((*v)[i]) == n && strncasecmp((*v)[i], s, n) == 0)
            return IMR_OK;
    if ((e = Imr_parse_dupn(s, n)) == NULL)
        return IMR_ENOMEM;
    if (lower)
        for (i = 0; i < n; i++)
            e[i] = (char)tolower((unsigned char)e[i]);
    rc = imr_strv_push(v, nv, e);
    free(e);
    return rc;
}

/* End of the sentence that starts at S: a '.' that is not a decimal
 * point or an abbreviation, or the end. */
static size_t sentence_end(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '.' && (i + 1 == n || s[i + 1] == ' ' ||
                            s[i + 1] == '\n') &&
            !(i >= 2 && s[i - 2] == ' ' && isalpha((unsigned char)s[i - 1])
              && i >= 1) && !(i >= 1 && s[i - 1] == '.'))
            return i;
        if (s[i] == '\n' && i + 1 < n && s[i + 1] == '\n')
            return i;
    }
    return n;
}

/* Splits S (N bytes) on commas, semicolons and, with ON_AND, " and "
 * into the list. */
static int split_list(char ***v, size_t *nv, const char *s, size_t n,
                      int lower, int on_and)
{
    size_t i = 0, st = 0;
    int rc;

    while (i <= n) {
        size_t cut = 0;

        if (i == n)
            cut = 1;
        else if (s[i] == ',' || s[i] == ';')
            cut = 1;
        else if (on_and && n - i >= 5 && strncasecmp(s + i, " and ", 5) == 0)
            cut = 5;
        if (cut) {
            if ((rc = push_entry(v, nv, s + st, i - st, lower)) != IMR_OK)
                return rc;
            i += cut;
            st = i;
            if (i > n)
                break;
            continue;
        }
        i++;
    }
    return IMR_OK;
}

static int parse_diagnoses(struct imr_record *rec, const char *s, size_t n)
{
    static const char *trig[] = {
        "diagnoses of ", "diagnosis of ", "diagnoses are ",
        "diagnoses were ", "diagnoses include ", "diagnoses included ",
        "diagnoses including ", "diagnoses: ", "diagnosis: ",
        "diagnosed with ", "diagnoses is ", "diagnosis is ",
        "diagnosis was ", "diagnoses as "
    };
    static const char *fallback[] = {
        "undergoing treatment for ", "being treated for ", "treated for "
    };
    static const char *lead[] = {
        "the diagnoses of ", "the diagnosis of ", "documented as ",
        "documented is ", "documented to be ", "listed as "
    };
    const char *best = NULL, *q;
    size_t i, blen = 0, e;

    for (i = 0; i < sizeof(trig) / sizeof(trig[0]); i++) {
        q = Imr_text_find(s, n, trig[i]);
        if (q != NULL && (best == NULL || q < best)) {
            best = q;
            blen = strlen(trig[i]);
        }
    }
    for (i = 0; best == NULL && i < sizeof(fallback) / sizeof(fallback[0]);
         i++) {
        best = Imr_text_find(s, n, fallback[i]);
        blen = strlen(fallback[i]);
    }
    if (best == NULL)
        return IMR_OK;
    best += blen;
    for (i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
        size_t k = strlen(lead[i]);

        if (n - (size_t)(best - s) > k && strncasecmp(best, lead[i], k) == 0)
            best += k;
    }
    e = sentence_end(best, n - (size_t)(best - s));
    if (e > 600)
        e = 600;
    return split_list(&rec->diagnoses, &rec->n_diagnoses, best, e, 1, 1);
}

/* Compound specialty names that hold " and " / " & ". */
static const char *compound_spec[] = {
    "Physical Medicine and Rehabilitation",
    "Physical Medicine & Rehabilitation",
    "Hospice and Palliative Medicine", "Hospice & Palliative Medicine",
    "Public Health and General Preventive Medicine",
    "Public Health & General Preventive Medicine",
    "Obstetrics and Gynecology", "Allergy and Immunology",
    "Plastic and Reconstructive Surgery", "Orthopedic and Sports Medicine",
    "Acupuncture and Oriental Medicine", "Psychiatry and Neurology",
    "Foot and Ankle Surgery", "Hand and Upper Extremity Surgery"
};

/* Splits a narrative specialty phrase on " and ", keeping compounds. */
static int split_specs(struct imr_record *rec, const char *s, size_t n)
{
    size_t i = 0, k;
    int rc;

    while (i < n) {
        size_t L = 0, j;

        while (i < n && s[i] == ' ')
            i++;
        for (k = 0; k < sizeof(compound_spec) / sizeof(compound_spec[0]);
             k++) {
            size_t c = strlen(compound_spec[k]);

            if (n - i >= c && strncasecmp(s + i, compound_spec[k], c) == 0
                && (i + c == n || s[i + c] == ' ' || s[i + c] == ',')) {
                L = c;
                break;
            }
        }
        if (L == 0) {
            const char *a = Imr_text_find(s + i, n - i, " and ");

            L = a ? (size_t)(a - (s + i)) : n - i;
        }
        if ((rc = push_entry(&rec->specialties, &rec->n_specialties, s + i,
                             L, 0)) != IMR_OK)
            return rc;
        j = i + L;
        while (j < n && (s[j] == ' ' || s[j] == ','))
            j++;
        if (n - j >= 4 && strncasecmp(s + j, "and ", 4) == 0)
            j += 4;
        if (j <= i)
            break;
        i = j;
    }
    return IMR_OK;
}

/* Length of a narrative phrase: up to ',', '.', ';' or " and is/has". */
static size_t phrase_len(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < 200; i++) {
        if (s[i] == ',' || s[i] == ';' || s[i] == '\n' ||
            (s[i] == '.' && (i + 1 == n || s[i + 1] == ' ')))
            return i;
        if (n - i >= 8 && (strncasecmp(s + i, " and is ", 8) == 0 ||
                           strncasecmp(s + i, " and has", 8) == 0))
            return i;
        if (n - i >= 6 && strncasecmp(s + i, " with ", 6) == 0)
            return i;
    }
    return i;
}

/* Value of "LABEL value" to the end of its line, joined with the next line
 * when it ends in '&', ',' or "and". NULL if the label is absent. */
static char *label_value(const char *t, size_t n, const char *label)
{
    const char *p = Imr_text_find(t, n, label), *s, *e;
    char *r;
    size_t k;

    if (p == NULL)
        return NULL;
    s = p + strlen(label);
    e = memchr(s, '\n', n - (size_t)(s - t));
    if (e == NULL)
        e = t + n;
    k = (size_t)(e - s);
    while (k > 0 && s[k - 1] == ' ')
        k--;
    if (k > 0 && e < t + n && (s[k - 1] == '&' || s[k - 1] == ',' ||
        (k > 4 && strncasecmp(s + k - 4, " and", 4) == 0))) {
        const char *e2 = memchr(e + 1, '\n', n - (size_t)(e + 1 - t));

        e = e2 ? e2 : t + n;
    }
    r = Imr_text_flatten(s, (size_t)(e - s));
    return r;
}

static int parse_reviewer(struct imr_record *rec, const char *t, size_t n,
                          const char *flat, size_t fn)
{
    static const char *sub[] = {
        "subspecialty in ", "sub-specialty in ",
        "subspecialty certificate in ", "subspecialty of "
    };
    static const char *lic[] = {
        "licensed to practice in ", "licensed in ",
        "license to practice in "
    };
    char *v = NULL;
    const char *p;
    size_t i;
    int rc = IMR_OK;

    v = label_value(t, n, "Certification(s)/Specialty:");
    if (v == NULL)
        v = label_value(t, n, "Certifications/Specialty:");
    if (v != NULL) {
        rc = split_list(&rec->specialties, &rec->n_specialties, v,
                        strlen(v), 0, 0);
        free(v);
        v = NULL;
        if (rc != IMR_OK)
            return rc;
    }
    if (rec->n_specialties == 0) {
        p = Imr_text_find(flat, fn, "board certified in ");
        if (p != NULL) {
            p += strlen("board certified in ");
            if ((rc = split_specs(rec, p, phrase_len(p, fn -
                                  (size_t)(p - flat)))) != IMR_OK)
                return rc;
        }
        for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
            p = Imr_text_find(flat, fn, sub[i]);
            if (p == NULL)
                continue;
            p += strlen(sub[i]);
            if ((rc = split_specs(rec, p, phrase_len(p, fn -
                                  (size_t)(p - flat)))) != IMR_OK)
                return rc;
            break;
        }
    }
    v = label_value(t, n, "State(s) of Licensure:");
    if (v != NULL) {
        rc = split_list(&rec->licensure, &rec->n_licensure, v, strlen(v), 0,
                        0);
        free(v);
        if (rc != IMR_OK)
            return rc;
    } else {
        for (i = 0; i < sizeof(lic) / sizeof(lic[0]); i++) {
            p = Imr_text_find(flat, fn, lic[i]);
            if (p == NULL)
                continue;
            p += strlen(lic[i]);
            rc = split_list(&rec->licensure, &rec->n_licensure, p,
                            phrase_len(p, fn - (size_t)(p - flat)), 0, 1);
            break;
        }
    }
    return rc;
}

/* Drops a specialty that is a prefix of another ("Physical Medicine"
 * beside "Physical Medicine and Rehabilitation"). */
static void dedupe_specialties(struct imr_record *rec)
{
    unsigned char drop[LIST_MAX] = {0};
    size_t i, j, o = 0, n = rec->n_specialties;

    if (n > LIST_MAX)
        return;
    for (i = 0; i < n; i++) {
        size_t li = strlen(rec->specialties[i]);

        for (j = 0; j < n && !drop[i]; j++)
            if (j != i && strlen(rec->specialties[j]) > li &&
                strncasecmp(rec->specialties[j], rec->specialties[i],
                            li) == 0)
                drop[i] = 1;
    }
    for (i = 0; i < n; i++) {
        if (drop[i])
            free(rec->specialties[i]);
        else
            rec->specialties[o++] = rec->specialties[i];
    }
    rec->n_specialties = o;
}

/* ---- format and entry point ------------------------------------------ */

static enum imr_format detect_format(const char *t, size_t n)
{
    if (Imr_parse_find(t, 0, n, "MEDICAL PROFESSIONAL REVIEW") ||
        Imr_parse_find(t, 0, n, "ISSUE AT DISPUTE:") ||
        Imr_parse_find(t, 0, n, "RATIONALE FOR WHY THE REQUESTED") ||
        Imr_parse_find(t, 0, n, "RELIED UPON BY PROFESSIONAL") ||
        Imr_parse_find(t, 0, n, "MEDICAL REVIEWER QUALIFICATIONS"))
        return IMR_FMT_MPR;
    if (Imr_parse_find(t, 0, n, "MAXIMUS FEDERAL SERVICES, INC") ||
        Imr_parse_find(t, 0, n, "IMR DECISION(S) AND RATIONALE(S)") ||
        Imr_parse_find(t, 0, n, "Final Determination: UPHOLD") ||
        Imr_parse_find(t, 0, n, "Final Determination: OVERTURN") ||
        (Imr_parse_find(t, 0, n, "DOCUMENTS REVIEWED") &&
         !Imr_parse_find(t, 0, n, "IMR ISSUES, DECISIONS")))
        return IMR_FMT_MAXIMUS;
    if (Imr_parse_find(t, 0, n, "Case Number:") ||
        Imr_parse_find(t, 0, n, "IMR ISSUES, DECISIONS AND RATIONALES") ||
        Imr_parse_find_ci(t, 0, n, "Claims Administrator guideline:") ||
        Imr_parse_find_ci(t, 0, n, "MAXIMUS guideline:"))
        return IMR_FMT_CASE_HEADER;
    return IMR_FMT_NONE;
}

static const char *format_name(enum imr_format f)
{
    switch (f) {
    case IMR_FMT_CASE_HEADER: return "case_number_header";
    case IMR_FMT_MAXIMUS:     return "maximus_final";
    case IMR_FMT_MPR:         return "medical_professional_review";
    default:                  return "unknown";
    }
}

/* The id when no case number is found: the base name of SOURCE without
 * its extension (and without a ".raw"/".layout" pdftotext suffix). */
static char *source_id(const char *source)
{
    const char *b = source ? strrchr(source, '/') : NULL;
    char *r, *dot;
    size_t n;

    b = b ? b + 1 : (source ? source : "letter");
    if (*b == '\0')
        b = "letter";
    r = strdup(b);
    if (r == NULL)
        return NULL;
    dot = strrchr(r, '.');
    if (dot != NULL && dot != r)
        *dot = '\0';
    n = strlen(r);
    if (n > 4 && strcmp(r + n - 4, ".raw") == 0)
        r[n - 4] = '\0';
    else if (n > 7 && strcmp(r + n - 7, ".layout") == 0)
        r[n - 7] = '\0';
    return r;
}

/* Start of the items: after the issues heading, else 0. */
static size_t items_start(const char *t, size_t n)
{
    static const char *heads[] = {
        "IMR ISSUES, DECISIONS AND RATIONALES",
        "IMR DECISION(S) AND RATIONALE(S)", "IMR DECISIONS AND RATIONALES"
    };
    size_t i;
    const char *p;

    for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        p = Imr_parse_find(t, 0, n, heads[i]);
        if (p != NULL)
            return (size_t)(p - t) + strlen(heads[i]);
    }
    return 0;
}

static int warnings(struct imr_record *rec)
{
    size_t i;
    int rc = IMR_OK;

    if (rec->case_number == NULL)
        rc = imr_record_warn(rec, "no case number found");
    if (rc == IMR_OK && rec->date_decision == NULL)
        rc = imr_record_warn(rec, "no decision date found");
    for (i = 0; i < rec->n_items && rc == IMR_OK; i++) {
        const struct imr_item *it = &rec->items[i];

        if (it->treatment == NULL)
            rc = imr_record_warn(rec, "item %d has no treatment text",
                                 it->n);
        if (rc == IMR_OK && it->decision == IMR_DECISION_UNKNOWN)
            rc = imr_record_warn(rec, "item %d has no decision", it->n);
        if (rc == IMR_OK && it->n_citations == 0)
            rc = imr_record_warn(rec, "item %d cites no guideline", it->n);
        if (rc == IMR_OK && it->rationale == NULL)
            rc = imr_record_warn(rec, "item %d has no rationale", it->n);
    }
    return rc;
}

int imr_parse_letter(const char *data, size_t len, const char *source,
                     struct imr_record **out, char *err)
{
    struct imr_record *rec = NULL;
    enum imr_format fmt;
    const char *t, *body;
    char *flat = NULL;
    size_t n, bn, fn, lo;
    int rc, truncated = 0;

    *out = NULL;
    if (data == NULL || len == 0) {
        rc = imr_seterr(err, IMR_ENOTLETTER, "empty input");
        goto fail;
    }
    if (Imr_text_looks_binary(data, len)) {
        rc = imr_seterr(err, IMR_ENOTLETTER, "binary data, not text");
        goto fail;
    }
    if ((rec = imr_record_new()) == NULL)
        goto nomem;
    if ((rc = Imr_text_clean(data, len, &rec->text, &truncated)) != IMR_OK)
        goto nomem;
    t = rec->text;
    n = strlen(t);
    fmt = detect_format(t, n);
    if (fmt == IMR_FMT_NONE) {
        rc = imr_seterr(err, IMR_ENOTLETTER, "no IMR determination "
                        "sections or decisions found");
        goto fail;
    }
    if ((rec->format = strdup(format_name(fmt))) == NULL)
        goto nomem;
    if (source != NULL && (rec->source = strdup(source)) == NULL)
        goto nomem;
    if ((rc = parse_header(rec, t, n)) != IMR_OK)
        goto fail;
    if (rec->case_number == NULL) {
        const char *cn = find_case_number(t, n);

        if (cn != NULL &&
            (rec->case_number = Imr_parse_dupn(cn, 12)) == NULL)
            goto nomem;
    }
    rec->id = rec->case_number ? strdup(rec->case_number) :
                                 source_id(source);
    if (rec->id == NULL)
        goto nomem;
    if ((rc = parse_summary(rec, t, n, fmt)) != IMR_OK)
        goto fail;
    if ((flat = Imr_text_flatten(t, n)) == NULL)
        goto nomem;
    fn = strlen(flat);
    body = rec->summary ? rec->summary : flat;
    bn = strlen(body);
    if ((rc = parse_patient(rec, body, bn)) != IMR_OK ||
        (rc = parse_diagnoses(rec, body, bn)) != IMR_OK ||
        (rc = parse_injury(rec, body, bn)) != IMR_OK ||
        (rc = parse_reviewer(rec, t, n, flat, fn)) != IMR_OK)
        goto fail;
    if (rec->summary != NULL && ((rec->age < 0 &&
         (rc = parse_patient(rec, flat, fn)) != IMR_OK) ||
        (rec->n_diagnoses == 0 &&
         (rc = parse_diagnoses(rec, flat, fn)) != IMR_OK) ||
        (rec->date_injury == NULL &&
         (rc = parse_injury(rec, flat, fn)) != IMR_OK)))
        goto fail;
    dedupe_specialties(rec);
    if (fmt == IMR_FMT_MPR) {
        rc = Imr_parse_mpr_items(rec, t, n, err);
    } else {
        lo = items_start(t, n);
        rc = Imr_parse_items(rec, t, lo, n, err);
    }
    if (rc != IMR_OK)
        goto fail;
    if (rec->n_items == 0 || (fmt == IMR_FMT_MPR &&
        rec->items[0].decision == IMR_DECISION_UNKNOWN &&
        rec->items[0].treatment == NULL)) {
        rc = imr_seterr(err, IMR_ENOTLETTER, "no disputed item with a "
                        "decision found");
        goto fail;
    }
    if (truncated && (rc = imr_record_warn(rec, "input longer than %u "
                      "bytes; the rest was not read",
                      (unsigned)IMR_TEXT_MAX)) != IMR_OK)
        goto fail;
    if ((rc = warnings(rec)) != IMR_OK)
        goto fail;
    free(flat);
    *out = rec;
    return IMR_OK;
nomem:
    rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
fail:
    free(flat);
    imr_record_free(rec);
    return rc;
}
