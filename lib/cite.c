/* The citation normaliser: the guideline statements of IMR letters ->
 * structured citations.
 *
 * Normalisation rules (the search relies on them):
 * - Whitespace of any kind is folded to one space; a hyphen left by a line
 *   break is joined ("Electro- diagnostic" -> "Electrodiagnostic", "30-
 *   32" -> "30-32"); en and em dashes become "-".
 * - "Decision based on MTUS ..." statements give guideline "MTUS", one
 *   citation per MTUS part ("..., and <Part> <Year>, Section(s): ...").
 *   Documents: "Chronic Pain Medical Treatment Guidelines", "Acupuncture
 *   Medical Treatment Guidelines", "Postsurgical Treatment Guidelines",
 *   "Opioids Treatment Guidelines" (chapter NULL).
 * - The MTUS body-part chapters ARE the ACOEM Practice Guidelines 2nd
 *   edition chapters adopted into the MTUS. Rule: the guideline is the one
 *   written ("MTUS Low Back Complaints 2004" -> "MTUS"; "MTUS ACOEM
 *   Practice Guidelines, Chapter 12" and "ACOEM Chapter 12" -> "ACOEM"),
 *   but the document is always "ACOEM Practice Guidelines" and the chapter
 *   always the ACOEM number plus its 2nd-edition title ("12 Low Back
 *   Complaints"). So "ACOEM ch. 12" is found, whichever guideline the
 *   letter named, by document = 'ACOEM Practice Guidelines' AND chapter
 *   LIKE '12 %' (see imr_cite_acoem_chapter). "General Approaches" is
 *   ACOEM chapters 1-7: its chapter is the numbered title of its first
 *   section when that names one, else "General Approaches".
 * - ACOEM 3rd edition citations ("ACOEM Occupational Medicine Practice
 *   Guidelines, 3rd ed., Low Back Disorders") keep the 3rd-edition title
 *   without a number ("Low Back Disorders").
 * - ODG: guideline "ODG", document "Official Disability Guidelines", one
 *   citation per ODG chapter named, chapter normalised to the ODG titles
 *   "Low Back", "Neck and Upper Back", "Pain (Chronic)", "Knee & Leg",
 *   "Shoulder", "Hip & Pelvis", "Forearm, Wrist & Hand", "Elbow", "Ankle &
 *   Foot", "Head", "Mental Illness & Stress", "Carpal Tunnel Syndrome",
 *   "Hernia", "Fitness for Duty", "Eye", "Preface" (NULL if none named).
 * - Other sources: "UpToDate", "FDA", "CMS", "AANEM", the host of a URL, or
 *   the source's first phrase; document NULL.
 * - edition: the year written after the part name ("2004", "2016"), else
 *   NULL (the parser may infer it from the decision date).
 * - Pages: after "Page(s)", "pages", "page", "pgs", "pg.", "pp.", "p.":
 *   lists split on "," ";" "/" "&" "and"; "a-b" ranges ("a to b"); a short
 *   second number keeps the first one's leading digits ("111-13" ->
 *   111-113); a reversed range is swapped; pages outside 1..IMR_PAGE_MAX
 *   are dropped.
 * - "did not cite any medical evidence" and "based their decision on
 *   recommendation(s) outside of the MTUS" sentences give no citation. */
#include "imr/cite.h"
#include "imr/imr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define IMR_PAGE_MAX   5000        /* no guideline has more pages */
#define CITE_TEXT_MAX  65536       /* longest statement accepted (bytes) */
#define MAX_SPLITS     64          /* parts per statement we look at */

/* A slice of the normalised statement. */
struct span {
    const char *s;
    size_t n;
};

/* ---- small string helpers ------------------------------------------ */

/* ASCII lower case without the locale (the hot path of every search). */
static inline int low(int c)
{
    c &= 0xff;
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline int is_word(int c)
{
    c &= 0xff;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c & 0x80);
}

/* Length of LIT if the span S (N bytes) starts with it (any case), else 0.
 * With WORD the match must also end on a word boundary. */
static size_t ci_prefix(const char *s, size_t n, const char *lit, int word)
{
    size_t i;

    for (i = 0; lit[i]; i++) {
        if (i >= n || low(s[i]) != low(lit[i]))
            return 0;
    }
    if (word && i < n && is_word(s[i]) && is_word(lit[i - 1]))
        return 0;
    return i;
}

/* Offset of the first occurrence of LIT in S[0..N) (any case) starting on
 * a word boundary, or -1. */
static long ci_find(const char *s, size_t n, const char *lit, int word)
{
    size_t i;
    int first = low(lit[0]);

    for (i = 0; i < n; i++) {
        if (low(s[i]) != first)
            continue;
        if (word && i > 0 && is_word(s[i - 1]) && is_word(lit[0]))
            continue;
        if (ci_prefix(s + i, n - i, lit, word))
            return (long)i;
    }
    return -1;
}

static struct span trim(struct span sp)
{
    while (sp.n && (sp.s[0] == ' ' || sp.s[0] == ',' || sp.s[0] == ';' ||
                    sp.s[0] == ':'))
        sp.s++, sp.n--;
    while (sp.n && (sp.s[sp.n - 1] == ' ' || sp.s[sp.n - 1] == ',' ||
                    sp.s[sp.n - 1] == ';' || sp.s[sp.n - 1] == ':' ||
                    sp.s[sp.n - 1] == '.'))
        sp.n--;
    return sp;
}

static int has_letter(struct span sp)
{
    size_t i;

    for (i = 0; i < sp.n; i++)
        if (isalpha((unsigned char)sp.s[i]))
            return 1;
    return 0;
}

static char *span_dup(struct span sp)
{
    char *p = malloc(sp.n + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, sp.s, sp.n);
    p[sp.n] = '\0';
    return p;
}

/* Sets *DST to a copy of S (may be NULL). IMR_OK or IMR_ENOMEM. */
static int set_str(char **dst, const char *s)
{
    if (s == NULL)
        return IMR_OK;
    *dst = strdup(s);
    return *dst ? IMR_OK : IMR_ENOMEM;
}

