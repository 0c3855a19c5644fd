/* imr-corpus: writes one synthetic IMR letter (one of the three formats,
 * as pdftotext prints it, with its noise) and the record of what it
 * really holds. Every choice comes from a PRNG seeded by (seed, index),
 * so a letter is the same whatever order the corpus is written in. */
#include "gen.h"
#include "imr/imr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 4
#define MAX_DX 4

enum letter_fmt { FMT_CASE = 0, FMT_MAXIMUS, FMT_MPR };

static const char *const fmt_names[] = {
    "case_number_header", "maximus_final", "medical_professional_review"
};

/* Everything decided about one item before it is written. */
struct item_plan {
    const struct gen_treat *t;
    const char *text;       /* the item as written */
    const char *shown;      /* the part that survives a lost table cell */
    int overturned;
    int partial;            /* 0, 1 "original request", 2 "remaining" */
    int ca_kind;            /* 0 none cited, 1 same, 2 no pages */
    int rv_none;            /* the reviewer cited nothing */
    int odg_too;            /* the reviewer also cites the ODG chapter */
    int hyph_decision;      /* "Over-\nturned" */
};

/* One letter being written. */
struct letter {
    struct gen_rng rng;
    enum letter_fmt fmt;
    int year;               /* 2013..2017 from the case number */
    int sections;           /* 2016-17 "Section(s):" citations */
    int layout;             /* pdftotext -layout */
    int width;              /* wrap column */
    int apos;               /* 0 ASCII, 1 UTF-8, 2 Windows-1252 */
    int crlf, dbl, runhdr, nofirst, hyph, lostcell, trail;
    char cn[16];
    int d_inj, d_ur, d_rec, d_asg, d_dec;   /* days since 1970-01-01 */
    int age, male, manwoman;
    const char *dx[MAX_DX];
    int n_dx;
    const struct gen_reviewer *rv;
    int n_lic;
    const char *lic[3];
    struct item_plan items[MAX_ITEMS];
    int n_items;
    struct imr_buf doc;     /* logical lines, '\n' separated */
    struct imr_buf tmp;
};

/* ---- PRNG ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *rng, uint64_t seed, uint64_t index)
{
    uint64_t x = seed * 0xD1B54A32D192ED03ULL ^ (index + 1) *
                 0x8CB92BA72F3D8DD7ULL;
    int i;

    for (i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(struct gen_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

unsigned gen_rng_below(struct gen_rng *rng, unsigned n)
{
    return (unsigned)((gen_rng_next(rng) >> 32) * n >> 32);
}

/* True with probability PM per mille. */
static int chance(struct letter *L, unsigned pm)
{
    return gen_rng_below(&L->rng, 1000) < pm;
}

static unsigned pick(struct letter *L, unsigned n)
{
    return gen_rng_below(&L->rng, n);
}

/* ---- dates ---- */

static int days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    int era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static char *iso_date(int z, char *buf)
{
    int y, m, d;

    civil_from_days(z, &y, &m, &d);
    /* The modulos only bound the widths for the compiler; generated
     * dates are always in 1950..2030. */
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
    return buf;
}

/* MM/DD/YYYY as the header writes it. */
static char *us_date(int z, char *buf)
{
    int y, m, d;

    civil_from_days(z, &y, &m, &d);
    snprintf(buf, 11, "%02u/%02u/%04u", (unsigned)m % 100u,
             (unsigned)d % 100u, (unsigned)y % 10000u);
    return buf;
}

/* A narrative date: 10-13-16, 01/25/2012 or January 6, 2011. */
static char *story_date(struct letter *L, int z, char *buf, size_t size)
{
    static const char *const months[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"
    };
    int y, m, d, k = (int)pick(L, 10);

    civil_from_days(z, &y, &m, &d);
    if (k < 4 && L->year >= 2015)
        snprintf(buf, size, "%d-%d-%02d", m, d, y % 100);
    else if (k < 8)
        snprintf(buf, size, "%02d/%02d/%04d", m, d, y);
    else
        snprintf(buf, size, "%s %d, %d", months[m - 1], d, y);
    return buf;
}

/* ---- case numbers ---- */

static int case_year(uint64_t seed, uint64_t index)
{
    struct gen_rng r;
    unsigned k;

    gen_rng_seed(&r, seed ^ 0x5EEDCA5EULL, index);
    k = gen_rng_below(&r, 100);
    if (k < 12)
        return 2013;
    if (k < 32)
        return 2014;
    if (k < 54)
        return 2015;
    if (k < 77)
        return 2016;
    return 2017;
}

/* Generated serials start at 5,000,000: real DWC case serials stay far
 * below that (under 300,000 letters a year), so a generated letter never
 * takes the id of a real one indexed beside it. */
void gen_case_number(uint64_t seed, uint64_t index, char *buf)
{
    snprintf(buf, 16, "CM%02d-%07llu", case_year(seed, index) % 100,
             (unsigned long long)((5000000ULL + index) % 10000000ULL));
}

/* ---- line composition ---- */

static void line(struct letter *L, const char *s)
{
    imr_buf_adds(&L->doc, s);
    imr_buf_addc(&L->doc, '\n');
}

/* A paragraph break: pdftotext -layout keeps blank lines, plain mostly
 * does not. */
static void blank(struct letter *L)
{
    if (L->layout)
        line(L, "");
}

static void heading(struct letter *L, const char *h)
{
    size_t n = strlen(h);
    int pad = L->layout && (int)n < L->width ? (L->width - (int)n) / 2 : 0;

    blank(L);
    imr_buf_addf(&L->doc, "%*s%s%s\n", pad, "", h, L->trail ? " " : "");
}

static int is_alpha_word(const char *w, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z')))
            return 0;
    return 1;
}

