/* DMHC open data (lib/dmhc.c via lib/input.c): hand-written CSVs check
 * the delimiters, quoting, embedded newlines and the skipping of
 * malformed rows with their line numbers; the real files of
 * ../shared/corpus-real load with the expected row counts and decisions
 * (skipped with a notice when ../shared is absent). */
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

#include "imr/dmhc.h"
#include "imr/imr.h"
#include "imr/input.h"
#include "testutil.h"

/* Counts of one loaded file. */
struct counts {
    size_t recs, upheld, overturned, skipped;
    size_t medical, experimental, urgent, findings, cited;
};

static void count(const struct imr_input *in, struct counts *c)
{
    size_t i;

    memset(c, 0, sizeof(*c));
    c->recs = in->n_recs;
    c->skipped = in->n_skipped;
    for (i = 0; i < in->n_recs; i++) {
        const struct imr_record *r = in->recs[i];
        const char *t = r->review_type ? r->review_type : "";

        assert_string_equal(r->program, "dmhc");
        assert_int_equal(r->n_items, 1);
        c->upheld += r->items[0].decision == IMR_DECISION_UPHELD;
        c->overturned += r->items[0].decision == IMR_DECISION_OVERTURNED;
        c->medical += strcmp(t, "medical necessity") == 0;
        c->experimental += strcmp(t, "experimental/investigational") == 0;
        c->urgent += strcmp(t, "urgent care") == 0;
        c->findings += r->items[0].rationale != NULL;
        c->cited += r->items[0].n_citations > 0;
    }
}

static void load(const char *data, size_t len, struct imr_input *in)
{
    char err[IMR_ERR_LEN] = "";
    int rc = imr_input_parse(data, len, "test.csv", in, err);

    if (rc != IMR_OK)
        fprintf(stderr, "load: %s\n", err);
    assert_int_equal(rc, IMR_OK);
}

static void test_csv_forms(void **state)
{
    static const char semi[] =
        "\xef\xbb\xbfReference ID;Report Year;Diagnosis Category;"
        "Diagnosis Sub Category;Treatment Category;Treatment Sub Category;"
        "Determination;Type;Age Range;Patient Gender\r\n"
        "MN16-1;2016;Infectious;Hepatitis;Pharmacy;Anti-virals;"
        "Overturned Decision of Health Plan;Medical Necessity;41-50;Male\r\n"
        "MN16-2;2016;Mental;Eating Disorder;Mental Health;RTC;"
        "Upheld Decision of Health Plan;Medical Necessity;11_20\r\n"
        "MN16-3;2016;Mental;Eating Disorder;Mental Health;RTC;"
        "Withdrawn;Medical Necessity;21-30;Female\r\n"
        ";2016;Mental;Eating Disorder;Mental Health;RTC;"
        "Upheld Decision of Health Plan;Medical Necessity;21-30;Female\r\n"
        "\r\n"
        "EI16-4;2015;Cancer;Breast;Cancer Care;Chemo;"
        "Upheld Decision of Health Plan;Experimental/Investigational;65+;"
        "Female\r\n";
    static const char comma[] =
        "ReferenceID,ReportYear,DiagnosisCategory,DiagnosisSubCategory,"
        "TreatmentCategory,TreatmentSubCategory,Determination,Type,"
        "AgeRange,PatientGender,Findings\n"
        "MN24-1,2024,Mental Disorder,Alcohol Use Disorder,Mental Health,"
        "RTC,Upheld Decision of Health Plan,Medical Necessity,41 to 50,"
        "Male,\"Per ASAM criteria, the patient \"\"does not\"\" meet"
        " level 3.5.\nSecond line; with a semicolon, and a comma.\"\n"
        "MN24-2,2024,Cancer,Lung,Pharmacy,Drug,Overturned Decision of"
        " Health Plan,Urgent Care,51-64,Female,\"The FDA label and the"
        " American College of Chest Physicians support it.\"\n"
        "MN24-3,2024,Cancer,Lung,Pharmacy,Drug,Overturned Decision of"
        " Health Plan,Urgent Care,51-64,Female,\"never closed\n"
        "more text\n";
    struct imr_input in;
    struct counts c;
    const struct imr_record *r;

    (void)state;
    load(semi, sizeof(semi) - 1, &in);
    assert_string_equal(in.kind, "dmhc_csv");
    count(&in, &c);
    assert_int_equal(c.recs, 2);
    assert_int_equal(c.overturned, 1);
    assert_int_equal(c.upheld, 1);
    assert_int_equal(in.n_skipped, 3);
    assert_non_null(strstr(in.skipped[0], "line 3: 9 fields"));
    assert_non_null(strstr(in.skipped[1], "line 4: MN16-3"));
    assert_non_null(strstr(in.skipped[2], "line 5: no Reference ID"));
    r = in.recs[0];
    assert_string_equal(r->id, "MN16-1");
    assert_int_equal(r->report_year, 2016);
    assert_string_equal(r->diag_category, "Infectious");
    assert_string_equal(r->diag_subcategory, "Hepatitis");
    assert_string_equal(r->items[0].category, "Pharmacy");
    assert_string_equal(r->items[0].subcategory, "Anti-virals");
    assert_string_equal(r->review_type, "medical necessity");
    assert_string_equal(r->age_range, "41-50");
    assert_string_equal(r->gender, "male");
    r = in.recs[1];
    assert_string_equal(r->id, "EI16-4");
    assert_string_equal(r->age_range, "65+");
    assert_string_equal(r->review_type, "experimental/investigational");
    imr_input_free(&in);

    load(comma, sizeof(comma) - 1, &in);
    count(&in, &c);
    assert_int_equal(c.recs, 2);
    assert_int_equal(in.n_skipped, 1);
    assert_non_null(strstr(in.skipped[0], "line 5: unterminated"));
    r = in.recs[0];
    assert_string_equal(r->age_range, "41-50");
    assert_non_null(strstr(r->items[0].rationale, "\"does not\" meet"));
    assert_non_null(strstr(r->items[0].rationale, "Second line; with"));
    assert_int_equal(r->items[0].n_citations, 1);
    assert_string_equal(r->items[0].citations[0].guideline, "ASAM");
    r = in.recs[1];
    assert_string_equal(r->review_type, "urgent care");
    assert_int_equal(r->items[0].n_citations, 2);
    assert_string_equal(r->items[0].citations[0].guideline, "FDA");
    assert_string_equal(r->items[0].citations[1].guideline,
                        "American College of Chest Physicians");
    imr_input_free(&in);
}