static int set_span(char **dst, struct span sp)
{
    *dst = span_dup(sp);
    return *dst ? IMR_OK : IMR_ENOMEM;
}

/* Words after a broken hyphen that keep the hyphen ("Follow- up"). */
static const char *const keep_hyphen[] = {
    "up", "ups", "related", "based", "term", "level", "dose", "free",
    "induced", "specific", "time", NULL
};

static int keeps_hyphen(const char *s, const char *end)
{
    size_t i, n = 0;

    while (s + n < end && isalpha((unsigned char)s[n]))
        n++;
    for (i = 0; keep_hyphen[i]; i++)
        if (strlen(keep_hyphen[i]) == n &&
            ci_prefix(s, n, keep_hyphen[i], 0) == n)
            return 1;
    return 0;
}

/* Copies TEXT into OUT (strlen(TEXT) + 1 bytes) with whitespace folded,
 * dashes made ASCII and line-break hyphens joined; returns the length. */
static size_t normalise(const char *text, char *out)
{
    const unsigned char *p = (const unsigned char *)text;
    const char *end = text + strlen(text);
    size_t n = 0;
    int space = 0;

    while (*p) {
        if (isspace(*p) || (p[0] == 0xc2 && p[1] == 0xa0)) {
            p += (p[0] == 0xc2) ? 2 : 1;
            space = 1;
            continue;
        }
        if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) {
            p += 3;
            if (space && n)
                out[n++] = ' ';
            space = 0;
            out[n++] = '-';
            continue;
        }
        if (space && n) {
            /* "Electro- diagnostic", "30- 32": a hyphen split by a line
             * end, not " - " nor "Low Back- Lumbar". */
            if (out[n - 1] == '-' && n >= 2 && out[n - 2] != ' ' &&
                ((isdigit((unsigned char)out[n - 2]) && isdigit(*p)) ||
                 (islower((unsigned char)out[n - 2]) && islower(*p)))) {
                /* "Follow- up" keeps its hyphen, "Electro- diagnostic"
                 * loses it */
                if (isalpha(*p) && !keeps_hyphen((const char *)p, end))
                    n--;
            } else {
                out[n++] = ' ';
            }
        }
        space = 0;
        out[n++] = (char)*p++;
    }
    out[n] = '\0';
    return n;
}

/* ---- pages ----------------------------------------------------------- */

/* Reads a page number at S[*I]; returns it, 0 when absent, -1 when out of
 * range. *DIGITS gets its number of digits. */
static long read_num(const char *s, size_t n, size_t *i, int *digits)
{
    long v = 0;
    int d = 0;

    while (*i < n && isdigit((unsigned char)s[*i])) {
        if (d < 9)
            v = v * 10 + (s[*i] - '0');
        d++;
        (*i)++;
    }
    *digits = d;
    if (d == 0)
        return 0;
    if (d > 6 || v < 1 || v > IMR_PAGE_MAX)
        return -1;
    return v;
}

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    return i;
}

/* Parses a page list at the start of S[0..N). Adds the ranges to C (when
 * not NULL). Returns the number of ranges added, or IMR_ENOMEM. *USED
 * gets the bytes consumed. */
static int pages_list(const char *s, size_t n, struct imr_citation *c,
                      size_t *used)
{
    size_t i = skip_spaces(s, n, 0), j, k;
    int added = 0, d1, d2, rc;
    long a, b, p10;

    *used = 0;
    for (;;) {
        if (i >= n || !isdigit((unsigned char)s[i]))
            break;
        a = read_num(s, n, &i, &d1);
        b = a;
        /* "3.2" or "12a" are not pages */
        if (i < n && (isalpha((unsigned char)s[i]) ||
                      (s[i] == '.' && i + 1 < n &&
                       isdigit((unsigned char)s[i + 1]))))
            break;
        j = skip_spaces(s, n, i);
        k = 0;
        if (j < n && s[j] == '-')
            k = 1;
        else if ((k = ci_prefix(s + j, n - j, "to", 1)) == 0)
            k = ci_prefix(s + j, n - j, "through", 1);
        if (k) {
            size_t t = skip_spaces(s, n, j + k);

            if (t < n && isdigit((unsigned char)s[t])) {
                b = read_num(s, n, &t, &d2);
                i = t;
                if (a > 0 && b > 0 && b < a && d2 < d1) {
                    for (p10 = 1; d2 > 0; d2--)
                        p10 *= 10;
                    b = a - a % p10 + b;
                    if (b < a)
                        b += p10;
                    if (b > IMR_PAGE_MAX)
                        b = -1;
                }
            }
        }
        if (a > 0 && b > 0) {
            long lo = a < b ? a : b, hi = a < b ? b : a;
            size_t r;
            int dup = 0;

            for (r = 0; c && r < c->n_pages; r++)
                if (c->pages[r].from == lo && c->pages[r].to == hi)
                    dup = 1;
            if (c && !dup) {
                rc = imr_citation_add_pages(c, (int)lo, (int)hi);
                if (rc == IMR_ENOMEM)
                    return rc;
                if (rc == IMR_OK)
                    added++;
            } else if (c == NULL) {
                added++;
            }
        }
        *used = i;
        /* a separator must be followed by another number */
        j = skip_spaces(s, n, i);
        if (j < n && (s[j] == ',' || s[j] == ';' || s[j] == '/' ||
                      s[j] == '&'))
            j = skip_spaces(s, n, j + 1);
        if ((k = ci_prefix(s + j, n - j, "and", 1)) != 0)
            j = skip_spaces(s, n, j + k);
        if (j == skip_spaces(s, n, i) || j >= n ||
            !isdigit((unsigned char)s[j]))
            break;
        i = j;
    }
    return added;
}

/* Page keywords, longest first. */
static const char *const page_words[] = {
    "page(s)", "pages", "page", "pgs.", "pgs", "pg.", "pg", "pp.", "pp",
    "p.", "p", NULL
};