static int is_range(const char *w, size_t n)
{
    size_t i;
    int dash = 0;

    for (i = 0; i < n; i++) {
        if (w[i] == '-' && i > 0 && i + 1 < n && dash == 0)
            dash = (int)i;
        else if (!(w[i] >= '0' && w[i] <= '9') && w[i] != ',' &&
                 w[i] != '.')
            return 0;
    }
    return dash;
}

/* Wraps TEXT at the letter's width. HYPH & 1 lets long words break with
 * a hyphen ("treat-" / "ment"), HYPH & 2 page ranges after their dash. */
static void wrap(struct letter *L, const char *text, int hyph)
{
    const char *p = text;
    size_t col = 0;

    while (*p) {
        const char *w;
        size_t n;

        while (*p == ' ')
            p++;
        if (!*p)
            break;
        w = p;
        while (*p && *p != ' ')
            p++;
        n = (size_t)(p - w);
        if (col > 0 && col + 1 + n > (size_t)L->width) {
            size_t room = (size_t)L->width - col - 1;
            int dash = is_range(w, n);

            if ((hyph & 2) && dash > 0 && (size_t)dash + 1 <= room &&
                chance(L, 500)) {
                imr_buf_addc(&L->doc, ' ');
                imr_buf_add(&L->doc, w, (size_t)dash + 1);
                imr_buf_addc(&L->doc, '\n');
                imr_buf_add(&L->doc, w + dash + 1, n - (size_t)dash - 1);
                col = n - (size_t)dash - 1;
                continue;
            }
            if ((hyph & 1) && L->hyph && n >= 9 && room >= 5 &&
                is_alpha_word(w, n) && chance(L, 250)) {
                size_t cut = 3 + pick(L, (unsigned)(n - 6));

                if (cut + 1 > room)
                    cut = room - 1;
                imr_buf_addc(&L->doc, ' ');
                imr_buf_add(&L->doc, w, cut);
                imr_buf_adds(&L->doc, "-\n");
                imr_buf_add(&L->doc, w + cut, n - cut);
                col = n - cut;
                continue;
            }
            imr_buf_addc(&L->doc, '\n');
            col = 0;
        }
        if (col > 0) {
            imr_buf_addc(&L->doc, ' ');
            col++;
        }
        imr_buf_add(&L->doc, w, n);
        col += n;
    }
    imr_buf_addc(&L->doc, '\n');
}

/* Formats into the scratch buffer and returns it (valid until the next
 * call). */
