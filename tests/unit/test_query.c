/* Tests of the query language (lib/query.c, lib/synonyms.c): every form,
 * the seed query, FTS5 escaping, errors with their positions, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imr/imr.h"
#include "imr/query.h"

static struct imr_query *parse_ok(const char *text)
{
    struct imr_query *q = NULL;
    char err[IMR_ERR_LEN] = "";
    int rc = imr_query_parse(text, &q, NULL, err);

    if (rc != IMR_OK)
        fprintf(stderr, "parse(%s): %s\n", text, err);
    assert_int_equal(rc, IMR_OK);
    assert_non_null(q);
    return q;
}

static char *fts_of(const struct imr_query *q)
{
    char *fts = NULL, *neg = NULL;

    assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
    free(neg);
    return fts;
}

static const struct imr_qfilter *find_filter(const struct imr_query *q,
                                             enum imr_qfield f)
{
    size_t i;

    for (i = 0; i < q->n_filters; i++)
        if (q->filters[i].field == f)
            return &q->filters[i];
    return NULL;
}

static int has_alt(const struct imr_qnode *n, const char *alt)
{
    size_t i;

    for (i = 0; i < n->n_alts; i++)
        if (strcmp(n->alts[i], alt) == 0)
            return 1;
    return 0;
}

static void expect_error(const char *text, int want_rc, size_t want_pos,
                         const char *want_msg)
{
    struct imr_query *q = NULL;
    struct imr_query_error qe = {999, 999};
    char err[IMR_ERR_LEN] = "";
    int rc = imr_query_parse(text, &q, &qe, err);

    if (rc != want_rc || qe.pos != want_pos ||
        strstr(err, want_msg) == NULL)
        fprintf(stderr, "query [%s]: rc %d pos %zu err [%s]\n", text, rc,
                qe.pos, err);
    assert_int_equal(rc, want_rc);
    assert_null(q);
    assert_int_equal(qe.pos, want_pos);
    assert_non_null(strstr(err, want_msg));
}

static void test_seed_query(void **state)
{
    struct imr_query *q = parse_ok("upheld FRP denials citing MTUS p.49");
    const struct imr_qfilter *d, *c;
    char *fts;
    json_t *in;

    (void)state;
    assert_int_equal(q->n_filters, 2);
    d = find_filter(q, IMR_QF_DECISION);
    assert_non_null(d);
    assert_string_equal(d->value, "upheld");
    assert_int_equal(d->negate, 0);
    c = find_filter(q, IMR_QF_CITE);
    assert_non_null(c);
    assert_string_equal(c->guideline, "MTUS");
    assert_int_equal(c->n_pages, 1);
    assert_int_equal(c->pages[0].from, 49);
    assert_int_equal(c->pages[0].to, 49);
    assert_string_equal(c->source, "MTUS p.49");
    assert_non_null(q->root);
    assert_int_equal(q->root->type, IMR_QN_TERM);
    assert_string_equal(q->root->text, "FRP");
    assert_true(has_alt(q->root, "functional restoration program"));
    assert_int_equal(q->n_ignored, 2);
    assert_string_equal(q->ignored[0], "denials");
    assert_string_equal(q->ignored[1], "citing");
    fts = fts_of(q);
    assert_non_null(strstr(fts, "(\"FRP\" OR "));
    assert_non_null(strstr(fts, "\"functional restoration program\""));
    in = imr_query_interpretation(q);
    assert_non_null(in);
    assert_non_null(strstr(json_string_value(json_object_get(in,
                                                             "summary")),
                           "decision = upheld"));
    assert_non_null(strstr(json_string_value(json_object_get(in,
                                                             "summary")),
                           "cites MTUS p.49"));
    assert_int_equal(json_array_size(json_object_get(in, "expansions")), 1);
    json_decref(in);
    free(fts);
    imr_query_free(q);
}

static void test_decision_forms(void **state)
{
    static const struct {
        const char *q, *field_value;
        enum imr_qfield f;
    } cases[] = {
        {"upheld", "upheld", IMR_QF_DECISION},
        {"denial upheld", "upheld", IMR_QF_DECISION},
        {"overturned denials", "overturned", IMR_QF_DECISION},
        {"Overturned", "overturned", IMR_QF_DECISION},
        {"decision:overturned", "overturned", IMR_QF_DECISION},
        {"decision:UPHELD", "upheld", IMR_QF_DECISION},
        {"partially overturned", "partially overturned", IMR_QF_OUTCOME},
        {"outcome:\"partially overturned\"", "partially overturned",
         IMR_QF_OUTCOME},
        {"outcome:upheld", "upheld", IMR_QF_OUTCOME},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imr_query *q = parse_ok(cases[i].q);

        assert_int_equal(q->n_filters, 1);
        assert_int_equal(q->filters[0].field, cases[i].f);
        assert_string_equal(q->filters[0].value, cases[i].field_value);
        assert_null(q->root);
        imr_query_free(q);
    }
}

static void test_citation_forms(void **state)
{
    static const struct {
        const char *q, *guideline, *chapter;
        int from, to, n_pages;
    } cases[] = {
        {"citing MTUS p.49", "MTUS", NULL, 49, 49, 1},
        {"MTUS page 49", "MTUS", NULL, 49, 49, 1},
        {"MTUS pp. 30-32", "MTUS", NULL, 30, 32, 1},
        {"MTUS pages 30-32, 49", "MTUS", NULL, 30, 32, 2},
        {"MTUS p49", "MTUS", NULL, 49, 49, 1},
        {"ACOEM ch. 12 p.301", "ACOEM", "12", 301, 301, 1},
        {"ACOEM chapter 12 pages 300-301", "ACOEM", "12", 300, 301, 1},
        {"ODG low back", "ODG", "low back", 0, 0, 0},
        {"odg Shoulder", "ODG", "shoulder", 0, 0, 0},
        {"citing:\"MTUS p.49\"", "MTUS", NULL, 49, 49, 1},
        {"citing:MTUS", "MTUS", NULL, 0, 0, 0},
        {"guideline:acoem", "ACOEM", NULL, 0, 0, 0},
        {"guideline:MTUS page:30-34", "MTUS", NULL, 30, 34, 1},
        {"page:49", NULL, NULL, 49, 49, 1},
        {"p.111-13", NULL, NULL, 111, 113, 1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imr_query *q = parse_ok(cases[i].q);
        const struct imr_qfilter *c = find_filter(q, IMR_QF_CITE);

        if (q->n_filters != 1 || q->root != NULL)
            fprintf(stderr, "case [%s]\n", cases[i].q);
        assert_int_equal(q->n_filters, 1);
        assert_null(q->root);
        assert_non_null(c);
        if (cases[i].guideline == NULL)
            assert_null(c->guideline);
        else
            assert_string_equal(c->guideline, cases[i].guideline);
        if (cases[i].chapter == NULL)
            assert_null(c->chapter);
        else
            assert_string_equal(c->chapter, cases[i].chapter);
        assert_int_equal(c->n_pages, cases[i].n_pages);
        if (cases[i].n_pages > 0) {
            assert_int_equal(c->pages[0].from, cases[i].from);
            assert_int_equal(c->pages[0].to, cases[i].to);
        }
        imr_query_free(q);
    }
}

static void test_page_binds_to_preceding_guideline(void **state)
{
    struct imr_query *q = parse_ok("MTUS p.49 ACOEM p.301");

    (void)state;
    assert_int_equal(q->n_filters, 2);
    assert_string_equal(q->filters[0].guideline, "MTUS");
    assert_int_equal(q->filters[0].pages[0].from, 49);
    assert_string_equal(q->filters[1].guideline, "ACOEM");
    assert_int_equal(q->filters[1].pages[0].from, 301);
    imr_query_free(q);
}

static void test_fields(void **state)
{
    struct imr_query *q = parse_ok(
        "case:CM13-0012345 year:2014..2015 date:2013-07..2014-06 "
        "specialty:\"pain medicine\" age:40..60 gender:F by:reviewer "
        "category:pharmaceuticals subcategory:opioids "
        "diagnosis:\"Lumbar  Radiculopathy\" injured:2012 received:..2014-01"
        " licensure:California");
    const struct imr_qfilter *f;

    (void)state;
    assert_null(q->root);
    assert_int_equal(q->n_filters, 13);
    f = find_filter(q, IMR_QF_CASE);
    assert_string_equal(f->value, "CM13-0012345");
    f = find_filter(q, IMR_QF_YEAR);
    assert_int_equal(f->nlo, 2014);
    assert_int_equal(f->nhi, 2015);
    f = find_filter(q, IMR_QF_DATE);
    assert_string_equal(f->lo, "2013-07");
    assert_string_equal(f->hi, "2014-06-99");
    f = find_filter(q, IMR_QF_SPECIALTY);
    assert_string_equal(f->value, "pain medicine");
    f = find_filter(q, IMR_QF_AGE);
    assert_int_equal(f->nlo, 40);
    assert_int_equal(f->nhi, 60);
    f = find_filter(q, IMR_QF_GENDER);
    assert_string_equal(f->value, "female");
    f = find_filter(q, IMR_QF_BY);
    assert_string_equal(f->value, "reviewer");
    f = find_filter(q, IMR_QF_CATEGORY);
    assert_string_equal(f->value, "pharmaceuticals");
    f = find_filter(q, IMR_QF_SUBCATEGORY);
    assert_string_equal(f->value, "opioids");
    f = find_filter(q, IMR_QF_DIAGNOSIS);
    assert_string_equal(f->value, "lumbar radiculopathy");
    f = find_filter(q, IMR_QF_INJURED);
    assert_string_equal(f->lo, "2012");
    assert_string_equal(f->hi, "2012-99-99");
    f = find_filter(q, IMR_QF_RECEIVED);
    assert_null(f->lo);
    assert_string_equal(f->hi, "2014-01-99");
    f = find_filter(q, IMR_QF_LICENSURE);
    assert_string_equal(f->value, "california");
    imr_query_free(q);
}

static void test_by_applies_to_citations(void **state)
{
    struct imr_query *q = parse_ok("by:claims MTUS p.49");
    const struct imr_qfilter *c = find_filter(q, IMR_QF_CITE);

    (void)state;
    assert_non_null(c);
    assert_string_equal(c->by, "claims_administrator");
    imr_query_free(q);
}

static void test_treatment_field(void **state)
{
    struct imr_query *q = parse_ok("treatment:norco");
    char *fts = fts_of(q);

    (void)state;
    assert_int_equal(q->root->column, IMR_QCOL_TREATMENT);
    assert_true(has_alt(q->root, "hydrocodone"));
    assert_non_null(strstr(fts, "treatment : (\"norco\" OR "));
    free(fts);
    imr_query_free(q);
    q = parse_ok("treatment:hydro*");
    fts = fts_of(q);
    assert_string_equal(fts, "treatment : (\"hydro\" *)");
    free(fts);
    imr_query_free(q);
}

static void test_synonyms_both_ways(void **state)
{
    static const struct {
        const char *q, *text, *alt;
    } cases[] = {
        {"Norco", "Norco", "hydrocodone"},
        {"hydrocodone", "hydrocodone", "norco"},
        {"Flexeril", "Flexeril", "cyclobenzaprine"},
        {"cyclobenzaprine", "cyclobenzaprine", "flexeril"},
        {"Prilosec", "Prilosec", "omeprazole"},
        {"Soma", "Soma", "carisoprodol"},
        {"Ultram", "Ultram", "tramadol"},
        {"ESI", "ESI", "epidural steroid injection"},
        {"epidural steroid injection", "epidural steroid injection", "esi"},
        {"functional restoration program", "functional restoration program",
         "frp"},
        {"RFA", "RFA", "radiofrequency ablation"},
        {"TENS", "TENS", "transcutaneous electrical nerve stimulation"},
        {"CBT", "CBT", "cognitive behavioral therapy"},
        {"UDS", "UDS", "urine drug screen"},
        {"PT", "PT", "physical therapy"},
        {"NSAID", "NSAID", "non-steroidal anti-inflammatory"},
        {"PPI", "PPI", "proton pump inhibitor"},
        {"EMG/NCV", "EMG/NCV", "nerve conduction velocity"},
        {"MRI", "MRI", "magnetic resonance imaging"},
        {"H-wave", "H-wave", "h wave"},
        {"\"physical therapy\"", "physical therapy", "pt"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imr_query *q = parse_ok(cases[i].q);

        assert_non_null(q->root);
        assert_int_equal(q->root->type, IMR_QN_TERM);
        assert_string_equal(q->root->text, cases[i].text);
        if (!has_alt(q->root, cases[i].alt))
            fprintf(stderr, "case [%s] lacks [%s]\n", cases[i].q,
                    cases[i].alt);
        assert_true(has_alt(q->root, cases[i].alt));
        imr_query_free(q);
    }
}

static void test_boolean_forms(void **state)
{
    static const struct {
        const char *q, *fts, *neg;
    } cases[] = {
        {"lumbar", "\"lumbar\"", NULL},
        {"\"lumbar fusion\"", "\"lumbar fusion\"", NULL},
        {"lumbar fusion", "((\"lumbar\" AND \"fusion\"))", NULL},
        {"lumbar AND fusion", "((\"lumbar\" AND \"fusion\"))", NULL},
        {"lumbar OR cervical", "(\"lumbar\" OR \"cervical\")", NULL},
        {"fusion lumbar OR cervical",
         "((\"fusion\" AND (\"lumbar\" OR \"cervical\")))", NULL},
        {"fusion -cervical", "((\"fusion\") NOT \"cervical\")", NULL},
        {"fusion NOT cervical", "((\"fusion\") NOT \"cervical\")", NULL},
        {"(lumbar OR cervical) fusion",
         "(((\"lumbar\" OR \"cervical\") AND \"fusion\"))", NULL},
        {"hydro*", "\"hydro\" *", NULL},
        {"-cervical", NULL, "\"cervical\""},
        {"-cervical -lumbar", NULL, "\"cervical\" OR \"lumbar\""},
        {"fusion (lumbar -cervical)",
         "((\"fusion\" AND ((\"lumbar\") NOT \"cervical\")))", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imr_query *q = parse_ok(cases[i].q);
        char *fts = NULL, *neg = NULL;

        assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
        if ((cases[i].fts == NULL) != (fts == NULL) ||
            (fts && strcmp(fts, cases[i].fts) != 0) ||
            (cases[i].neg == NULL) != (neg == NULL) ||
            (neg && strcmp(neg, cases[i].neg) != 0))
            fprintf(stderr, "case [%s]: fts [%s] neg [%s]\n", cases[i].q,
                    fts ? fts : "(null)", neg ? neg : "(null)");
        if (cases[i].fts == NULL)
            assert_null(fts);
        else
            assert_string_equal(fts, cases[i].fts);
        if (cases[i].neg == NULL)
            assert_null(neg);
        else
            assert_string_equal(neg, cases[i].neg);
        free(fts);
        free(neg);
        imr_query_free(q);
    }
}

/* An OR of fields is one group (any member may match); negated, each
 * member is excluded; groups are numbered apart. */