/* Adds every page list introduced by a page keyword in SP to C. */
static int pages_in(struct span sp, struct imr_citation *c)
{
    size_t i, k, used;
    int w, rc, total = 0;

    for (i = 0; i < sp.n; i++) {
        if ((sp.s[i] != 'p' && sp.s[i] != 'P') ||
            (i > 0 && is_word(sp.s[i - 1])))
            continue;
        for (w = 0; page_words[w]; w++) {
            k = ci_prefix(sp.s + i, sp.n - i, page_words[w], 1);
            if (k)
                break;
        }
        if (page_words[w] == NULL)
            continue;
        k = skip_spaces(sp.s, sp.n, i + k);
        if (k < sp.n && (sp.s[k] == ':' || sp.s[k] == '#'))
            k = skip_spaces(sp.s, sp.n, k + 1);
        if (k >= sp.n || !isdigit((unsigned char)sp.s[k]))
            continue;
        rc = pages_list(sp.s + k, sp.n - k, c, &used);
        if (rc < 0)
            return rc;
        total += rc;
        i = k + (used ? used - 1 : 0);
    }
    return total;
}

/* Parses a page list, with or without its keyword; see cite.h. */
int imr_pages_parse(const char *text, struct imr_citation *c)
{
    struct span sp;
    size_t i, k, used;
    int w;

    if (text == NULL || c == NULL)
        return 0;
    sp.s = text;
    sp.n = strlen(text);
    i = skip_spaces(sp.s, sp.n, 0);
    for (w = 0; page_words[w]; w++) {
        k = ci_prefix(sp.s + i, sp.n - i, page_words[w], 1);
        if (k) {
            i = skip_spaces(sp.s, sp.n, i + k);
            if (i < sp.n && (sp.s[i] == ':' || sp.s[i] == '#'))
                i = skip_spaces(sp.s, sp.n, i + 1);
            break;
        }
    }
    return pages_list(sp.s + i, sp.n - i, c, &used);
}

/* ---- tables ---------------------------------------------------------- */

#define DOC_CPMTG   "Chronic Pain Medical Treatment Guidelines"
#define DOC_ACUP    "Acupuncture Medical Treatment Guidelines"
#define DOC_POST    "Postsurgical Treatment Guidelines"
#define DOC_OPIOID  "Opioids Treatment Guidelines"
#define DOC_ACOEM   "ACOEM Practice Guidelines"
#define DOC_ODG     "Official Disability Guidelines"

/* ACOEM Practice Guidelines 2nd ed. (2004) chapter titles by number. */
static const char *const acoem_ch[] = {
    NULL,
    "1 Prevention",
    "2 General Approach to Initial Assessment and Documentation",
    "3 Initial Approaches to Treatment",
    "4 Work-Relatedness",
    "5 Cornerstones of Disability Prevention and Management",
    "6 Pain, Suffering, and the Restoration of Function",
    "7 Independent Medical Examinations and Consultations",
    "8 Neck and Upper Back Complaints",
    "9 Shoulder Complaints",
    "10 Elbow Complaints",
    "11 Forearm, Wrist, and Hand Complaints",
    "12 Low Back Complaints",
    "13 Knee Complaints",
    "14 Ankle and Foot Complaints",
    "15 Stress-Related Conditions",
    "16 Eye"
};
#define ACOEM_NCH ((int)(sizeof(acoem_ch) / sizeof(acoem_ch[0])) - 1)

/* MTUS parts as the letters name them, longest spelling first. CH > 0 is
 * the ACOEM chapter, CH == -1 is "General Approaches" (chapters 1-7). A
 * FULL name may start a later part of a statement ("..., and Knee
 * Complaints 2004"); short names only the first one. */
struct mtus_part {
    const char *name;
    const char *doc;
    int ch;
    int full;
};

static const struct mtus_part mtus_parts[] = {
    { "Chronic Pain Medical Treatment", DOC_CPMTG, 0, 1 },
    { "Chronic Pain Treatment", DOC_CPMTG, 0, 1 },
    { "Chronic Pain", DOC_CPMTG, 0, 0 },
    { "Acupuncture Medical Treatment", DOC_ACUP, 0, 1 },
    { "Acupuncture Treatment", DOC_ACUP, 0, 1 },
    { "Acupuncture", DOC_ACUP, 0, 0 },
    { "Postsurgical Treatment", DOC_POST, 0, 1 },
    { "Post-surgical Treatment", DOC_POST, 0, 1 },
    { "Postsurgical", DOC_POST, 0, 0 },
    { "Opioids Treatment", DOC_OPIOID, 0, 1 },
    { "Opioid Treatment", DOC_OPIOID, 0, 1 },
    { "Opioids", DOC_OPIOID, 0, 0 },
    { "General Approaches", DOC_ACOEM, -1, 1 },
    { "Neck and Upper Back Complaints", DOC_ACOEM, 8, 1 },
    { "Neck & Upper Back Complaints", DOC_ACOEM, 8, 1 },
    { "Neck and Upper Back", DOC_ACOEM, 8, 0 },
    { "Shoulder Complaints", DOC_ACOEM, 9, 1 },
    { "Shoulder", DOC_ACOEM, 9, 0 },
    { "Elbow Complaints", DOC_ACOEM, 10, 1 },
    { "Elbow", DOC_ACOEM, 10, 0 },
    { "Forearm, Wrist, and Hand Complaints", DOC_ACOEM, 11, 1 },
    { "Forearm, Wrist and Hand Complaints", DOC_ACOEM, 11, 1 },
    { "Forearm, Wrist, & Hand Complaints", DOC_ACOEM, 11, 1 },
    { "Forewarm, Wrist, and Hand Complaints", DOC_ACOEM, 11, 1 },
    { "Forearm, Wrist, and Hand", DOC_ACOEM, 11, 0 },
    { "Low Back Complaints", DOC_ACOEM, 12, 1 },
    { "Low Back", DOC_ACOEM, 12, 0 },
    { "Knee Complaints", DOC_ACOEM, 13, 1 },
    { "Knee", DOC_ACOEM, 13, 0 },
    { "Ankle and Foot Complaints", DOC_ACOEM, 14, 1 },
    { "Ankle and Foot", DOC_ACOEM, 14, 0 },
    { "Stress-Related Conditions", DOC_ACOEM, 15, 1 },
    { "Stress Related Conditions", DOC_ACOEM, 15, 1 },
    { "Eye", DOC_ACOEM, 16, 1 },
    { NULL, NULL, 0, 0 }
};

