/* Parser accuracy: a generated corpus of 2000 letters (imr-corpus) parsed
 * with imr_parse_letter and compared field by field with its truth.jsonl
 * (fails under 99% on any field), and the hand-written samples in
 * corpus/samples compared exactly with corpus/samples/expected.jsonl. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imr/buf.h"
#include "imr/imr.h"
#include "imr/parse.h"
#include "imr/record.h"
#include "testutil.h"

#define GEN_COUNT "2000"
#define GEN_SEED "20261127"
#define MAX_EXAMPLES 3

/* One compared field: its counts and the first mismatches. */
struct field {
    const char *name;
    int gated;          /* counts towards the 99% threshold */
    long ok, total;
    int n_ex;
    char ex[MAX_EXAMPLES][1024];
};

enum {
    F_ID, F_CASE, F_FORMAT, F_ASSIGNED, F_INJURY, F_DECISION, F_UR,
    F_RECEIVED, F_AGE, F_GENDER, F_DIAGNOSES, F_SPECIALTIES, F_LICENSURE,
    F_NITEMS, F_TREATMENT, F_ITEM_DECISION, F_CITATIONS, F_CHAPTERS,
    F_CATEGORY, F_OUTCOME, F_PARSED, F_COUNT
};

static void fields_init(struct field *f, int samples)
{
    static const char *const names[F_COUNT] = {
        "id", "case_number", "format", "dates.assigned", "dates.injury",
        "dates.decision", "dates.ur_denial", "dates.received",
        "patient.age", "patient.gender", "diagnoses",
        "reviewer.specialties", "reviewer.licensure", "items (count)",
        "item.treatment", "item.decision",
        "item.citations (by/guideline/pages)",
        "item.citations (chapter)", "item.category",
        "outcome", "parsed (not rejected)"
    };
    int i;

    memset(f, 0, sizeof(*f) * F_COUNT);
    for (i = 0; i < F_COUNT; i++) {
        f[i].name = names[i];
        /* the brief's fields; chapters, licensure, category and outcome
         * are reported for the generated corpus and exact on samples */
        f[i].gated = samples || !(i == F_LICENSURE || i == F_CHAPTERS ||
                                  i == F_CATEGORY || i == F_OUTCOME);
    }
}

static void score(struct field *f, int ok, const char *src, const char *exp,
                  const char *got)
{
    f->total++;
    if (ok) {
        f->ok++;
        return;
    }
    if (f->n_ex < MAX_EXAMPLES)
        snprintf(f->ex[f->n_ex++], sizeof(f->ex[0]),
                 "%.200s: expected %.300s | got %.300s", src,
                 exp ? exp : "null", got ? got : "null");
}

/* Copies S into B with runs of white space as one space, trimmed. */
static void squeeze(const char *s, struct imr_buf *b)
{
    int sp = 0;

    imr_buf_reset(b);
    while (isspace((unsigned char)*s))
        s++;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            sp = 1;
            continue;
        }
        if (sp)
            imr_buf_addc(b, ' ');
        sp = 0;
        imr_buf_addc(b, *s);
    }
    imr_buf_addc(b, '\0');
}

/* Whitespace-collapsed comparison; NULL equals NULL only. */
static int same(const char *a, const char *b)
{
    struct imr_buf x = IMR_BUF_INIT, y = IMR_BUF_INIT;
    int eq;

    if (a == NULL || b == NULL)
        return a == b;
    squeeze(a, &x);
    squeeze(b, &y);
    eq = x.p != NULL && y.p != NULL && strcmp(x.p, y.p) == 0;
    imr_buf_free(&x);
    imr_buf_free(&y);
    return eq;
}

static void join(struct imr_buf *b, char **v, size_t n)
{
    size_t i;

    imr_buf_reset(b);
    imr_buf_addc(b, '[');
    for (i = 0; i < n; i++)
        imr_buf_addf(b, "%s\"%s\"", i ? ", " : "", v[i]);
    imr_buf_addc(b, ']');
}

static void strv_field(struct field *f, const char *src, char **e,
                       size_t ne, char **g, size_t ng)
{
    struct imr_buf be = IMR_BUF_INIT, bg = IMR_BUF_INIT;
    size_t i;
    int ok = ne == ng;

    for (i = 0; ok && i < ne; i++)
        ok = strcasecmp(e[i], g[i]) == 0;
    join(&be, e, ne);
    join(&bg, g, ng);
    score(f, ok, src, be.p, bg.p);
    imr_buf_free(&be);
    imr_buf_free(&bg);
}

/* The citations of IT as sorted "by guideline pages" keys (WITH_CHAPTER:
 * "guideline chapter" keys). */
static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cite_keys(const struct imr_item *it, int with_chapter,
                      struct imr_buf *out)
{
    char *keys[64];
    size_t i, j, n = 0;

