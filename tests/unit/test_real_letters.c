/* The parser against the 144 real letters of ../shared/corpus-real/
 * dwc-imrcrawler, in both pdftotext variants: every letter yields its case
 * number, a decision date and items with decisions and citations; the two
 * variants agree; and the hand-checked items of tests/cases/
 * real_expected.jsonl are found. Skips with a notice without ../shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imr/imr.h"
#include "imr/parse.h"
#include "testutil.h"

#define REAL_DIR "corpus-real/dwc-imrcrawler"

static struct imr_record *parse_file(const char *stem, const char *variant)
{
    char rel[512], path[4096], err[IMR_ERR_LEN] = "";
    struct imr_record *rec = NULL;
    size_t n;
    char *s;
    int rc;

    snprintf(rel, sizeof(rel), REAL_DIR "/%s.%s.txt", stem, variant);
    s = tu_read_file(tu_shared_path(path, sizeof(path), rel), &n);
    if (s == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    rc = imr_parse_letter(s, n, path, &rec, err);
    if (rc != IMR_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    free(s);
    return rec;
}

static size_t count_str(const char *s, const char *w)
{
    size_t k = 0;

    while ((s = strstr(s, w)) != NULL) {
        k++;
        s++;
    }
    return k;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Problems with one parsed letter, printed; returns how many. */
static int check_letter(const char *stem, const char *variant,
                        const struct imr_record *rec, size_t *uncited)
{
    int bad = 0;
    size_t i, none = 0;

    if (rec->case_number == NULL || strcmp(rec->case_number, stem) != 0) {
        fprintf(stderr, "%s.%s: case number %s\n", stem, variant,
                rec->case_number ? rec->case_number : "(none)");
        bad++;
    }
    if (rec->date_decision == NULL) {
        fprintf(stderr, "%s.%s: no decision date\n", stem, variant);
        bad++;
    }
    if (rec->n_items == 0) {
        fprintf(stderr, "%s.%s: no items\n", stem, variant);
        bad++;
    }
    for (i = 0; i < rec->n_items; i++) {
        const struct imr_item *it = &rec->items[i];

        if (it->decision == IMR_DECISION_UNKNOWN) {
            fprintf(stderr, "%s.%s: item %d has no decision\n", stem,
                    variant, it->n);
            bad++;
        }
        if (it->treatment == NULL) {
            fprintf(stderr, "%s.%s: item %d has no treatment\n", stem,
                    variant, it->n);
            bad++;
        }
        if (it->n_citations == 0)
            none++;
    }
    /* an item may cite nothing only when both parties say they did not */
    if (none > 0 && count_str(rec->text, "did not cite") < 2 * none) {
        fprintf(stderr, "%s.%s: %zu items without a citation\n", stem,
                variant, none);
        bad++;
    }
    *uncited += none;
    return bad;
}

static int same_items(const char *stem, const struct imr_record *a,
                      const struct imr_record *b)
{
    size_t i;

    if (a->n_items != b->n_items) {
        fprintf(stderr, "%s: raw has %zu items, layout %zu\n", stem,
                a->n_items, b->n_items);
        return 1;
    }
    for (i = 0; i < a->n_items; i++) {
        const struct imr_item *x = &a->items[i], *y = &b->items[i];

        if (x->decision != y->decision || !x->treatment || !y->treatment ||
            strcmp(x->treatment, y->treatment) != 0) {
            fprintf(stderr, "%s: item %zu differs: raw \"%s\" %s, layout "
                    "\"%s\" %s\n", stem, i + 1,
                    x->treatment ? x->treatment : "", imr_decision_name(
                    x->decision), y->treatment ? y->treatment : "",
                    imr_decision_name(y->decision));
            return 1;
        }
    }
    return 0;
}

static void test_all_letters(void **state)
{
    char path[4096];
    DIR *d;
    struct dirent *e;
    char **stems = NULL;
    size_t n = 0, i, items = 0, decided = 0, cited = 0, uncited = 0;
    int bad = 0, mismatch = 0;

    (void)state;
    if (!tu_shared_present(REAL_DIR, "the real-letter test"))
        skip();
    d = opendir(tu_shared_path(path, sizeof(path), REAL_DIR));
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char **ns;

        if (l < 9 || strcmp(e->d_name + l - 8, ".raw.txt") != 0)
            continue;
        ns = realloc(stems, (n + 1) * sizeof(*ns));
        assert_non_null(ns);
        stems = ns;
        stems[n] = strndup(e->d_name, l - 8);
        assert_non_null(stems[n]);
        n++;
    }
    closedir(d);
    qsort(stems, n, sizeof(*stems), cmp_str);
    assert_true(n >= 100);
    for (i = 0; i < n; i++) {
        struct imr_record *raw = parse_file(stems[i], "raw");
        struct imr_record *lay = parse_file(stems[i], "layout");
        struct imr_record *both[2];
        size_t k, j;

        both[0] = raw;
        both[1] = lay;
        if (raw == NULL || lay == NULL) {
            bad++;
        } else {
            bad += check_letter(stems[i], "raw", raw, &uncited);
            bad += check_letter(stems[i], "layout", lay, &uncited);
            mismatch += same_items(stems[i], raw, lay);
            for (k = 0; k < 2; k++) {
                for (j = 0; j < both[k]->n_items; j++) {
                    items++;
                    decided += both[k]->items[j].decision !=
                               IMR_DECISION_UNKNOWN;
                    cited += both[k]->items[j].n_citations > 0;
                }
            }
        }
        imr_record_free(raw);
        imr_record_free(lay);
        free(stems[i]);
    }
    free(stems);
    printf("real letters: %zu letters x 2 variants, %zu items, %zu with a "
           "decision, %zu with a citation, %zu where neither party cited, "
           "%d problems, %d raw/layout mismatches\n", n, items, decided,
           cited, uncited, bad, mismatch);
    assert_int_equal(bad, 0);
    assert_int_equal(mismatch, 0);
}