/* ODG chapter spellings (at the start of a piece of the citation). */
struct odg_chapter {
    const char *word;
    const char *chapter;
};

static const struct odg_chapter odg_chapters[] = {
    { "neck", "Neck and Upper Back" },
    { "upper back", "Neck and Upper Back" },
    { "cervical", "Neck and Upper Back" },
    { "low back", "Low Back" },
    { "lower back", "Low Back" },
    { "lumbar", "Low Back" },
    { "thoracic", "Low Back" },
    { "chronic pain", "Pain (Chronic)" },
    { "pain", "Pain (Chronic)" },
    { "knee", "Knee & Leg" },
    { "shoulder", "Shoulder" },
    { "hips", "Hip & Pelvis" },
    { "hip", "Hip & Pelvis" },
    { "forearm", "Forearm, Wrist & Hand" },
    { "wrist", "Forearm, Wrist & Hand" },
    { "hand", "Forearm, Wrist & Hand" },
    { "elbow", "Elbow" },
    { "ankle", "Ankle & Foot" },
    { "foot", "Ankle & Foot" },
    { "head", "Head" },
    { "mental", "Mental Illness & Stress" },
    { "stress", "Mental Illness & Stress" },
    { "carpal tunnel", "Carpal Tunnel Syndrome" },
    { "hernia", "Hernia" },
    { "fitness for duty", "Fitness for Duty" },
    { "eye", "Eye" },
    { "preface", "Preface" },
    { "physical therapy guidelines", "Preface" },
    { "physical medicine guidelines", "Preface" },
    { NULL, NULL }
};

/* ACOEM 3rd-edition chapter titles, found by a key word. */
static const struct odg_chapter acoem3_chapters[] = {
    { "low back", "Low Back Disorders" },
    { "lumbar", "Low Back Disorders" },
    { "cervical", "Cervical and Thoracic Spine Disorders" },
    { "neck", "Cervical and Thoracic Spine Disorders" },
    { "shoulder", "Shoulder Disorders" },
    { "elbow", "Elbow Disorders" },
    { "hand", "Hand, Wrist, and Forearm Disorders" },
    { "wrist", "Hand, Wrist, and Forearm Disorders" },
    { "hip", "Hip and Groin Disorders" },
    { "knee", "Knee Disorders" },
    { "ankle", "Ankle and Foot Disorders" },
    { "foot", "Ankle and Foot Disorders" },
    { "chronic pain", "Chronic Pain" },
    { "opioid", "Opioids" },
    { "initial approaches", "Initial Approaches to Treatment" },
    { "eye", "Eye" },
    { NULL, NULL }
};

/* Other named sources: a key phrase and the guideline name stored. */
static const struct odg_chapter other_sources[] = {
    { "uptodate", "UpToDate" },
    { "up to date", "UpToDate" },
    { "food and drug administration", "FDA" },
    { "fda", "FDA" },
    { "centers for medicare", "CMS" },
    { "cms", "CMS" },
    { "medicare", "CMS" },
    { "aanem", "AANEM" },
    { "american academy of orthopaedic surgeons", "AAOS" },
    { "aaos", "AAOS" },
    { "cochrane", "Cochrane" },
    { "medline", "MedlinePlus" },
    { "national institutes of health", "NIH" },
    { "work loss data institute", "ODG" },
    { NULL, NULL }
};

/* ---- building citations ---------------------------------------------- */

/* Adds a citation by BY to ITEM with the given fields (NULLs allowed). */
static int add_cite(struct imr_item *item, enum imr_by by,
                    const char *guideline, const char *doc,
                    const char *chapter, struct span text,
                    struct imr_citation **out)
{
    struct imr_citation *c = NULL;
    int rc;

    *out = NULL;
    if ((rc = imr_item_add_citation(item, &c)) != IMR_OK)
        return rc;
    c->by = by;
    if ((rc = set_str(&c->guideline, guideline)) != IMR_OK ||
        (rc = set_str(&c->document, doc)) != IMR_OK ||
        (rc = set_str(&c->chapter, chapter)) != IMR_OK ||
        (rc = set_span(&c->text, trim(text))) != IMR_OK)
        return rc;
    *out = c;
    return IMR_OK;
}

/* A 4-digit year 1980-2039 standing alone (not in a date) in SP, else
 * NULL span. */
static struct span find_year(struct span sp)
{
    struct span y = { NULL, 0 };
    size_t i;

    for (i = 0; i + 4 <= sp.n; i++) {
        if (!isdigit((unsigned char)sp.s[i]) ||
            (i > 0 && (is_word(sp.s[i - 1]) || sp.s[i - 1] == '/' ||
                       sp.s[i - 1] == '-' || sp.s[i - 1] == '.')))
            continue;
        if (!isdigit((unsigned char)sp.s[i + 1]) ||
            !isdigit((unsigned char)sp.s[i + 2]) ||
            !isdigit((unsigned char)sp.s[i + 3]) ||
            (i + 4 < sp.n && (is_word(sp.s[i + 4]) || sp.s[i + 4] == '/' ||
                              sp.s[i + 4] == '-')))
            continue;
        if ((sp.s[i] == '1' && sp.s[i + 1] == '9' && sp.s[i + 2] >= '8') ||
            (sp.s[i] == '2' && sp.s[i + 1] == '0' && sp.s[i + 2] <= '3')) {
            y.s = sp.s + i;
            y.n = 4;
            return y;
        }
    }
    return y;
}

/* 1 if a standalone year starts at S[J]. */
static int year_at(struct span sp, size_t j)
{
    struct span y = { sp.s + j, sp.n - j };

    if (y.n > 5)
        y.n = 5;
    return find_year(y).s == sp.s + j;
}