static const char *sfmt(struct letter *L, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static const char *sfmt(struct letter *L, const char *f, ...)
{
    va_list ap;

    imr_buf_reset(&L->tmp);
    va_start(ap, f);
    imr_buf_addvf(&L->tmp, f, ap);
    va_end(ap);
    return L->tmp.p != NULL ? L->tmp.p : "";
}

/* ---- citations ---- */

static const struct gen_chapter *chapter(int n)
{
    size_t i;

    for (i = 0; i < gen_n_chapters; i++)
        if (gen_chapters[i].n == n)
            return &gen_chapters[i];
    return &gen_chapters[0];
}

/* The ODG chapter title a parser normalises to ("Pain" is written, the
 * chapter is "Pain (Chronic)"); the others are written as titled. */
static const char *odg_title(const char *written)
{
    return strcmp(written, "Pain") == 0 ? "Pain (Chronic)" : written;
}

/* Adds the ranges of our own page list ("30-34, 49") to C. */
static int add_pages(struct imr_citation *c, const char *pages)
{
    const char *p = pages;
    int rc;

    while (p != NULL && *p) {
        char *end;
        long a = strtol(p, &end, 10), b = a;

        if (end == p)
            break;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            p = end;
        }
        if ((rc = imr_citation_add_pages(c, (int)a, (int)b)) != IMR_OK)
            return rc;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return IMR_OK;
}

/* The page list as the letter writes it: commas, or "and" before the
 * last entry. */
static void pages_written(struct letter *L, struct imr_buf *b,
                          const char *pages)
{
    const char *last = strrchr(pages, ',');

    if (last != NULL && chance(L, 150)) {
        imr_buf_add(b, pages, (size_t)(last - pages));
        imr_buf_adds(b, " and");
        imr_buf_adds(b, last + 1);
    } else {
        imr_buf_adds(b, pages);
    }
}

static int set(char **dst, const char *s)
{
    if (s == NULL)
        return IMR_OK;
    *dst = strdup(s);
    return *dst == NULL ? IMR_ENOMEM : IMR_OK;
}

/* Writes the primary citation of T into OUT and records it in ITEM.
 * WITH_PAGES is 0 when the claims administrator names only the
 * guideline. */
static int cite_primary(struct letter *L, const struct gen_treat *t,
                        enum imr_by by, int with_pages, struct imr_buf *out,
                        struct imr_item *item)
{
    struct imr_citation *c = NULL;
    struct imr_buf txt = IMR_BUF_INIT;
    const struct gen_chapter *ch = chapter(t->chapter);
    const char *guideline = "MTUS", *doc = NULL, *chap = NULL;
    const char *edition = NULL, *pages = with_pages ? t->pages : NULL;
    int rc, sect = L->sections && with_pages;

    if (L->sections) {
        switch (t->src) {
        case GEN_CPMTG:
            edition = L->d_dec >= days_from_civil(2016, 7, 28) ? "2016"
                                                               : "2009";
            doc = "Chronic Pain Medical Treatment Guidelines";
            imr_buf_addf(&txt, "MTUS Chronic Pain Medical Treatment %s",
                         edition);
            break;
        case GEN_ACOEM:
            edition = ch->year;
            doc = ch->name;
            chap = sfmt(L, "%d %s", ch->n, ch->name);
            if (ch->n <= 7) {
                /* chapters 1-7 are cited as "General Approaches", their
                 * section naming the chapter */
                doc = "General Approaches";
                imr_buf_addf(&txt, "MTUS General Approaches %s", ch->year);
                if (!sect)
                    chap = "General Approaches";
            } else {
                imr_buf_addf(&txt, "MTUS %s %s", ch->name, ch->year);
            }
            break;
        case GEN_ODG:
            guideline = "ODG";
            doc = "Official Disability Guidelines";
            chap = odg_title(t->odg);
            sect = 0;
            imr_buf_addf(&txt, "Non-MTUS Citation Official Disability "
                         "Guidelines, %s Chapter", t->odg);
            break;
        case GEN_ACUP:
            edition = "2007";
            doc = "Acupuncture Medical Treatment Guidelines";
            sect = 0;
            imr_buf_adds(&txt, "MTUS Acupuncture Treatment 2007");
            break;
        case GEN_POSTSURG:
            edition = "2009";
            doc = "Postsurgical Treatment Guidelines";
            sect = 0;
            imr_buf_adds(&txt, "MTUS Postsurgical Treatment 2009");
            break;
        }
        pages = NULL;
        if (sect)
            imr_buf_addf(&txt, ", Section(s): %s", t->section);
    } else {
        int k = (int)pick(L, 10);

        switch (t->src) {
        case GEN_CPMTG:
            doc = "Chronic Pain Medical Treatment Guidelines";
            imr_buf_adds(&txt, k < 2 ? "MTUS Chronic Pain Treatment "
                         "Guidelines" : "MTUS Chronic Pain Medical "
                         "Treatment Guidelines");
            break;
        case GEN_ACOEM:
            guideline = "ACOEM";
            doc = "ACOEM Practice Guidelines";
            chap = sfmt(L, "%d %s", ch->n, ch->name);
            imr_buf_addf(&txt, "%s, Chapter %d %s", k < 5 ? "MTUS ACOEM "
                         "Practice Guidelines" : "ACOEM Occupational "
                         "Medicine Practice Guidelines", ch->n, ch->name);
            break;
        case GEN_ODG:
            guideline = "ODG";
            doc = "Official Disability Guidelines";
            chap = odg_title(t->odg);
            imr_buf_addf(&txt, "%s, %s Chapter", k < 5 ?
                         "Official Disability Guidelines (ODG)" :
                         "Non-MTUS Citation Official Disability "
                         "Guidelines", t->odg);
            break;
        case GEN_ACUP:
            doc = "Acupuncture Medical Treatment Guidelines";
            imr_buf_adds(&txt, "MTUS Acupuncture Medical Treatment "
                         "Guidelines");
            break;
        case GEN_POSTSURG:
            doc = "Postsurgical Treatment Guidelines";
            imr_buf_adds(&txt, "MTUS Postsurgical Treatment Guidelines");
            break;
        }
        if (pages != NULL) {
            int single = strchr(pages, ',') == NULL &&
                         strchr(pages, '-') == NULL;

            k = (int)pick(L, 10);
            if (k < 6 || t->src == GEN_POSTSURG)
                imr_buf_adds(&txt, " Page(s): ");
            else
                imr_buf_adds(&txt, single ? ", page " : ", pages ");
            pages_written(L, &txt, pages);
        }
    }
    if ((rc = imr_buf_error(&txt)) != IMR_OK)
        goto done;
    imr_buf_add(out, txt.p, txt.n);
    if ((rc = imr_item_add_citation(item, &c)) != IMR_OK)
        goto done;
    c->by = by;
    if ((rc = set(&c->guideline, guideline)) != IMR_OK ||
        (rc = set(&c->document, doc)) != IMR_OK ||
        (rc = set(&c->chapter, chap)) != IMR_OK ||
        (rc = set(&c->edition, edition)) != IMR_OK ||
        (rc = set(&c->text, txt.p)) != IMR_OK)
        goto done;
    if (sect && (rc = imr_strv_push(&c->sections, &c->n_sections,
                                    t->section)) != IMR_OK)
        goto done;
    if (pages != NULL)
        rc = add_pages(c, pages);
done:
    imr_buf_free(&txt);
    return rc;
}

/* Appends ". Decision based on <ODG chapter>" as a second citation of
 * the reviewer, as the 2016-17 letters add their Non-MTUS source. */
static int cite_odg(struct letter *L, const struct gen_treat *t,
                    struct imr_buf *out, struct imr_item *item)
{
    struct imr_citation *c = NULL;
    const char *txt = sfmt(L, "%s %s Chapter", L->sections ?
                          "Non-MTUS Citation Official Disability Guidelines"
                          " (ODG)" : "Official Disability Guidelines (ODG),",
                          t->odg);
    int rc;

    imr_buf_adds(out, ". Decision based on ");
    imr_buf_adds(out, txt);
    if ((rc = imr_item_add_citation(item, &c)) != IMR_OK)
        return rc;
    c->by = IMR_BY_REVIEWER;
    if ((rc = set(&c->text, txt)) != IMR_OK ||
        (rc = set(&c->guideline, "ODG")) != IMR_OK ||
        (rc = set(&c->document, "Official Disability Guidelines")) != IMR_OK)
        return rc;
    return set(&c->chapter, odg_title(t->odg));
}

/* ---- the plan of a letter ---- */

static const struct gen_treat *pick_treat(struct letter *L)
{
    static unsigned total;
    unsigned r, i;

    if (total == 0) {
        unsigned s = 0;

        for (i = 0; i < gen_n_treats; i++)
            s += (unsigned)gen_treats[i].weight;
        total = s;
    }
    r = pick(L, total);
    for (i = 0; i < gen_n_treats; i++) {
        if (r < (unsigned)gen_treats[i].weight)
            return &gen_treats[i];
        r -= (unsigned)gen_treats[i].weight;
    }
    return &gen_treats[0];
}

/* The diagnosis group that fits the body region of TEXT. */
static unsigned dx_group(struct letter *L, const char *text)
{
    static const struct {
        const char *word;
        unsigned group;
    } hints[] = {
        {"lumbar", 0}, {"back", 0}, {"L4", 0}, {"L5", 0}, {"cervical", 1},
        {"neck", 1}, {"C5", 1}, {"C6", 1}, {"shoulder", 2}, {"knee", 3},
        {"carpal", 4}, {"upper extrem", 4}, {"psych", 5}, {"Cognitive", 5},
        {"restoration", 5},
    };
    static const unsigned fallback[] = {0, 0, 1, 5};
    size_t i;

    for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        if (strstr(text, hints[i].word) != NULL)
            return hints[i].group;
    return fallback[pick(L, 4)];
}

static void plan(struct letter *L, uint64_t seed, uint64_t index)
{
    unsigned k;
    int i, j, start;
    const struct gen_dx *g;

    L->year = case_year(seed, index);
    gen_case_number(seed, index, L->cn);
    k = pick(L, 100);
    if (L->year == 2013)
        L->fmt = k < 40 ? FMT_MPR : FMT_MAXIMUS;
    else if (L->year == 2014)
        L->fmt = k < 25 ? FMT_MAXIMUS : FMT_CASE;
    else
        L->fmt = FMT_CASE;
    L->sections = L->year >= 2016 || (L->year == 2015 && chance(L, 300));
    L->layout = chance(L, 450);
    L->width = 86 + (int)pick(L, 14);
    k = pick(L, 100);
    L->apos = k < 80 ? 0 : k < 90 ? 1 : 2;
    L->crlf = chance(L, 50);
    L->dbl = chance(L, 80);
    L->runhdr = (L->fmt != FMT_CASE || L->year <= 2015) && chance(L, 350);
    L->nofirst = chance(L, 5);
    L->hyph = chance(L, 250);
    L->lostcell = chance(L, 3);
    L->trail = chance(L, 200);

    /* dates: the UR denial in the case year, IMR from mid 2013 */
    start = L->year == 2013 ? days_from_civil(2013, 6, 1)
                            : days_from_civil(L->year, 1, 1);
    L->d_ur = start + (int)pick(L, L->year == 2013 ? 200 : 340);
    L->d_inj = L->d_ur - 20 - (int)pick(L, 12 * 365);
    L->d_rec = L->d_ur + 3 + (int)pick(L, 25);
    L->d_asg = L->d_rec + 1 + (int)pick(L, 10);
    L->d_dec = L->d_asg + 7 + (int)pick(L, 30);

    k = 0;
    for (i = 0; i < (int)gen_n_reviewers; i++)
        k += (unsigned)gen_reviewers[i].weight;
    k = pick(L, k);
    for (i = 0; i < (int)gen_n_reviewers - 1; i++) {
        if (k < (unsigned)gen_reviewers[i].weight)
            break;
        k -= (unsigned)gen_reviewers[i].weight;
    }
    L->rv = &gen_reviewers[i];
    L->lic[0] = "California";
    L->n_lic = chance(L, 300) ? 2 : 1;
    if (L->n_lic == 2)
        L->lic[1] = gen_states[pick(L, (unsigned)gen_n_states)];

    k = pick(L, 100);
    L->n_items = k < 55 ? 1 : k < 80 ? 2 : k < 93 ? 3 : 4;
    for (i = 0; i < L->n_items; i++) {
        struct item_plan *it = &L->items[i];
        const struct gen_treat *t;
        int again, tries = 0, nt;

        do {
            t = pick_treat(L);
            again = 0;
            for (j = 0; j < i; j++)
                again |= L->items[j].t == t;
        } while (again && ++tries < 20);
        if (again)
            break;
        it->t = t;
        for (nt = 0; nt < 4 && t->text[nt] != NULL; nt++)
            ;
        it->text = t->text[pick(L, (unsigned)nt)];
        it->shown = it->text;
        it->overturned = chance(L, (unsigned)t->overturn * 9 / 10);
        it->partial = chance(L, 30) ? 1 + (int)pick(L, 2) : 0;
        k = pick(L, 100);
        it->ca_kind = k < 30 ? 0 : k < 80 ? 1 : 2;
        it->rv_none = chance(L, 40);
        it->odg_too = t->odg != NULL && t->src != GEN_ODG && chance(L, 150);
        it->hyph_decision = it->overturned && chance(L, 60);
    }
    L->n_items = i;
    L->age = 22 + (int)pick(L, 47);
    L->male = chance(L, 560);
    L->manwoman = chance(L, 150);
    g = &gen_dxs[dx_group(L, L->items[0].text)];
    for (i = 0; g->names[i] != NULL; i++)
        ;
    L->n_dx = 1 + (int)pick(L, 3);
    if (L->n_dx > i)
        L->n_dx = i;
    start = (int)pick(L, (unsigned)i);
    for (j = 0; j < L->n_dx; j++)
        L->dx[j] = g->names[(start + j) % i];

    if (L->lostcell && L->fmt != FMT_MPR && !L->items[0].partial) {
        const char *s = L->items[0].text, *p;
        int words = 1, w = 0;

        for (p = s; *p; p++)
            words += *p == ' ';
        if (words >= 4) {
            for (p = s; *p && w < words / 2; p++)
                w += *p == ' ';
            L->items[0].shown = p;
        }
    }
}

/* ---- truth ---- */

static int truth(struct letter *L, const char *rel, struct imr_record **out)
{
    struct imr_record *r = imr_record_new();
    char d[11];
    int i, rc = IMR_ENOMEM, hdr = !L->nofirst;
    int quals = hdr || L->fmt == FMT_MPR;

    *out = NULL;
    if (r == NULL)
        return IMR_ENOMEM;
    if (set(&r->case_number, hdr || L->runhdr ? L->cn : NULL) ||
        set(&r->id, L->cn) || set(&r->format, fmt_names[L->fmt]) ||
        set(&r->source, rel) || set(&r->date_injury, iso_date(L->d_inj, d)))
        goto fail;
    if (hdr && L->fmt != FMT_MAXIMUS && L->fmt != FMT_MPR &&
        set(&r->date_assigned, iso_date(L->d_asg, d)))
        goto fail;
    if (hdr && (set(&r->date_decision, iso_date(L->d_dec, d)) ||
                set(&r->date_ur_denial, iso_date(L->d_ur, d)) ||
                set(&r->date_received, iso_date(L->d_rec, d))))
        goto fail;
    r->age = L->age;
    if (set(&r->gender, L->male ? "male" : "female"))
        goto fail;
    for (i = 0; i < L->n_dx; i++)
        if (imr_strv_push(&r->diagnoses, &r->n_diagnoses, L->dx[i]))
            goto fail;
    if (quals) {
        int block = L->fmt == FMT_CASE && L->sections;

        for (i = 0; i < 3 && L->rv->specs[i] != NULL; i++) {
            const char *s = L->rv->specs[i];

            if (!block && i == 2)
                break;
            if (!block && strcmp(s, "Physical Medicine & Rehabilitation")
                == 0)
                s = "Physical Medicine and Rehabilitation";
            if (imr_strv_push(&r->specialties, &r->n_specialties, s))
                goto fail;
        }
        for (i = 0; i < L->n_lic; i++)
            if (imr_strv_push(&r->licensure, &r->n_licensure, L->lic[i]))
                goto fail;
    }
    *out = r;
    return IMR_OK;
fail:
    imr_record_free(r);
    return rc;
}

/* ---- writing ---- */

static void header_case(struct letter *L)
{
    char a[11], b[11], c[11], d[11], e[11];

    us_date(L->d_asg, a);
    us_date(L->d_inj, b);
    us_date(L->d_dec, c);
    us_date(L->d_ur, d);
    us_date(L->d_rec, e);
    if (L->layout) {
        imr_buf_addf(&L->doc, "Case Number:          %s\n", L->cn);
        imr_buf_addf(&L->doc, "Date Assigned:        %-32sDate of Injury:"
                     "      %s\n", a, b);
        imr_buf_addf(&L->doc, "Decision Date:        %-32sUR Denial Date:"
                     "      %s\n", c, d);
        imr_buf_addf(&L->doc, "Priority:             %-32sApplication   "
                     "       %s\n", "Standard", e);
        imr_buf_addf(&L->doc, "%54sReceived:\n", "");
    } else {
        imr_buf_addf(&L->doc, "Case Number:\nDate Assigned:\nDecision "
                     "Date:\nPriority:\n\n%s\n%s\n%s\nStandard\n\nDate of "
                     "Injury:\nUR Denial Date:\nApplication\nReceived:\n\n"
                     "%s\n%s\n%s\n", L->cn, a, c, b, d, e);
    }
}

static void header_maximus(struct letter *L)
{
    char a[11], b[11], c[11], d[11];
    const char *fd = "UPHOLD";
    int i, up = 0;

    us_date(L->d_dec, a);
    us_date(L->d_ur, b);
    us_date(L->d_inj, c);
    us_date(L->d_rec, d);
    for (i = 0; i < L->n_items; i++)
        up += !L->items[i].overturned;
    if (up < L->n_items)
        fd = "OVERTURN";
    line(L, "MAXIMUS FEDERAL SERVICES, INC.");
    line(L, "Independent Medical Review");
    line(L, "P.O. Box 138009");
    line(L, "Sacramento, CA 95813-8009");
    blank(L);
    line(L, "Notice of Independent Medical Review Determination");
    blank(L);
    imr_buf_addf(&L->doc, "Dated: %s\n", a);
    blank(L);
    if (L->layout) {
        imr_buf_addf(&L->doc, "IMR Case Number:              %s\n", L->cn);
        imr_buf_addf(&L->doc, "UR Denial Date:               %s\n", b);
        imr_buf_addf(&L->doc, "Date of Injury:               %s\n", c);
        imr_buf_addf(&L->doc, "IMR Application Received:     %s\n", d);
    } else {
        imr_buf_addf(&L->doc, "IMR Case Number:\nUR Denial Date:\nDate of "
                     "Injury:\nIMR Application Received:\n%s\n%s\n%s\n%s\n",
                     L->cn, b, c, d);
    }
    blank(L);
    wrap(L, "MAXIMUS Federal Services, Inc. has completed the Independent "
         "Medical Review (IMR) of the above workers\x01 compensation case. "
         "This letter provides you with the IMR Final Determination and "
         "explains how the determination was made.", 0);
    blank(L);
    wrap(L, sfmt(L, "Final Determination: %s. This means we decided that %s "
                "of the disputed items/services %s medically necessary and "
                "appropriate. A detailed explanation of the decision for "
                "each of the disputed items/services is provided later in "
                "this letter.", fd, up == L->n_items ? "none" :
                up == 0 ? "all" : "one or more",
                up == L->n_items ? "are" : "is"), 0);
    blank(L);
    wrap(L, "This determination is final and binding on both parties; it "
         "may be appealed only as the Labor Code provides.", 0);
}

static void header_mpr(struct letter *L)
{
    char a[11], b[11], c[11], d[11];
    int i;

    us_date(L->d_inj, a);
    us_date(L->d_ur, b);
    us_date(L->d_rec, c);
    us_date(L->d_dec, d);
    line(L, "MEDICAL PROFESSIONAL REVIEW");
    blank(L);
    imr_buf_addf(&L->doc, "IMR Case Number: %s\nDate of Injury: %s\nUR "
                 "Denial Date: %s\nApplication Received: %s\nDecision Date: "
                 "%s\n", L->cn, a, b, c, d);
    blank(L);
    line(L, "ISSUE AT DISPUTE:");
    for (i = 0; i < L->n_items; i++)
        wrap(L, sfmt(L, "%d) %s", i + 1, L->items[i].text), 0);
}

/* The reviewer sentence of the 2013-2015 letters and of format 3. */
static const char *quals_sentence(struct letter *L)
{
    const char *s0 = L->rv->specs[0], *s1 = L->rv->specs[1];
    const char *st = L->n_lic == 2 ? sfmt(L, "%s and %s", L->lic[0],
                                          L->lic[1]) : L->lic[0];
    char states[64];

    snprintf(states, sizeof(states), "%s", st);
    if (strcmp(s0, "Physical Medicine & Rehabilitation") == 0)
        s0 = "Physical Medicine and Rehabilitation";
    if (s1 != NULL)
        return sfmt(L, "The physician reviewer is Board Certified in %s, "
                   "has a subspecialty in %s and is licensed to practice "
                   "in %s.", s0, s1, states);
    return sfmt(L, "The physician reviewer is Board Certified in %s and is "
               "licensed to practice in %s.", s0, states);
}

static void how_made(struct letter *L)
{
    struct imr_buf p = IMR_BUF_INIT;
    int i;

    heading(L, "HOW THE IMR FINAL DETERMINATION WAS MADE");
    imr_buf_adds(&p, "MAXIMUS Federal Services sent the complete case file "
                 "to a physician reviewer. He/she has no affiliation with "
                 "the employer, employee, providers or the claims "
                 "administrator. ");
    if (!(L->fmt == FMT_CASE && L->sections)) {
        imr_buf_adds(&p, quals_sentence(L));
        imr_buf_addc(&p, ' ');
    }
    imr_buf_adds(&p, "He/she has been in active clinical practice for more "
                 "than five years and is currently working at least 24 "
                 "hours a week in active practice. The physician reviewer "
                 "was selected based on his/her clinical experience, "
                 "education, background, and expertise in the same or "
                 "similar specialties that evaluate and/or treat the "
                 "medical condition and disputed items/services.");
    wrap(L, p.p != NULL ? p.p : "", 0);
    imr_buf_free(&p);
    if (L->fmt == FMT_CASE && L->sections) {
        blank(L);
        line(L, "The Expert Reviewer has the following credentials:");
        imr_buf_adds(&L->doc, "State(s) of Licensure: ");
        for (i = 0; i < L->n_lic; i++)
            imr_buf_addf(&L->doc, "%s%s", i ? "," : "", L->lic[i]);
        imr_buf_adds(&L->doc, "\nCertification(s)/Specialty: ");
        for (i = 0; i < 3 && L->rv->specs[i] != NULL; i++) {
            const char *amp = strstr(L->rv->specs[i], " & ");

            imr_buf_adds(&L->doc, i ? ", " : "");
            if (amp != NULL && chance(L, 400)) {
                /* the line is cut after the ampersand */
                imr_buf_add(&L->doc, L->rv->specs[i],
                            (size_t)(amp - L->rv->specs[i]) + 2);
                imr_buf_addf(&L->doc, "\n%s", amp + 3);
            } else {
                imr_buf_adds(&L->doc, L->rv->specs[i]);
            }
        }
        imr_buf_addc(&L->doc, '\n');
    }
}

static void summary(struct letter *L, const char *head)
{
    struct imr_buf p = IMR_BUF_INIT;
    char d1[32], d2[32];
    const char *who = pick(L, 2) ? "The injured worker" : "This patient";
    const char *sex = L->manwoman ? (L->male ? "man" : "woman")
                                  : (L->male ? "male" : "female");
    int i, k = (int)pick(L, 4);

    heading(L, head);
    if (L->fmt != FMT_MPR) {
        wrap(L, "The expert reviewer developed the following clinical case "
             "summary based on a review of the case file, including all "
             "medical records:", 0);
        blank(L);
    }
    story_date(L, L->d_inj, d1, sizeof(d1));
    if (pick(L, 2))
        imr_buf_addf(&p, "%s is a %d year old %s who sustained an "
                     "industrial injury on %s while %s. ", who, L->age, sex,
                     d1, gen_mechanisms[pick(L, (unsigned)
                                             gen_n_mechanisms)]);
    else
        imr_buf_addf(&p, "%s is a %d-year-old %s with date of injury on "
                     "%s. ", who, L->age, sex, d1);
    imr_buf_addf(&p, "%s works as a %s. ", L->male ? "He" : "She",
                 gen_jobs[pick(L, (unsigned)gen_n_jobs)]);
    imr_buf_adds(&p, k == 0 ? "The injured worker was being treated for "
                 "the diagnoses of " : k == 1 ? "Listed diagnoses are " :
                 k == 2 ? "Diagnoses include " : "The patient was diagnosed "
                 "with ");
    for (i = 0; i < L->n_dx; i++) {
        if (i > 0 && i == L->n_dx - 1)
            imr_buf_adds(&p, k == 2 && L->n_dx > 2 ? ", and " : " and ");
        else if (i > 0)
            imr_buf_adds(&p, ", ");
        imr_buf_adds(&p, L->dx[i]);
    }
    imr_buf_adds(&p, ". ");
    imr_buf_addf(&p, "Per the treating physician\x01s report, pain is "
                 "rated %d/10 with limited range of motion and tenderness "
                 "to palpation. Treatment to date has included "
                 "medications, home exercise and modified duty. The "
                 "treating provider requested ", 4 + (int)pick(L, 6));
    for (i = 0; i < L->n_items; i++)
        imr_buf_addf(&p, "%s%s", i == 0 ? "" : i == L->n_items - 1 ?
                     " and " : ", ", L->items[i].text);
    story_date(L, L->d_ur, d2, sizeof(d2));
    imr_buf_addf(&p, ". On %s, utilization review non-certified the "
                 "request%s.", d2, L->n_items > 1 ? "s" : "");
    wrap(L, p.p != NULL ? p.p : "", 1);
    imr_buf_free(&p);
}

static void documents(struct letter *L, const char *head)
{
    char a[11], b[11];

    heading(L, head);
    us_date(L->d_rec, a);
    us_date(L->d_ur, b);
    line(L, sfmt(L, "Application of Independent Medical Review dated %s",
                a));
    line(L, sfmt(L, "Utilization Review Determination dated %s", b));
    line(L, "Medical records from the treating providers and the claims "
         "administrator");
}

/* The rationale: guideline criterion, findings, conclusion. */
static const char *rationale(struct letter *L, const struct item_plan *it,
                             struct imr_buf *b)
{
    const struct gen_treat *t = it->t;
    int k = (int)pick(L, 3);
    const char *tail = L->fmt == FMT_MPR ? " and appropriate" : "";

    imr_buf_reset(b);
    if (it->overturned && L->fmt != FMT_MPR && chance(L, 150))
        imr_buf_adds(b, "Utilization review found the request not "
                     "medically necessary for lack of documentation; the "
                     "records sent for this review are more complete. ");
    if (k == 0)
        imr_buf_adds(b, "The cited guidelines were reviewed. ");
    imr_buf_addf(b, "%s %s ", t->crit, it->overturned ? t->met : t->gap);
    if (pick(L, 2))
        imr_buf_adds(b, "The treating physician\x01s most recent progress "
                     "notes were reviewed for this determination. ");
    if (it->overturned)
        imr_buf_addf(b, k == 2 ? "This request for %s is medically "
                     "necessary%s." : "Therefore, the request for %s is "
                     "medically necessary%s.", k == 2 ? t->shortname :
                     it->text, tail);
    else if (L->fmt == FMT_CASE && L->sections && k == 1)
        imr_buf_addf(b, "Therefore, the request for %s was not medically "
                     "necessary, medically appropriate, or indicated here.",
                     it->text);
    else
        imr_buf_addf(b, k == 2 ? "As such, this request for %s is not "
                     "medically necessary%s." : "Therefore, the request for "
                     "%s is not medically necessary%s.", k == 2 ?
                     t->shortname : it->text, tail);
    return b->p != NULL ? b->p : "";
}

/* Renders the placeholders of S for the truth (UTF-8). */
static char *render_truth(const struct letter *L, const char *s)
{
    struct imr_buf b = IMR_BUF_INIT;

    for (; *s; s++) {
        if (*s == '\x01')
            imr_buf_adds(&b, L->apos ? "\xE2\x80\x99" : "'");
        else if (*s == '\x02')
            imr_buf_adds(&b, "\xC3\xA9");
        else
            imr_buf_addc(&b, *s);
    }
    return imr_buf_take(&b);
}

static int items(struct letter *L, struct imr_record *rec)
{
    struct imr_buf ca = IMR_BUF_INIT, rv = IMR_BUF_INIT, rat = IMR_BUF_INIT;
    int i, rc = IMR_OK;

    if (L->fmt == FMT_MAXIMUS)
        heading(L, "IMR DECISION(S) AND RATIONALE(S)");
    else if (L->fmt == FMT_CASE)
        heading(L, "IMR ISSUES, DECISIONS AND RATIONALES");
    if (L->fmt != FMT_MPR) {
        line(L, "The Final Determination was based on decisions for the "
             "disputed items/services set forth below:");
        blank(L);
    }
    for (i = 0; i < L->n_items && rc == IMR_OK; i++) {
        struct item_plan *it = &L->items[i];
        struct imr_item *item = NULL;
        const char *word = it->overturned ? "Overturned" : "Upheld";

        if ((rc = imr_record_add_item(rec, &item)) != IMR_OK)
            break;
        item->decision = it->overturned ? IMR_DECISION_OVERTURNED
                                        : IMR_DECISION_UPHELD;
        /* a fragment left by a lost table cell names no treatment */
        if ((rc = set(&item->treatment, it->shown)) != IMR_OK ||
            (rc = set(&item->category, it->shown == it->text ? it->t->cat
                      : "Other")) != IMR_OK ||
            (rc = set(&item->subcategory, it->shown == it->text ?
                      it->t->sub : NULL)) != IMR_OK)
            break;
        imr_buf_reset(&ca);
        imr_buf_reset(&rv);
        if (L->fmt != FMT_MPR) {
            if (it->ca_kind == 0)
                imr_buf_adds(&ca, "The Claims Administrator did not cite "
                             "any medical evidence for its decision.");
            else {
                imr_buf_adds(&ca, "Decision based on ");
                rc = cite_primary(L, it->t, IMR_BY_CLAIMS_ADMINISTRATOR,
                                  it->ca_kind == 1, &ca, item);
                imr_buf_addc(&ca, '.');
            }
        }
        if (rc != IMR_OK)
            break;
        if (it->rv_none) {
            imr_buf_adds(&rv, "The Expert Reviewer did not cite any "
                         "medical evidence for its decision.");
        } else {
            imr_buf_adds(&rv, "Decision based on ");
            rc = cite_primary(L, it->t, IMR_BY_REVIEWER, 1, &rv, item);
            if (rc == IMR_OK && it->odg_too)
                rc = cite_odg(L, it->t, &rv, item);
            imr_buf_addc(&rv, '.');
        }
        if (rc != IMR_OK)
            break;
        rationale(L, it, &rat);
        if ((item->rationale = render_truth(L, rat.p)) == NULL) {
            rc = IMR_ENOMEM;
            break;
        }
        if ((rc = imr_buf_error(&ca)) != IMR_OK ||
            (rc = imr_buf_error(&rv)) != IMR_OK)
            break;
        if (L->fmt == FMT_MPR) {
            blank(L);
            wrap(L, sfmt(L, "%d) Regarding the request for %s:", i + 1,
                        it->text), 0);
            line(L, "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY "
                 "PROFESSIONAL");
            line(L, "REVIEWER AND WHY:");
            wrap(L, rv.p, 3);
            line(L, "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE "
                 "IS/WAS NOT");
            line(L, "MEDICALLY NECESSARY:");
            wrap(L, rat.p, 1);
            continue;
        }
        blank(L);
        if (it->partial == 1)
            wrap(L, sfmt(L, "The original request, %s is: %s", it->text,
                        it->hyph_decision ? "Over-" : word), 0);
        else if (it->partial == 2)
            wrap(L, sfmt(L, "The remaining IMR eligible portion of the "
                        "original request, %s is: %s", it->text,
                        it->hyph_decision ? "Over-" : word), 0);
        else if (it->shown != it->text)
            line(L, sfmt(L, "%s:  %s", it->shown, word));
        else
            wrap(L, sfmt(L, "%s: %s", it->text, it->hyph_decision ? "Over-"
                        : word), 0);
        if (it->hyph_decision && it->shown == it->text)
            line(L, "turned");
        blank(L);
        if (chance(L, 30)) {
            /* both labels in one paragraph, as some letters print them */
            wrap(L, sfmt(L, "Claims Administrator guideline: %s MAXIMUS "
                         "guideline: %s", ca.p, rv.p), 3);
        } else {
            wrap(L, sfmt(L, "Claims Administrator guideline: %s", ca.p), 3);
            blank(L);
            wrap(L, sfmt(L, "MAXIMUS guideline: %s", rv.p), 3);
        }
        blank(L);
        wrap(L, sfmt(L, "Decision rationale: %s", rat.p), 1);
    }
    imr_buf_free(&ca);
    imr_buf_free(&rv);
    imr_buf_free(&rat);
    return rc;
}

/* Cuts the logical lines into pages, drops the first page if asked, adds
 * running headers/footers and renders the bytes into OUT. */
static void paginate(struct letter *L, struct imr_buf *out)
{
    const char *p = L->doc.p != NULL ? L->doc.p : "";
    int per = 46 + (int)pick(L, 10), nlines = 0, pages, page = 1, n = 0;
    int skipping = L->nofirst;
    const char *q;

    for (q = p; *q; q++)
        nlines += *q == '\n';
    pages = (nlines + per - 1) / per;
    if (pages < 1)
        pages = 1;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

        if (len == 1 && *p == '\f') {
            n = per;  /* forced break */
        } else if (!skipping) {
            imr_buf_add(out, p, len);
            imr_buf_addc(out, '\n');
            if (L->dbl)
                imr_buf_addc(out, '\n');
            n++;
        }
        p += len + (e != NULL);
        if (n >= per && *p) {
            if (L->runhdr && !skipping)
                imr_buf_addf(out, "\nPage %d of %d\n", page, pages);
            if (!skipping)
                imr_buf_addc(out, '\f');
            skipping = 0;
            page++;
            n = 0;
            if (L->runhdr)
                imr_buf_addf(out, "Case Number: %s\n\n", L->cn);
        }
    }
    if (L->runhdr)
        imr_buf_addf(out, "\nPage %d of %d\n", page, pages);
    imr_buf_addc(out, '\f');
}