static void test_or_of_fields(void **state)
{
    struct imr_query *q = parse_ok("FRP (guideline:ODG OR guideline:ACOEM)"
                                   " decision:upheld (year:2014 OR "
                                   "year:2015 OR outcome:overturned)");
    json_t *in;
    char *fts;

    (void)state;
    assert_int_equal(q->n_filters, 6);
    assert_int_equal(q->filters[0].field, IMR_QF_CITE);
    assert_int_equal(q->filters[0].any_of, 1);
    assert_int_equal(q->filters[1].field, IMR_QF_CITE);
    assert_int_equal(q->filters[1].any_of, 1);
    assert_int_equal(q->filters[2].field, IMR_QF_DECISION);
    assert_int_equal(q->filters[2].any_of, 0);
    assert_int_equal(q->filters[3].any_of, 2);
    assert_int_equal(q->filters[4].any_of, 2);
    assert_int_equal(q->filters[5].field, IMR_QF_OUTCOME);
    assert_int_equal(q->filters[5].any_of, 2);
    fts = fts_of(q);
    assert_non_null(strstr(fts, "FRP"));
    assert_null(strstr(fts, "ODG"));
    free(fts);
    in = imr_query_interpretation(q);
    assert_non_null(in);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(
        json_object_get(in, "filters"), 1), "any_of")), 1);
    assert_null(json_object_get(json_array_get(json_object_get(in,
        "filters"), 2), "any_of"));
    json_decref(in);
    imr_query_free(q);

    q = parse_ok("-(category:surgery OR category:injection) FRP");
    assert_int_equal(q->n_filters, 2);
    assert_int_equal(q->filters[0].negate, 1);
    assert_int_equal(q->filters[0].any_of, 0);
    assert_int_equal(q->filters[1].negate, 1);
    assert_int_equal(q->filters[1].any_of, 0);
    imr_query_free(q);
}

