/* Domain synonyms, abbreviations and brand/generic drug names for the
 * query language, read once from data/synonyms.tsv compiled into libimr.
 * Each line is a group; any spelling of a group finds every other one. */
#include "imr/imr.h"
#include "imr/query.h"
#include "imr/record.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char imr_data_synonyms[];
extern const size_t imr_data_synonyms_len;

#define SPELL_MAX_WORDS 8

struct spelling {
    char *text;                      /* the whole spelling */
    char *words[SPELL_MAX_WORDS];    /* pointers into wbuf */
    size_t n_words;
    char *wbuf;                      /* the words, NUL-separated */
};

struct group {
    struct spelling *sp;
    size_t n;
};

static struct group *groups;
static size_t n_groups;
static int load_rc = IMR_OK;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static int spelling_init(struct spelling *s, const char *p, size_t len)
{
    char *w;

    memset(s, 0, sizeof(*s));
    s->text = malloc(len + 1);
    s->wbuf = malloc(len + 1);
    if (s->text == NULL || s->wbuf == NULL)
        return IMR_ENOMEM;
    memcpy(s->text, p, len);
    s->text[len] = '\0';
    memcpy(s->wbuf, p, len);
    s->wbuf[len] = '\0';
    for (w = strtok(s->wbuf, " "); w != NULL && s->n_words < SPELL_MAX_WORDS;
         w = strtok(NULL, " "))
        s->words[s->n_words++] = w;
    return IMR_OK;
}

static int add_group(const char *line, size_t len)
{
    struct group g = {NULL, 0}, *ng;
    const char *p = line, *end = line + len, *tab;

    while (p < end) {
        struct spelling *nsp;

        tab = memchr(p, '\t', (size_t)(end - p));
        if (tab == NULL)
            tab = end;
        if (tab > p) {
            nsp = realloc(g.sp, (g.n + 1) * sizeof(*g.sp));
            if (nsp == NULL)
                return IMR_ENOMEM;
            g.sp = nsp;
            if (spelling_init(&g.sp[g.n++], p, (size_t)(tab - p)) != IMR_OK)
                return IMR_ENOMEM;
        }
        p = tab + 1;
    }
    if (g.n < 2) {
        size_t i;

        for (i = 0; i < g.n; i++) {
            free(g.sp[i].text);
            free(g.sp[i].wbuf);
        }
        free(g.sp);
        return IMR_OK;
    }
    ng = realloc(groups, (n_groups + 1) * sizeof(*groups));
    if (ng == NULL)
        return IMR_ENOMEM;
    groups = ng;
    groups[n_groups++] = g;
    return IMR_OK;
}

static void load(void)
{
    const char *p = imr_data_synonyms, *end = p + imr_data_synonyms_len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len;

        if (nl == NULL)
            nl = end;
        len = (size_t)(nl - p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > 0 && p[0] != '#' && add_group(p, len) != IMR_OK) {
            load_rc = IMR_ENOMEM;
            return;
        }
        p = nl + 1;
    }
}

static int spelling_matches(const struct spelling *s,
                            const char *const *words, size_t n)
{
    size_t i;

    if (s->n_words == 0 || s->n_words > n)
        return 0;
    for (i = 0; i < s->n_words; i++)
        if (strcmp(s->words[i], words[i]) != 0)
            return 0;
    return 1;
}

static int strv_has(char **v, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Every spelling of every group; see query.h. */
int imr_synonyms_each(int (*fn)(const char *spelling, void *arg),
                      void *arg)
{
    size_t g, i;
    int rc;

    pthread_once(&load_once, load);
    if (load_rc != IMR_OK)
        return load_rc;
    for (g = 0; g < n_groups; g++)
        for (i = 0; i < groups[g].n; i++)
            if ((rc = fn(groups[g].sp[i].text, arg)) != 0)
                return rc;
    return 0;
}

/* Longest synonym phrase at WORDS[0]: its length and the other
 * spellings of every group it belongs to; see query.h. */
int imr_synonyms_match(const char *const *words, size_t n, char ***alts,
                       size_t *n_alts)
{
    size_t g, i, best = 0;
    char **v = NULL, *typed = NULL;
    size_t nv = 0, tlen = 0;
    int rc = IMR_OK;

    *alts = NULL;
    *n_alts = 0;
    pthread_once(&load_once, load);
    if (load_rc != IMR_OK)
        return load_rc;
    for (g = 0; g < n_groups; g++)
        for (i = 0; i < groups[g].n; i++)
            if (spelling_matches(&groups[g].sp[i], words, n) &&
                groups[g].sp[i].n_words > best)
                best = groups[g].sp[i].n_words;
    if (best == 0)
        return 0;
    for (i = 0; i < best; i++)
        tlen += strlen(words[i]) + 1;
    typed = malloc(tlen + 1);
    if (typed == NULL)
        return IMR_ENOMEM;
    typed[0] = '\0';
    for (i = 0; i < best; i++) {
        if (i > 0)
            strcat(typed, " ");
        strcat(typed, words[i]);
    }
    for (g = 0; g < n_groups; g++) {
        int hit = 0;

        for (i = 0; i < groups[g].n && !hit; i++)
            hit = groups[g].sp[i].n_words == best &&
                  spelling_matches(&groups[g].sp[i], words, n);
        for (i = 0; hit && i < groups[g].n; i++) {
            const char *s = groups[g].sp[i].text;

            if (strcmp(s, typed) == 0 || strv_has(v, nv, s))
                continue;
            rc = imr_strv_push(&v, &nv, s);
            if (rc != IMR_OK)
                goto fail;
        }
    }
    free(typed);
    *alts = v;
    *n_alts = nv;
    return (int)best;
fail:
    free(typed);
    imr_strv_free(v, nv);
    return rc;
}