/* Renders placeholders and line ends into TEXT. */
static void encode(const struct letter *L, const struct imr_buf *in,
                   struct imr_buf *text)
{
    const char *s = in->p != NULL ? in->p : "", *e = s + in->n;

    for (; s < e; s++) {
        switch (*s) {
        case '\x01':
            imr_buf_adds(text, L->apos == 0 ? "'" : L->apos == 1 ?
                         "\xE2\x80\x99" : "\x92");
            break;
        case '\x02':
            imr_buf_adds(text, L->apos == 2 ? "\xE9" : "\xC3\xA9");
            break;
        case '\n':
            imr_buf_adds(text, L->crlf ? "\r\n" : "\n");
            break;
        default:
            imr_buf_addc(text, *s);
        }
    }
}

int gen_letter(uint64_t seed, uint64_t index, const char *rel,
               struct imr_buf *text, struct imr_record **out)
{
    struct letter *L = calloc(1, sizeof(*L));
    struct imr_record *rec = NULL;
    struct imr_buf pages = IMR_BUF_INIT;
    int rc;

    *out = NULL;
    if (L == NULL)
        return IMR_ENOMEM;
    gen_rng_seed(&L->rng, seed, index);
    plan(L, seed, index);
    if ((rc = truth(L, rel, &rec)) != IMR_OK)
        goto done;
    if (L->fmt == FMT_CASE) {
        header_case(L);
        how_made(L);
        if (L->nofirst)
            line(L, "\f");
        summary(L, "CLINICAL CASE SUMMARY");
    } else if (L->fmt == FMT_MAXIMUS) {
        header_maximus(L);
        how_made(L);
        documents(L, "DOCUMENTS REVIEWED");
        if (L->nofirst)
            line(L, "\f");
        summary(L, "CLINICAL CASE SUMMARY");
    } else {
        header_mpr(L);
        if (L->nofirst)
            line(L, "\f");
        summary(L, "CASE SUMMARY:");
        documents(L, "DOCUMENTS REVIEWED FOR DETERMINATION:");
    }
    if ((rc = items(L, rec)) != IMR_OK)
        goto done;
    if (L->fmt == FMT_MPR) {
        heading(L, "MEDICAL REVIEWER QUALIFICATIONS:");
        wrap(L, quals_sentence(L), 0);
    }
    if ((rc = imr_buf_error(&L->doc)) != IMR_OK ||
        (rc = imr_buf_error(&L->tmp)) != IMR_OK)
        goto done;
    paginate(L, &pages);
    encode(L, &pages, text);
    if ((rc = imr_buf_error(&pages)) != IMR_OK ||
        (rc = imr_buf_error(text)) != IMR_OK)
        goto done;
    *out = rec;
    rec = NULL;
done:
    imr_record_free(rec);
    imr_buf_free(&pages);
    imr_buf_free(&L->doc);
    imr_buf_free(&L->tmp);
    free(L);
    return rc;
}