/* Reads "Chapter 12" / "Ch. 12" / "Chap 12" in SP; returns 1..16 or 0. */
static int chapter_number(struct span sp)
{
    static const char *const words[] = { "chapter", "chap.", "chap",
                                         "ch.", "ch", NULL };
    size_t i, k, j;
    int w, v;

    for (i = 0; i < sp.n; i++) {
        if ((sp.s[i] != 'c' && sp.s[i] != 'C') ||
            (i > 0 && is_word(sp.s[i - 1])))
            continue;
        for (w = 0; words[w]; w++)
            if ((k = ci_prefix(sp.s + i, sp.n - i, words[w], 1)) != 0)
                break;
        if (words[w] == NULL)
            continue;
        j = skip_spaces(sp.s, sp.n, i + k);
        v = 0;
        while (j < sp.n && isdigit((unsigned char)sp.s[j]) && v < 1000)
            v = v * 10 + (sp.s[j++] - '0');
        if (j < sp.n && is_word(sp.s[j]))
            continue;
        if (v >= 1 && v <= ACOEM_NCH)
            return v;
    }
    return 0;
}

/* Looks up the key words of TABLE in SP (word boundaries); returns the
 * entry found first in the text, or NULL. */
static const struct odg_chapter *find_key(const struct odg_chapter *table,
                                          struct span sp)
{
    const struct odg_chapter *best = NULL;
    long at, best_at = -1;
    int i;

    for (i = 0; table[i].word; i++) {
        at = ci_find(sp.s, sp.n, table[i].word, 1);
        if (at >= 0 && (best == NULL || at < best_at)) {
            best = &table[i];
            best_at = at;
        }
    }
    return best;
}

/* Adds the "Section(s): a, b, c" topics in SP to C. Commas split topics,
 * except inside parentheses and before a piece that goes on the previous
 * topic (one starting in lower case or "&", "GI symptoms ...", and the
 * "Forearm, Wrist, & Hand" title). */
static int add_sections(struct imr_citation *c, struct span sp)
{
    size_t i, start = 0;
    int depth = 0, rc, have = 0;
    struct span piece, cur = { sp.s, 0 };

    for (i = 0; i <= sp.n; i++) {
        if (i < sp.n && sp.s[i] == '(')
            depth++;
        else if (i < sp.n && sp.s[i] == ')' && depth > 0)
            depth--;
        if (i < sp.n && (sp.s[i] != ',' || depth > 0))
            continue;
        piece.s = sp.s + start;
        piece.n = i - start;
        piece = trim(piece);
        start = i + 1;
        if (piece.n == 0)
            continue;
        if (have && (islower((unsigned char)piece.s[0]) ||
                     piece.s[0] == '&' ||
                     ci_prefix(piece.s, piece.n, "GI symptoms", 1) ||
                     (ci_prefix(piece.s, piece.n, "Wrist", 1) &&
                      ci_prefix(cur.s, cur.n, "Forearm", 1)) ||
                     (ci_prefix(piece.s, piece.n, "Hand", 1) &&
                      ci_prefix(cur.s, cur.n, "Forearm, Wrist", 0)))) {
            cur.n = (size_t)(piece.s + piece.n - cur.s);
            continue;
        }
        if (have) {
            char *s = span_dup(trim(cur));

            if (s == NULL)
                return IMR_ENOMEM;
            rc = imr_strv_push(&c->sections, &c->n_sections, s);
            free(s);
            if (rc != IMR_OK)
                return rc;
        }
        cur = piece;
        have = 1;
    }
    if (have && trim(cur).n) {
        char *s = span_dup(trim(cur));

        if (s == NULL)
            return IMR_ENOMEM;
        rc = imr_strv_push(&c->sections, &c->n_sections, s);
        free(s);
        return rc;
    }
    return IMR_OK;
}

/* The "Section(s):" list of SP (up to a page keyword), or an empty span. */
static struct span section_list(struct span sp)
{
    static const char *const words[] = { "section(s)", "sections",
                                         "section", NULL };
    struct span out = { NULL, 0 };
    long at, pg;
    size_t k = 0;
    int w;

    for (w = 0; words[w]; w++) {
        at = ci_find(sp.s, sp.n, words[w], 1);
        if (at >= 0) {
            k = (size_t)at + strlen(words[w]);
            break;
        }
    }
    if (words[w] == NULL)
        return out;
    k = skip_spaces(sp.s, sp.n, k);
    if (k < sp.n && sp.s[k] == ':')
        k++;
    out.s = sp.s + k;
    out.n = sp.n - k;
    pg = ci_find(out.s, out.n, "page", 1);
    if (pg >= 0)
        out.n = (size_t)pg;
    return trim(out);
}

/* One ACOEM citation (written "ACOEM ..."/ "MTUS ... Chapter N") in SP. */
static int acoem_cite(struct imr_item *item, enum imr_by by,
                      const char *guideline, struct span sp)
{
    struct imr_citation *c = NULL;
    const struct odg_chapter *k3;
    const char *chapter = NULL;
    struct span y;
    int ch, rc;

    ch = chapter_number(sp);
    if (ci_find(sp.s, sp.n, "3rd ed", 1) >= 0 ||
        ci_find(sp.s, sp.n, "third ed", 1) >= 0 ||
        ci_find(sp.s, sp.n, "disorders", 1) >= 0) {
        k3 = find_key(acoem3_chapters, sp);
        if (k3)
            chapter = k3->chapter;
        if (ch > 0 && chapter == NULL)
            ch = 0;
    } else if (ch > 0) {
        chapter = acoem_ch[ch];
    } else {
        int i;

        /* "ACOEM Low Back Complaints" without a number */
        for (i = 0; mtus_parts[i].name; i++)
            if (mtus_parts[i].ch > 0 &&
                ci_find(sp.s, sp.n, mtus_parts[i].name, 1) >= 0) {
                chapter = acoem_ch[mtus_parts[i].ch];
                break;
            }
        /* a body part only the 3rd edition has ("Hip and Groin") */
        if (chapter == NULL && ci_find(sp.s, sp.n, "hip", 1) >= 0)
            chapter = "Hip and Groin Disorders";
    }
    if ((rc = add_cite(item, by, guideline, DOC_ACOEM, chapter, sp, &c)))
        return rc;
    y = find_year(sp);
    if (y.n && (rc = set_span(&c->edition, y)) != IMR_OK)
        return rc;
    rc = pages_in(sp, c);
    return rc < 0 ? rc : IMR_OK;
}