    imr_buf_reset(out);
    for (i = 0; i < it->n_citations && n < 64; i++) {
        const struct imr_citation *c = &it->citations[i];
        struct imr_buf k = IMR_BUF_INIT;

        if (with_chapter) {
            imr_buf_addf(&k, "%s/%s", c->guideline ? c->guideline : "-",
                         c->chapter ? c->chapter : "-");
        } else {
            imr_buf_addf(&k, "%s:%s:", imr_by_name(c->by),
                         c->guideline ? c->guideline : "-");
            for (j = 0; j < c->n_pages; j++)
                imr_buf_addf(&k, "%s%d-%d", j ? "," : "", c->pages[j].from,
                             c->pages[j].to);
        }
        keys[n++] = imr_buf_take(&k);
        imr_buf_free(&k);
    }
    qsort(keys, n, sizeof(keys[0]), cmpstr);
    for (i = 0; i < n; i++) {
        imr_buf_addf(out, "%s%s", i ? " " : "", keys[i] ? keys[i] : "?");
        free(keys[i]);
    }
    imr_buf_addc(out, '\0');
}

static const char *nz(const char *s)
{
    return s ? s : "null";
}

/* Compares GOT with EXP (either may be NULL when parsing failed). */
static void compare(struct field *f, const char *src,
                    const struct imr_record *exp,
                    const struct imr_record *got)
{
    char a[32], b[32];
    struct imr_buf ke = IMR_BUF_INIT, kg = IMR_BUF_INIT;
    size_t i;

    score(&f[F_PARSED], got != NULL, src, "a record", "rejected");
    if (got == NULL) {
        static struct imr_record empty = {0};

        empty.age = -1;
        got = &empty;
    }
    score(&f[F_ID], same(exp->id, got->id), src, exp->id, got->id);
    score(&f[F_CASE], same(exp->case_number, got->case_number), src,
          exp->case_number, got->case_number);
    score(&f[F_FORMAT], same(exp->format, got->format), src, exp->format,
          got->format);
    score(&f[F_ASSIGNED], same(exp->date_assigned, got->date_assigned),
          src, exp->date_assigned, got->date_assigned);
    score(&f[F_INJURY], same(exp->date_injury, got->date_injury), src,
          exp->date_injury, got->date_injury);
    score(&f[F_DECISION], same(exp->date_decision, got->date_decision),
          src, exp->date_decision, got->date_decision);
    score(&f[F_UR], same(exp->date_ur_denial, got->date_ur_denial), src,
          exp->date_ur_denial, got->date_ur_denial);
    score(&f[F_RECEIVED], same(exp->date_received, got->date_received),
          src, exp->date_received, got->date_received);
    snprintf(a, sizeof(a), "%d", exp->age);
    snprintf(b, sizeof(b), "%d", got->age);
    score(&f[F_AGE], exp->age == got->age, src, a, b);
    score(&f[F_GENDER], same(exp->gender, got->gender), src, exp->gender,
          got->gender);
    strv_field(&f[F_DIAGNOSES], src, exp->diagnoses, exp->n_diagnoses,
               got->diagnoses, got->n_diagnoses);
    strv_field(&f[F_SPECIALTIES], src, exp->specialties,
               exp->n_specialties, got->specialties, got->n_specialties);
    strv_field(&f[F_LICENSURE], src, exp->licensure, exp->n_licensure,
               got->licensure, got->n_licensure);
    snprintf(a, sizeof(a), "%zu", exp->n_items);
    snprintf(b, sizeof(b), "%zu", got->n_items);
    score(&f[F_NITEMS], exp->n_items == got->n_items, src, a, b);
    score(&f[F_OUTCOME], same(imr_record_outcome(exp),
                              imr_record_outcome(got)), src,
          imr_record_outcome(exp), imr_record_outcome(got));
    for (i = 0; i < exp->n_items; i++) {
        const struct imr_item *e = &exp->items[i];
        const struct imr_item *g = i < got->n_items ? &got->items[i] : NULL;
        char where[300], ca[128], cb[128];

        snprintf(where, sizeof(where), "%s item %zu", src, i + 1);
        score(&f[F_TREATMENT], g && same(e->treatment, g->treatment), where,
              e->treatment, g ? g->treatment : "(no item)");
        score(&f[F_ITEM_DECISION], g && e->decision == g->decision, where,
              imr_decision_name(e->decision),
              g ? imr_decision_name(g->decision) : "(no item)");
        cite_keys(e, 0, &ke);
        if (g)
            cite_keys(g, 0, &kg);
        score(&f[F_CITATIONS], g && strcmp(ke.p, kg.p) == 0, where, ke.p,
              g ? kg.p : "(no item)");
        cite_keys(e, 1, &ke);
        if (g)
            cite_keys(g, 1, &kg);
        score(&f[F_CHAPTERS], g && strcmp(ke.p, kg.p) == 0, where, ke.p,
              g ? kg.p : "(no item)");
        snprintf(ca, sizeof(ca), "%s / %s", nz(e->category),
                 nz(e->subcategory));
        snprintf(cb, sizeof(cb), "%s / %s", g ? nz(g->category) : "-",
                 g ? nz(g->subcategory) : "-");
        score(&f[F_CATEGORY], g && same(e->category, g->category) &&
              same(e->subcategory, g->subcategory), where, ca, cb);
    }
    imr_buf_free(&ke);
    imr_buf_free(&kg);
}

