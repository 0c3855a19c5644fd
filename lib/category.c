/* The DWC treatment taxonomy: classifies a disputed item's text into the
 * category and subcategory of the DWC decision search, driven by
 * data/categories.tsv (embedded in libimr as imr_data_categories).
 *
 * Matching rule (also in the data file's header): the item text is split
 * into lower-case words at every byte that is not a letter or digit; a
 * pattern matches a run of words, where a text word may add a plural "s"
 * or "es" to the pattern's word. The match starting at the earliest word
 * wins; at the same word the longest pattern wins, then the first line.
 * Category "-" lines are shields: their words are skipped. Then a
 * pharmaceutical written with a topical form (cream, gel, ointment,
 * lotion, topical, compound, a "%" strength; "patch" except for opioids)
 * becomes Topical Compounds when two or more drugs or "compound" are
 * named, else Topical Analgesics. The table is loaded once (pthread_once)
 * and never freed. */
#include "imr/category.h"
#include "imr/imr.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char imr_data_categories[];
extern const size_t imr_data_categories_len;

#define CAT_MAX_WORDS  256      /* words of an item looked at */
#define CAT_WORD_LEN   48       /* longer words are cut (never match) */
#define CAT_PAT_WORDS  8        /* words of a pattern, at most */
#define CAT_HASH_SIZE  4096     /* buckets (power of two) */

struct cat_entry {
    const char *words[CAT_PAT_WORDS];
    int nwords;
    const char *category;       /* NULL for a shield ("-") */
    const char *subcategory;    /* NULL when the column is empty */
    int line;                   /* line number in the data file */
    int next;                   /* next entry in the bucket, or -1 */
};

struct cat_table {
    char *data;                 /* the copied file, cut into strings */
    struct cat_entry *entries;
    int n;
    int bucket[CAT_HASH_SIZE];  /* first entry index, or -1 */
    int bad_line;               /* first malformed line, or 0 */
    int failed;                 /* the table could not be loaded */
};

static struct cat_table table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static unsigned hash_word(const char *s, size_t n)
{
    unsigned h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h & (CAT_HASH_SIZE - 1);
}

static int is_wordc(int c)
{
    return isalnum((unsigned char)c) || (c & 0x80);
}

/* Cuts the pattern P (modified in place) into E's words. 0 or -1. */
static int split_pattern(char *p, struct cat_entry *e)
{
    e->nwords = 0;
    while (*p) {
        while (*p && !is_wordc(*p))
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (e->nwords == CAT_PAT_WORDS)
            return -1;
        e->words[e->nwords++] = p;
        while (is_wordc(*p)) {
            if (isupper((unsigned char)*p))
                return -1;
            p++;
        }
    }
    return e->nwords ? 0 : -1;
}

static void load_table(void)
{
    char *line, *next, *f2, *f3, *nl;
    int lineno = 0, cap = 0, i;
    struct cat_entry *e, *grown;

    for (i = 0; i < CAT_HASH_SIZE; i++)
        table.bucket[i] = -1;
    table.data = malloc(imr_data_categories_len + 1);
    if (table.data == NULL) {
        table.failed = 1;
        return;
    }
    memcpy(table.data, imr_data_categories, imr_data_categories_len);
    table.data[imr_data_categories_len] = '\0';
    for (line = table.data; line && *line; line = next) {
        lineno++;
        nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        if (nl && nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*line == '#' || *line == '\0')
            continue;
        f2 = strchr(line, '\t');
        f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
        if (f3 == NULL || strchr(f3 + 1, '\t') || f2 == line ||
            f3 == f2 + 1) {
            if (table.bad_line == 0)
                table.bad_line = lineno;
            continue;
        }
        *f2++ = '\0';
        *f3++ = '\0';
        if (table.n == cap) {
            cap = cap ? cap * 2 : 512;
            grown = realloc(table.entries, (size_t)cap * sizeof(*grown));
            if (grown == NULL) {
                table.failed = 1;
                return;
            }
            table.entries = grown;
        }
        e = &table.entries[table.n];
        memset(e, 0, sizeof(*e));
        if (split_pattern(line, e) != 0) {
            if (table.bad_line == 0)
                table.bad_line = lineno;
            continue;
        }
        e->category = strcmp(f2, "-") == 0 ? NULL : f2;
        e->subcategory = *f3 ? f3 : NULL;
        e->line = lineno;
        i = (int)hash_word(e->words[0], strlen(e->words[0]));
        e->next = table.bucket[i];
        table.bucket[i] = table.n++;
    }
}

/* Text word T matches pattern word W: equal, or W plus "s" / "es". */
static int word_eq(const char *t, const char *w)
{
    size_t n = strlen(w);

    if (strncmp(t, w, n) != 0)
        return 0;
    t += n;
    return t[0] == '\0' || (t[0] == 's' && t[1] == '\0') ||
           (t[0] == 'e' && t[1] == 's' && t[2] == '\0');
}

/* The best entry whose words start at text word I of W (NW words), or
 * NULL. Longest first, then the earliest line. */