static void test_negated_filters_and_or_fallback(void **state)
{
    struct imr_query *q = parse_ok("FRP -decision:upheld NOT ODG");
    char *fts;

    (void)state;
    assert_int_equal(q->n_filters, 2);
    assert_int_equal(q->filters[0].field, IMR_QF_DECISION);
    assert_int_equal(q->filters[0].negate, 1);
    assert_int_equal(q->filters[1].field, IMR_QF_CITE);
    assert_int_equal(q->filters[1].negate, 1);
    imr_query_free(q);

    /* natural filter words inside OR fall back to text */
    q = parse_ok("MTUS OR ACOEM");
    assert_int_equal(q->n_filters, 0);
    fts = fts_of(q);
    assert_string_equal(fts, "(\"MTUS\" OR \"ACOEM\")");
    free(fts);
    imr_query_free(q);
}

static void test_escaping(void **state)
{
    struct imr_query *q;
    struct imr_qnode n;
    struct imr_query hand;
    char *fts;

    (void)state;
    /* FTS5 keywords and column syntax typed as words stay plain strings */
    q = parse_ok("NEAR(treatment rationale) \"a:b OR c*\"");
    fts = fts_of(q);
    assert_string_equal(fts, "((\"NEAR\" AND ((\"treatment\" AND "
                        "\"rationale\")) AND \"a:b OR c*\"))");
    free(fts);
    imr_query_free(q);
    /* inner double quotes are doubled */
    memset(&n, 0, sizeof(n));
    memset(&hand, 0, sizeof(hand));
    n.type = IMR_QN_TERM;
    n.text = (char *)"say \"x\"";
    hand.root = &n;
    fts = fts_of(&hand);
    assert_string_equal(fts, "\"say \"\"x\"\"\"");
    free(fts);
}