/* Matches an MTUS part name at the start of SP; with NEED_FULL only full
 * names followed by a year, "Guidelines", "Section" or the end. */
static const struct mtus_part *mtus_match(struct span sp, int need_full,
                                          size_t *len)
{
    size_t k, j;
    int i;

    for (i = 0; mtus_parts[i].name; i++) {
        if (need_full && !mtus_parts[i].full)
            continue;
        k = ci_prefix(sp.s, sp.n, mtus_parts[i].name, 1);
        if (k == 0)
            continue;
        if (need_full) {
            j = skip_spaces(sp.s, sp.n, k);
            if (!(j >= sp.n || sp.s[j] == '.' || sp.s[j] == ',' ||
                  ci_prefix(sp.s + j, sp.n - j, "guideline", 0) ||
                  ci_prefix(sp.s + j, sp.n - j, "section", 0) ||
                  ci_prefix(sp.s + j, sp.n - j, "page", 0) ||
                  year_at(sp, j)))
                continue;
        }
        *len = k;
        return &mtus_parts[i];
    }
    return NULL;
}

/* The MTUS part named first anywhere in SP ("(Effective July 18, 2009)
 * Chronic Pain Medical Treatment Guidelines"), or NULL. */
static const struct mtus_part *mtus_anywhere(struct span sp)
{
    const struct mtus_part *best = NULL;
    long at, best_at = -1;
    int i;

    for (i = 0; mtus_parts[i].name; i++) {
        at = ci_find(sp.s, sp.n, mtus_parts[i].name, 1);
        if (at >= 0 && (best == NULL || at < best_at)) {
            best = &mtus_parts[i];
            best_at = at;
        }
    }
    return best;
}

/* One MTUS part ("Low Back Complaints 2004, Section(s): ...") in SP;
 * TEXT is what to store as written. */
static int mtus_part_cite(struct imr_item *item, enum imr_by by,
                          struct span sp, struct span text)
{
    const struct mtus_part *mp;
    struct imr_citation *c = NULL;
    struct span rest, secs, y;
    const char *chapter = NULL;
    size_t k = 0;
    int rc, i;

    sp = trim(sp);
    if (ci_prefix(sp.s, sp.n, "ACOEM", 1) ||
        (chapter_number(sp) > 0 && mtus_match(sp, 0, &k) == NULL))
        return acoem_cite(item, by, ci_prefix(sp.s, sp.n, "ACOEM", 1) ?
                          "ACOEM" : "MTUS", text);
    mp = mtus_match(sp, 0, &k);
    if (mp == NULL)
        mp = mtus_anywhere(sp);
    rest.s = sp.s + k;
    rest.n = sp.n - k;
    secs = section_list(rest);
    if (mp && mp->ch > 0) {
        chapter = acoem_ch[mp->ch];
    } else if (mp && mp->ch < 0) {
        chapter = "General Approaches";
        for (i = 1; i <= 7 && secs.n; i++)
            if (ci_prefix(secs.s, secs.n, acoem_ch[i] + 2, 1))
                chapter = acoem_ch[i];
    }
    rc = add_cite(item, by, "MTUS", mp ? mp->doc : NULL, chapter, text, &c);
    if (rc != IMR_OK)
        return rc;
    y = rest;
    if (secs.n)
        y.n = (size_t)(secs.s - rest.s);
    y = find_year(y);
    if (y.n && (rc = set_span(&c->edition, y)) != IMR_OK)
        return rc;
    if (secs.n && (rc = add_sections(c, secs)) != IMR_OK)
        return rc;
    rc = pages_in(rest, c);
    return rc < 0 ? rc : IMR_OK;
}

/* "MTUS <part>[, and <part>...]": BODY starts after "MTUS". */
static int mtus_cite(struct imr_item *item, enum imr_by by,
                     struct span whole, struct span body)
{
    size_t cut[MAX_SPLITS], ncut = 0, i, k, depth = 0;
    const struct mtus_part *mp;
    struct span part, text;
    int rc;