/* Prints the table; returns the number of gated fields under MIN. */
static int report(const char *title, struct field *f, double min)
{
    int i, j, bad = 0;

    printf("\n%s\n%-42s %8s %8s %9s\n", title, "field", "correct", "total",
           "accuracy");
    for (i = 0; i < F_COUNT; i++) {
        double acc = f[i].total ? 100.0 * (double)f[i].ok /
                                  (double)f[i].total : 100.0;
        int under = f[i].gated && acc < min;

        printf("%-42s %8ld %8ld %8.2f%%%s\n", f[i].name, f[i].ok,
               f[i].total, acc, under ? "  << UNDER THRESHOLD" :
               f[i].gated ? "" : "  (reported)");
        bad += under;
        for (j = 0; j < f[i].n_ex && (acc < 100.0); j++)
            printf("    e.g. %s\n", f[i].ex[j]);
    }
    fflush(stdout);
    return bad;
}

static int parse_file(const char *path, struct imr_record **out)
{
    char err[IMR_ERR_LEN] = "";
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    int rc;

    *out = NULL;
    if (data == NULL) {
        printf("cannot read %s\n", path);
        return IMR_EIO;
    }
    rc = imr_parse_letter(data, len, path, out, err);
    if (rc != IMR_OK)
        printf("rejected %s: %s\n", path, err);
    free(data);
    return rc;
}

/* Reads JSONL at PATH; for each line compares the parse of DIR/<source>
 * with the line. Returns the number of lines, or -1. */
static long run_jsonl(const char *path, const char *dir, struct field *f)
{
    FILE *in = fopen(path, "r");
    char *lineb = NULL, file[4096];
    size_t cap = 0;
    long n = 0;

    if (in == NULL)
        return -1;
    while (getline(&lineb, &cap, in) > 0) {
        json_error_t jerr;
        json_t *j = json_loads(lineb, 0, &jerr);
        struct imr_record *exp = NULL, *got = NULL;
        char err[IMR_ERR_LEN];

        if (j == NULL || imr_record_from_json(j, &exp, err) != IMR_OK) {
            printf("%s:%ld: bad line\n", path, n + 1);
            json_decref(j);
            n = -1;
            break;
        }
        json_decref(j);
        snprintf(file, sizeof(file), "%s/%s", dir, exp->source);
        parse_file(file, &got);
        compare(f, exp->source, exp, got);
        imr_record_free(exp);
        imr_record_free(got);
        n++;
    }
    free(lineb);
    fclose(in);
    return n;
}

static int run_generator(const char *out)
{
    char bin[4096];
    pid_t pid;
    int status;

    snprintf(bin, sizeof(bin), "%s/corpus/imr-corpus", IMR_BINARY_DIR);
    if (access(bin, X_OK) != 0) {
        printf("imr-corpus is not built at %s\n", bin);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        execl(bin, bin, "generate", "--count", GEN_COUNT, "--seed",
              GEN_SEED, "--out", out, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void remove_tree(const char *dir)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, &status, 0);
}

static void test_generated(void **state)
{
    struct field f[F_COUNT];
    char dir[] = "/tmp/imr-accuracy-XXXXXX", truth[4096];
    long n;
    int bad;

    (void)state;
    fields_init(f, 0);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(run_generator(dir), 0);
    snprintf(truth, sizeof(truth), "%s/truth.jsonl", dir);
    n = run_jsonl(truth, dir, f);
    printf("\ngenerated corpus: %ld letters (imr-corpus --count %s "
           "--seed %s)", n, GEN_COUNT, GEN_SEED);
    bad = report("Generated corpus: field accuracy (threshold 99%)", f,
                 99.0);
    remove_tree(dir);
    assert_int_equal(n, atol(GEN_COUNT));
    assert_int_equal(bad, 0);
}

static void test_samples(void **state)
{
    struct field f[F_COUNT];
    char dir[4096], exp[4096];
    long n;
    int bad;

    (void)state;
    fields_init(f, 1);
    tu_source_path(dir, sizeof(dir), "corpus/samples");
    tu_source_path(exp, sizeof(exp), "corpus/samples/expected.jsonl");
    n = run_jsonl(exp, dir, f);
    printf("\nsamples: %ld letters", n);
    bad = report("Samples: field accuracy (exact)", f, 100.0);
    assert_true(n >= 18);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_generated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