static void test_errors(void **state)
{
    char big[IMR_QUERY_MAX_LEN + 2];
    char many[1024] = "";
    char deep[64] = "";
    int i;

    (void)state;
    expect_error("FRP (MTUS", IMR_EINVAL, 4, "unbalanced '('");
    expect_error("FRP MTUS)", IMR_EINVAL, 8, "unbalanced ')'");
    expect_error("upheld \"functional", IMR_EINVAL, 7, "unbalanced double");
    expect_error("foo:bar", IMR_EINVAL, 0, "unknown field 'foo'");
    expect_error("FRP decision:maybe", IMR_EINVAL, 4, "decision: must be");
    expect_error("page:abc", IMR_EINVAL, 0, "page: expects");
    expect_error("year:20x4", IMR_EINVAL, 0, "year: expects");
    expect_error("date:2014-13", IMR_EINVAL, 0, "date: expects");
    expect_error("citing:\"low back\"", IMR_EINVAL, 0, "citing: expects");
    expect_error("FRP ^boost", IMR_EINVAL, 4, "unexpected '^'");
    expect_error("{treatment}: FRP", IMR_EINVAL, 0, "unexpected '{'");
    expect_error("a*b", IMR_EINVAL, 0, "'*' is only allowed");
    expect_error("FRP OR", IMR_EINVAL, 4, "OR needs a term after");
    expect_error("OR FRP", IMR_EINVAL, 0, "OR needs a term before");
    expect_error("FRP NOT", IMR_EINVAL, 4, "nothing to exclude after NOT");
    expect_error("decision:upheld OR FRP", IMR_EINVAL, 0,
                 "only with other fields");
    expect_error("guideline:ODG OR MTUS", IMR_EINVAL, 0,
                 "only with other fields");
    expect_error("FRP (year:2014 OR by:reviewer)", IMR_EINVAL, 5,
                 "only with other fields");
    expect_error("FRP OR -psych", IMR_EINVAL, 7, "exclusion needs");
    expect_error("gender:x", IMR_EINVAL, 0, "gender: must be");
    expect_error("\"--\"", IMR_EINVAL, 1, "nothing to search");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_error(big, IMR_ELIMIT, IMR_QUERY_MAX_LEN, "too long");
    for (i = 0; i < 70; i++)
        strcat(many, "w ");
    expect_error(many, IMR_ELIMIT, 128, "too complex");
    for (i = 0; i < 10; i++)
        strcat(deep, "(");
    strcat(deep, "x");
    for (i = 0; i < 10; i++)
        strcat(deep, ")");
    expect_error(deep, IMR_ELIMIT, 8, "nested too deeply");
}