static struct imr_input load_file(const char *rel)
{
    char path[4096], err[IMR_ERR_LEN] = "";
    struct imr_input in;
    size_t n;
    char *s = tu_read_file(tu_shared_path(path, sizeof(path), rel), &n);
    int rc;

    assert_non_null(s);
    rc = imr_input_parse(s, n, path, &in, err);
    if (rc != IMR_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    assert_int_equal(rc, IMR_OK);
    free(s);
    return in;
}

static void test_real_csvs(void **state)
{
    struct imr_input in;
    struct counts c;

    (void)state;
    if (!tu_shared_present("corpus-real/dmhc-mvp-i", "the DMHC CSV test"))
        skip();
    in = load_file("corpus-real/dmhc-mvp-i/Independent_Medical_Review__"
                   "IMR__Determinations__Trend.csv");
    count(&in, &c);
    fprintf(stderr, "dmhc-mvp-i: %zu rows, %zu upheld, %zu overturned\n",
            c.recs, c.upheld, c.overturned);
    assert_int_equal(c.recs, 19228);
    assert_int_equal(c.skipped, 0);
    assert_int_equal(c.upheld, 10776);
    assert_int_equal(c.overturned, 8452);
    assert_int_equal(c.medical, 13572);
    assert_int_equal(c.experimental, 5166);
    assert_int_equal(c.urgent, 490);
    imr_input_free(&in);

    in = load_file("corpus-real/dmhc-denial-defence/"
                   "eval_set_imr_preview.csv");
    count(&in, &c);
    assert_int_equal(c.recs, 20);
    assert_int_equal(c.upheld, 20);
    assert_int_equal(c.medical, 20);
    assert_int_equal(c.findings, 20);
    assert_true(c.cited >= 5);
    imr_input_free(&in);
}

/* The string KEY of the JSON sidecar OBJ. */
static const char *js(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL ? s : "";
}

static void test_real_texts(void **state)
{
    char dir[4096], path[4096 + 300];
    struct dirent *e;
    size_t files = 0, upheld = 0, overturned = 0;
    DIR *d;

    (void)state;
    if (!tu_shared_present("corpus-real/dmhc-unwritten",
                           "the DMHC case text test"))
        skip();
    d = opendir(tu_shared_path(dir, sizeof(dir),
                               "corpus-real/dmhc-unwritten"));
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), n;
        char err[IMR_ERR_LEN] = "", rel[300], *s;
        const struct imr_record *r;
        struct imr_input in;
        json_t *side;

        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0 || l > 250)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        s = tu_read_file(path, &n);
        assert_non_null(s);
        assert_int_equal(imr_input_parse(s, n, path, &in, err), IMR_OK);
        free(s);
        assert_string_equal(in.kind, "dmhc_text");
        r = in.recs[0];
        snprintf(rel, sizeof(rel), "%.*s.json", (int)(l - 4), e->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        side = json_load_file(path, 0, NULL);
        assert_non_null(side);
        assert_string_equal(r->id, js(side, "reference_id"));
        assert_string_equal(r->diag_category, js(side,
                                                 "diagnosis_category"));
        assert_string_equal(r->diag_subcategory,
                            js(side, "diagnosis_subcategory"));
        assert_string_equal(r->items[0].category,
                            js(side, "treatment_category"));
        assert_string_equal(r->items[0].subcategory,
                            js(side, "treatment_subcategory"));
        assert_true(strcasecmp(r->review_type, js(side, "imr_type")) == 0);
        assert_true(strcasecmp(r->gender, js(side, "patient_gender"))
                    == 0);
        assert_int_equal(r->items[0].decision,
                         strstr(js(side, "outcome"), "Overturned")
                         ? IMR_DECISION_OVERTURNED : IMR_DECISION_UPHELD);
        assert_non_null(r->items[0].rationale);
        assert_non_null(strstr(r->items[0].rationale, "Final Result"));
        upheld += r->items[0].decision == IMR_DECISION_UPHELD;
        overturned += r->items[0].decision == IMR_DECISION_OVERTURNED;
        files++;
        json_decref(side);
        imr_input_free(&in);
    }
    closedir(d);
    assert_int_equal(files, 35);
    assert_int_equal(overturned, 26);
    assert_int_equal(upheld, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_forms),
        cmocka_unit_test(test_real_csvs),
        cmocka_unit_test(test_real_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