    body = trim(body);
    if ((k = ci_prefix(body.s, body.n, "guidelines", 1)) != 0 ||
        (k = ci_prefix(body.s, body.n, "guideline", 1)) != 0) {
        struct span after = trim((struct span){ body.s + k, body.n - k });

        if (after.n && (mtus_match(after, 0, &i) ||
                        ci_prefix(after.s, after.n, "ACOEM", 1) ||
                        ci_prefix(after.s, after.n, "in ", 0)))
            body = after;
    }
    if ((k = ci_prefix(body.s, body.n, "in", 1)) != 0)
        body = trim((struct span){ body.s + k, body.n - k });
    /* split before ", and <Full Part Name>" */
    for (i = 0; i < body.n && ncut < MAX_SPLITS; i++) {
        if (body.s[i] == '(')
            depth++;
        else if (body.s[i] == ')' && depth)
            depth--;
        if (depth || (k = ci_prefix(body.s + i, body.n - i, " and ", 0)) ==
            0)
            continue;
        part.s = body.s + i + k;
        part.n = body.n - i - k;
        mp = mtus_match(part, 1, &k);
        if (mp)
            cut[ncut++] = i;
    }
    for (i = 0; i <= ncut; i++) {
        size_t from = i == 0 ? 0 : cut[i - 1] + 5;
        size_t to = i == ncut ? body.n : cut[i];

        part.s = body.s + from;
        part.n = to - from;
        part = trim(part);
        if (part.n == 0)
            continue;
        text = part;
        if (i == 0)
            text.n = (size_t)(part.s + part.n - whole.s), text.s = whole.s;
        rc = mtus_part_cite(item, by, part, text);
        if (rc != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

/* ODG: one citation per chapter named in SP. */
static int odg_cite(struct imr_item *item, enum imr_by by, struct span sp)
{
    const char *found[16];
    size_t nfound = 0, i, j, k;
    struct imr_citation *c = NULL, *first_c = NULL;
    struct span y;
    int rc, t, piece_start = 1;
    size_t first_idx = 0;

    for (i = 0; i < sp.n && nfound < 16; i++) {
        char ch = sp.s[i];

        if (ch == ',' || ch == ';' || ch == '/' || ch == ':' || ch == '(' ||
            ch == '-') {
            piece_start = 1;
            continue;
        }
        if (ch == ' ' || !is_word(ch) || (i > 0 && is_word(sp.s[i - 1])))
            continue;
        if ((k = ci_prefix(sp.s + i, sp.n - i, "and", 1)) != 0 ||
            (k = ci_prefix(sp.s + i, sp.n - i, "official disability "
                           "guidelines", 1)) != 0 ||
            (k = ci_prefix(sp.s + i, sp.n - i, "odg", 1)) != 0) {
            piece_start = 1;
            i += k - 1;
            continue;
        }
        if (!piece_start)
            continue;
        piece_start = 0;
        for (t = 0; odg_chapters[t].word; t++) {
            if ((k = ci_prefix(sp.s + i, sp.n - i, odg_chapters[t].word,
                               1)) == 0)
                continue;
            for (j = 0; j < nfound; j++)
                if (found[j] == odg_chapters[t].chapter)
                    break;
            if (j == nfound)
                found[nfound++] = odg_chapters[t].chapter;
            i += k - 1;
            break;
        }
    }
    if (nfound == 0) {
        /* "MRI shoulder": a chapter word anywhere but "pain" */
        const struct odg_chapter *kc = find_key(odg_chapters + 9, sp);

        if (kc)
            found[nfound++] = kc->chapter;
    }
    y = find_year(sp);
    for (i = 0; i < (nfound ? nfound : 1); i++) {
        rc = add_cite(item, by, "ODG", DOC_ODG, nfound ? found[i] : NULL,
                      sp, &c);
        if (rc != IMR_OK)
            return rc;
        if (y.n && (rc = set_span(&c->edition, y)) != IMR_OK)
            return rc;
        if (i == 0)
            first_idx = item->n_citations - 1;
    }
    first_c = &item->citations[first_idx];
    rc = pages_in(sp, first_c);
    return rc < 0 ? rc : IMR_OK;
}

/* Another source: a known name, the host of a URL, or its first phrase. */
static int other_cite(struct imr_item *item, enum imr_by by, struct span sp)
{
    const struct odg_chapter *k = find_key(other_sources, sp);
    struct imr_citation *c = NULL;
    char name[81];
    long at;
    size_t i, n = 0;
    int rc;

    if (k) {
        rc = add_cite(item, by, k->chapter, NULL, NULL, sp, &c);
    } else if ((at = ci_find(sp.s, sp.n, "://", 0)) >= 0 ||
               (at = ci_find(sp.s, sp.n, "www.", 1)) >= 0) {
        i = (size_t)at;
        if (sp.s[i] == ':')
            i += 3;
        if (ci_prefix(sp.s + i, sp.n - i, "www.", 0))
            i += 4;
        while (i < sp.n && n < sizeof(name) - 1 &&
               (isalnum((unsigned char)sp.s[i]) || sp.s[i] == '.' ||
                sp.s[i] == '-'))
            name[n++] = (char)tolower((unsigned char)sp.s[i++]);
        while (n && name[n - 1] == '.')
            n--;
        name[n] = '\0';
        rc = add_cite(item, by, n ? name : "Other", NULL, NULL, sp, &c);
    } else {
        for (i = 0; i < sp.n && n < sizeof(name) - 1; i++) {
            if (strchr(".,;:?(", sp.s[i]) && !(sp.s[i] == '.' &&
                i + 1 < sp.n && sp.s[i + 1] != ' '))
                break;
            name[n++] = sp.s[i];
        }
        while (n && name[n - 1] == ' ')
            n--;
        name[n] = '\0';
        if (i < sp.n && !strchr(".,;:?(", sp.s[i]))
            n = 0;
        rc = add_cite(item, by, n ? name : "Other", NULL, NULL, sp, &c);
    }
    if (rc != IMR_OK)
        return rc;
    rc = pages_in(sp, c);
    return rc < 0 ? rc : IMR_OK;
}

/* A free-text citation: the source after "Non-MTUS Citation", or (with
 * STRICT) text that is not a "Decision based on" statement, which yields
 * a citation only when it names a known guideline or source. */
static int free_cite(struct imr_item *item, enum imr_by by, struct span sp,
                     int strict)
{
    static const char *const other_med = "and Other Medical Treatment "
                                         "Guidelines";
    long at, odg, acoem;
    int rc, i;

    sp = trim(sp);
    if (sp.n == 0 || !has_letter(sp))
        return IMR_OK;
    at = ci_find(sp.s, sp.n, other_med, 1);
    if (at >= 0) {
        struct span a = { sp.s, (size_t)at };
        struct span b = { sp.s + at + strlen(other_med),
                          sp.n - (size_t)at - strlen(other_med) };

        if ((rc = free_cite(item, by, a, strict)) != IMR_OK)
            return rc;
        return free_cite(item, by, b, strict);
    }
    odg = ci_find(sp.s, sp.n, "official disability", 1);
    if (odg < 0)
        odg = ci_find(sp.s, sp.n, "odg", 1);
    if (odg < 0)
        odg = ci_find(sp.s, sp.n, "work loss data", 1);
    acoem = ci_find(sp.s, sp.n, "acoem", 1);
    if (acoem < 0)
        acoem = ci_find(sp.s, sp.n, "occupational medicine practice", 1);
    if (odg >= 0 && acoem >= 0) {
        /* two sources: "ODG ..., Low back ... Harris J. Occupational
         * medicine practice guidelines, 2nd edition (2004) p 301", "ACOEM
         * guidelines and the Official Disability Guidelines" */
        size_t cut = (size_t)(acoem > odg ? acoem : odg);
        struct span a = trim((struct span){ sp.s, cut });
        struct span b = trim((struct span){ sp.s + cut, sp.n - cut });

        if (a.n > 4 && ci_prefix(a.s + a.n - 4, 4, " and", 0))
            a.n -= 4;
        if (a.n > 8 && ci_prefix(a.s + a.n - 8, 8, " and the", 0))
            a.n -= 8;
        if (acoem > odg) {
            if ((rc = odg_cite(item, by, trim(a))) != IMR_OK)
                return rc;
            return acoem_cite(item, by, "ACOEM", b);
        }
        if ((rc = acoem_cite(item, by, "ACOEM", trim(a))) != IMR_OK)
            return rc;
        return odg_cite(item, by, b);
    }
    if (odg >= 0)
        return odg_cite(item, by, sp);
    if (acoem >= 0)
        return acoem_cite(item, by, "ACOEM", sp);
    at = ci_find(sp.s, sp.n, "mtus", 1);
    if (at == 0) {
        /* "MTUS <Part> ...": the statement form */
        return mtus_cite(item, by, sp, (struct span){ sp.s + 4,
                                                     sp.n - 4 });
    }
    if (at > 0 || (strict && mtus_anywhere(sp) != NULL)) {
        /* "Chapter 9, Table 9-6, page 214 of the MTUS", "page 82 of the
         * MTUS Chronic Pain Medical Treatment Guidelines" */
        if (chapter_number(sp) > 0)
            return acoem_cite(item, by, "MTUS", sp);
        return mtus_part_cite(item, by, sp, sp);
    }
    if (!strict) {
        /* a non-MTUS source that only names an ODG chapter ("Low Back
         * (Hyperstimulation analgesia)") */
        for (i = 0; odg_chapters[i].word; i++)
            if (ci_prefix(sp.s, sp.n, odg_chapters[i].word, 1))
                return odg_cite(item, by, sp);
    }
    if (strict && find_key(other_sources, sp) == NULL &&
        ci_find(sp.s, sp.n, "://", 0) < 0 &&
        ci_find(sp.s, sp.n, "www.", 1) < 0)
        return IMR_OK;
    return other_cite(item, by, sp);
}

/* Blanks (with spaces) each sentence of S holding one of the phrases that
 * mean "no citation here". */
static void drop_boilerplate(char *s, size_t n)
{
    static const char *const phrases[] = {
        "did not cite any medical evidence",
        "did not cite any evidence",
        "based their decision on recommendation",
        "based its decision on recommendation",
        NULL
    };
    long at;
    size_t b, e;
    int i;

    for (i = 0; phrases[i]; i++) {
        while ((at = ci_find(s, n, phrases[i], 1)) >= 0) {
            b = (size_t)at;
            while (b > 0 && !(s[b - 1] == '.' && (b >= n || s[b] == ' ')))
                b--;
            e = (size_t)at;
            while (e < n && !(s[e] == '.' && (e + 1 >= n || s[e + 1] == ' ')))
                e++;
            if (e < n)
                e++;
            memset(s + b, ' ', e - b);
        }
    }
}

/* Splits the statement at each "Decision based on", drops the "did not
 * cite" sentences and parses each part; see cite.h. */
int imr_cite_parse(const char *text, enum imr_by by, struct imr_item *item,
                   char *err)
{
    static const char *const marker = "decision based on";
    char *buf = NULL;
    size_t n, k, len, pos, next;
    struct span seg, body;
    long at;
    int rc = IMR_OK;

    if (text == NULL || item == NULL)
        return imr_seterr(err, IMR_EINVAL, "no citation text or item");
    len = strlen(text);
    if (len > CITE_TEXT_MAX)
        return imr_seterr(err, IMR_EINVAL, "citation text of %zu bytes is "
                          "longer than %d", len, CITE_TEXT_MAX);
    buf = malloc(len + 1);
    if (buf == NULL)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    n = normalise(text, buf);
    drop_boilerplate(buf, n);

    at = ci_find(buf, n, marker, 1);
    pos = at < 0 ? n : (size_t)at;
    /* text before the first "Decision based on": a rationale's reference */
    seg = trim((struct span){ buf, pos });
    if (seg.n && (rc = free_cite(item, by, seg, 1)) != IMR_OK)
        goto done;
    while (pos < n) {
        pos += strlen(marker);
        at = ci_find(buf + pos, n - pos, marker, 1);
        next = at < 0 ? n : pos + (size_t)at;
        body = trim((struct span){ buf + pos, next - pos });
        seg = body;
        if ((k = ci_prefix(body.s, body.n, "non-mtus", 1)) != 0 ||
            (k = ci_prefix(body.s, body.n, "non mtus", 1)) != 0) {
            body = trim((struct span){ body.s + k, body.n - k });
            if ((k = ci_prefix(body.s, body.n, "citation", 1)) != 0)
                body = trim((struct span){ body.s + k, body.n - k });
            rc = free_cite(item, by, body, 0);
        } else if ((k = ci_prefix(body.s, body.n, "the mtus", 1)) != 0 ||
                   (k = ci_prefix(body.s, body.n, "mtus", 1)) != 0) {
            rc = mtus_cite(item, by, seg,
                           (struct span){ body.s + k, body.n - k });
        } else {
            rc = free_cite(item, by, body, 1);
        }
        if (rc != IMR_OK)
            goto done;
        pos = next;
    }
done:
    free(buf);
    if (rc == IMR_ENOMEM)
        return imr_seterr(err, rc, "out of memory");
    return rc;
}

/* The number that leads an ACOEM chapter title; see cite.h. */
int imr_cite_acoem_chapter(const struct imr_citation *c)
{
    int v = 0;
    const char *p;

    if (c == NULL || c->chapter == NULL || c->document == NULL ||
        strcmp(c->document, DOC_ACOEM) != 0)
        return 0;
    for (p = c->chapter; isdigit((unsigned char)*p) && v < 100; p++)
        v = v * 10 + (*p - '0');
    return (*p == ' ' && v >= 1 && v <= ACOEM_NCH) ? v : 0;
}