static void test_filters_only_and_empty(void **state)
{
    struct imr_query *q = parse_ok("decision:upheld year:2014");
    char *fts = NULL, *neg = NULL;
    json_t *in;

    (void)state;
    assert_null(q->root);
    assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
    assert_null(fts);
    assert_null(neg);
    imr_query_free(q);
    q = parse_ok("   ");
    assert_null(q->root);
    assert_int_equal(q->n_filters, 0);
    in = imr_query_interpretation(q);
    assert_non_null(strstr(json_string_value(json_object_get(in,
                                                             "summary")),
                           "everything"));
    json_decref(in);
    imr_query_free(q);
}

/* The spellings no row holds, for test_fts_pruned. */
static const char *const no_row_spellings[] = {
    "ultram er", "tramadol/apap", "tramadol er", "ultracet", "frp",
    "functional restoration program", "functional restoration",
    "multidisciplinary pain program", "interdisciplinary pain program",
    "chronic pain program"};

/* has_rows of test_fts_pruned: the spellings of ARG hold no row,
 * "ultram" is not known (kept), the others hold rows. */
static int no_rows(const void *arg, const char *key)
{
    const char *const *none = arg;
    size_t i;

    assert_ptr_equal(arg, no_row_spellings);
    for (i = 0; i < sizeof(no_row_spellings) / sizeof(*none); i++)
        if (strcmp(key, none[i]) == 0)
            return 0;
    return strcmp(key, "ultram") == 0 ? -1 : 1;
}