/* 1 if the party BY of IT cites guideline G ("other": any name but MTUS,
 * ACOEM, ODG). */
static int cites(const struct imr_item *it, enum imr_by by, const char *g)
{
    size_t i;

    for (i = 0; i < it->n_citations; i++) {
        const char *x = it->citations[i].guideline;

        if (it->citations[i].by != by || x == NULL)
            continue;
        if (strcmp(g, "other") == 0 ? (strcmp(x, "MTUS") != 0 &&
            strcmp(x, "ACOEM") != 0 && strcmp(x, "ODG") != 0) :
            strcmp(x, g) == 0)
            return 1;
    }
    return 0;
}

static size_t n_by(const struct imr_item *it, enum imr_by by)
{
    size_t i, k = 0;

    for (i = 0; i < it->n_citations; i++)
        k += it->citations[i].by == by;
    return k;
}

/* 1 if a reviewer citation of IT has a section matching SEC (either one
 * holds the other, any case). */
/* Case-insensitive: 1 if H contains N. */
static int holds(const char *h, const char *n)
{
    size_t k = strlen(n);

    for (; *h; h++)
        if (strncasecmp(h, n, k) == 0)
            return 1;
    return k == 0;
}

static int has_section(const struct imr_item *it, const char *sec)
{
    size_t i, j;

    for (i = 0; i < it->n_citations; i++) {
        const struct imr_citation *c = &it->citations[i];

        if (c->by != IMR_BY_REVIEWER)
            continue;
        for (j = 0; j < c->n_sections; j++)
            if (holds(c->sections[j], sec) || holds(sec, c->sections[j]))
                return 1;
    }
    return 0;
}

static int match_expected(const char *variant,
                          const struct imr_record *rec, const json_t *exp)
{
    const char *cn = json_string_value(json_object_get(exp, "case"));
    const json_t *items = json_object_get(exp, "items"), *x, *g;
    size_t i, j;
    int bad = 0;

    if (rec->n_items != json_array_size(items)) {
        fprintf(stderr, "%s.%s: %zu items, expected %zu\n", cn, variant,
                rec->n_items, json_array_size(items));
        return 1;
    }
    json_array_foreach(items, i, x) {
        const struct imr_item *it = &rec->items[i];
        const char *t = json_string_value(json_object_get(x, "t"));
        const char *d = json_string_value(json_object_get(x, "d"));
        static const char *keys[] = {"ca", "rv"};
        size_t k;

        if (it->treatment == NULL || strcmp(it->treatment, t) != 0) {
            fprintf(stderr, "%s.%s item %zu: treatment \"%s\", expected "
                    "\"%s\"\n", cn, variant, i + 1,
                    it->treatment ? it->treatment : "", t);
            bad++;
        }
        if (strcmp(imr_decision_name(it->decision), d) != 0) {
            fprintf(stderr, "%s.%s item %zu: %s, expected %s\n", cn,
                    variant, i + 1, imr_decision_name(it->decision), d);
            bad++;
        }
        for (k = 0; k < 2; k++) {
            enum imr_by by = k ? IMR_BY_REVIEWER :
                                 IMR_BY_CLAIMS_ADMINISTRATOR;
            const json_t *list = json_object_get(x, keys[k]);

            if (json_array_size(list) == 0 && n_by(it, by) != 0) {
                fprintf(stderr, "%s.%s item %zu: %s cites something, "
                        "expected nothing\n", cn, variant, i + 1, keys[k]);
                bad++;
            }
            json_array_foreach(list, j, g) {
                if (!cites(it, by, json_string_value(g))) {
                    fprintf(stderr, "%s.%s item %zu: %s does not cite %s\n",
                            cn, variant, i + 1, keys[k],
                            json_string_value(g));
                    bad++;
                }
            }
        }
        json_array_foreach(json_object_get(x, "sec"), j, g) {
            if (!has_section(it, json_string_value(g))) {
                fprintf(stderr, "%s.%s item %zu: no section %s\n", cn,
                        variant, i + 1, json_string_value(g));
                bad++;
            }
        }
    }
    return bad;
}

static void test_expected_items(void **state)
{
    char path[4096], line[8192];
    FILE *f;
    int bad = 0, letters = 0, items = 0;

    (void)state;
    if (!tu_shared_present(REAL_DIR, "the real-letter expectations"))
        skip();
    f = fopen(tu_source_path(path, sizeof(path),
                             "tests/cases/real_expected.jsonl"), "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        json_error_t jerr;
        json_t *exp = json_loads(line, 0, &jerr);
        const char *cn;
        struct imr_record *raw, *lay;

        assert_non_null(exp);
        cn = json_string_value(json_object_get(exp, "case"));
        assert_non_null(cn);
        raw = parse_file(cn, "raw");
        lay = parse_file(cn, "layout");
        assert_non_null(raw);
        assert_non_null(lay);
        bad += match_expected("raw", raw, exp);
        bad += match_expected("layout", lay, exp);
        letters++;
        items += (int)json_array_size(json_object_get(exp, "items"));
        imr_record_free(raw);
        imr_record_free(lay);
        json_decref(exp);
    }
    fclose(f);
    printf("hand-checked letters: %d letters, %d items, %d mismatches\n",
           letters, items, bad);
    assert_true(letters >= 20);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_letters),
        cmocka_unit_test(test_expected_items),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