static const struct cat_entry *match_at(char w[][CAT_WORD_LEN], int nw,
                                        int i)
{
    const struct cat_entry *best = NULL, *e;
    size_t len = strlen(w[i]), cut;
    int pass, k, idx;

    /* the bucket of the word itself, then of its singular forms */
    for (pass = 0; pass < 3; pass++) {
        cut = pass == 0 ? 0 : (size_t)pass;
        if (cut && (len <= cut + 1 || w[i][len - 1] != 's' ||
                    (cut == 2 && w[i][len - 2] != 'e')))
            continue;
        for (idx = table.bucket[hash_word(w[i], len - cut)]; idx >= 0;
             idx = e->next) {
            e = &table.entries[idx];
            if (e->nwords > nw - i)
                continue;
            for (k = 0; k < e->nwords; k++)
                if (!word_eq(w[i + k], e->words[k]))
                    break;
            if (k < e->nwords)
                continue;
            if (best == NULL || e->nwords > best->nwords ||
                (e->nwords == best->nwords && e->line < best->line))
                best = e;
        }
    }
    return best;
}

static int is_form_word(const char *w, int opioid)
{
    static const char *const forms[] = { "cream", "creams", "gel", "gels",
        "ointment", "ointments", "lotion", "lotions", "topical",
        "topically", "compound", "compounded", "compounds", "liniment",
        "spray", "rub", NULL };
    int i;

    if (!opioid && (strcmp(w, "patch") == 0 || strcmp(w, "patches") == 0))
        return 1;
    for (i = 0; forms[i]; i++)
        if (strcmp(w, forms[i]) == 0)
            return 1;
    return 0;
}

/* The topical-form rule on the pharmaceutical winner WIN. */
static const char *topical_sub(char w[][CAT_WORD_LEN], int nw,
                               const struct cat_entry *win, int percent)
{
    static const char *const keep[] = { "Topical Compounds", "Injection",
        "Viscosupplementation", "Medical Food", "Nutritional Products",
        "Hormones", NULL };
    const struct cat_entry *e, *seen[16];
    int i, k, nseen = 0, form, compound = 0, opioid;

    if (win->subcategory == NULL)
        return NULL;
    for (i = 0; keep[i]; i++)
        if (strcmp(win->subcategory, keep[i]) == 0)
            return NULL;
    opioid = strcmp(win->subcategory, "Opioids") == 0;
    form = percent;
    for (i = 0; i < nw; i++) {
        if (is_form_word(w[i], opioid))
            form = 1;
        if (strncmp(w[i], "compound", 8) == 0)
            compound = 1;
    }
    if (!form)
        return NULL;
    for (i = 0; i < nw && nseen < 16; i++) {
        e = match_at(w, nw, i);
        if (e == NULL || e->category == NULL ||
            strcmp(e->category, "Pharmaceuticals") != 0)
            continue;
        for (k = 0; k < nseen; k++)
            if (seen[k] == e)
                break;
        if (k == nseen)
            seen[nseen++] = e;
        i += e->nwords - 1;
    }
    return (nseen >= 2 || compound) ? "Topical Compounds" :
                                      "Topical Analgesics";
}

/* Splits TREATMENT into words and applies the rules above; see
 * category.h. */
int imr_category_classify(const char *treatment, const char **category,
                          const char **subcategory)
{
    char w[CAT_MAX_WORDS][CAT_WORD_LEN];
    const struct cat_entry *e = NULL;
    const char *p, *sub;
    int nw = 0, i;
    size_t n;

    *category = "Other";
    *subcategory = NULL;
    if (pthread_once(&table_once, load_table) != 0 || table.failed)
        return IMR_ENOMEM;
    if (treatment == NULL)
        return IMR_OK;
    for (p = treatment; *p && nw < CAT_MAX_WORDS;) {
        while (*p && !is_wordc(*p))
            p++;
        if (*p == '\0')
            break;
        for (n = 0; is_wordc(*p); p++)
            if (n < CAT_WORD_LEN - 1)
                w[nw][n++] = (char)tolower((unsigned char)*p);
        w[nw++][n] = '\0';
    }
    for (i = 0; i < nw; i++) {
        e = match_at(w, nw, i);
        if (e == NULL)
            continue;
        if (e->category != NULL)
            break;
        i += e->nwords - 1;
        e = NULL;
    }
    if (e == NULL)
        return IMR_OK;
    *category = e->category;
    *subcategory = e->subcategory;
    if (strcmp(e->category, "Pharmaceuticals") == 0 &&
        (sub = topical_sub(w, nw, e, strchr(treatment, '%') != NULL)) !=
        NULL)
        *subcategory = sub;
    return IMR_OK;
}

/* Reports the first malformed line of the data file; see category.h. */
int imr_category_check(char *err)
{
    if (pthread_once(&table_once, load_table) != 0 || table.failed)
        return imr_seterr(err, IMR_ENOMEM, "cannot load categories.tsv");
    if (table.bad_line)
        return imr_seterr(err, IMR_EINVAL, "categories.tsv line %d is "
                          "malformed", table.bad_line);
    return IMR_OK;
}