/* imr_query_fts_pruned leaves out the spellings no row holds, in the
 * positive part, the excluded part and the negation alike, keeps one
 * spelling of a word none of whose spellings holds a row, and leaves
 * words without synonyms and column filters as they were. */
static void test_fts_pruned(void **state)
{
    static const struct {
        const char *q, *fts, *neg;
    } cases[] = {
        {"tramadol", "(\"tramadol\" OR \"ultram\")", NULL},
        {"Tramadol -ultracet knee",
         "(((\"Tramadol\" OR \"ultram\") AND \"knee\") NOT "
         "(\"tramadol\" OR \"ultram\"))", NULL},
        {"treatment:tramadol", "treatment : (\"tramadol\" OR \"ultram\")",
         NULL},
        {"-tramadol", NULL, "(\"tramadol\" OR \"ultram\")"},
        /* every spelling of FRP holds no row: one stays */
        {"FRP OR norco*", "((\"chronic pain program\") OR \"norco\" *)",
         NULL},
        {"\"medically necessary\"", "\"medically necessary\"", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imr_query *q = parse_ok(cases[i].q);
        char *fts = NULL, *neg = NULL, *full = fts_of(q);

        assert_int_equal(imr_query_fts_pruned(q, no_rows, no_row_spellings,
                                              &fts, &neg), IMR_OK);
        if ((fts == NULL) != (cases[i].fts == NULL) ||
            (fts != NULL && strcmp(fts, cases[i].fts) != 0))
            fail_msg("%s: %s (want %s)", cases[i].q, fts ? fts : "NULL",
                     cases[i].fts ? cases[i].fts : "NULL");
        if ((neg == NULL) != (cases[i].neg == NULL) ||
            (neg != NULL && strcmp(neg, cases[i].neg) != 0))
            fail_msg("%s: neg %s", cases[i].q, neg ? neg : "NULL");
        /* the plain string keeps every spelling */
        if (i < 3)
            assert_non_null(strstr(full, "\"tramadol er\""));
        free(fts);
        free(neg);
        free(full);
        imr_query_free(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_query),
        cmocka_unit_test(test_decision_forms),
        cmocka_unit_test(test_citation_forms),
        cmocka_unit_test(test_page_binds_to_preceding_guideline),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_by_applies_to_citations),
        cmocka_unit_test(test_treatment_field),
        cmocka_unit_test(test_synonyms_both_ways),
        cmocka_unit_test(test_boolean_forms),
        cmocka_unit_test(test_or_of_fields),
        cmocka_unit_test(test_negated_filters_and_or_fallback),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_fts_pruned),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_filters_only_and_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
