/* Parser tests: the three letter formats, every record field, each kind of
 * pdftotext noise, rejected inputs, the seed letter and a small fuzz loop.
 * Every letter here was written for this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imr/imr.h"
#include "imr/parse.h"
#include "testutil.h"

/* A "Case Number:" letter as pdftotext -layout writes it. */
static const char LAYOUT[] =
    "Case Number:          CM15-0101234\n"
    "Date Assigned:        03/02/2015                      Date of Injury:"
    "      07/19/2013\n"
    "Decision Date:        04/06/2015                      UR Denial Date:"
    "      02/11/2015\n"
    "Priority:             Standard                        Application  "
    "        02/20/2015\n"
    "                                                      Received:\n"
    "\n"
    "                 HOW THE IMR FINAL DETERMINATION WAS MADE\n"
    "MAXIMUS Federal Services sent the case file to an expert reviewer.\n"
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: California,Oregon\n"
    "Certification(s)/Specialty: Anesthesiology, Pain Management\n"
    "\n"
    "                                CLINICAL CASE SUMMARY\n"
    "The expert reviewer developed the following clinical case summary "
    "based on a review of the\n"
    "case file, including all medical records:\n"
    "\n"
    "The claimant is a 44 year old woman who hurt her lower back lifting "
    "boxes. She is being\n"
    "treated for the diagnoses of lumbar radiculopathy, lumbar disc "
    "protrusion and myofascial pain.\n"
    "Utilization review denied both requests.\n"
    "\n"
    "                      IMR ISSUES, DECISIONS AND RATIONALES\n"
    "The Final Determination was based on decisions for the disputed "
    "items/services set forth below:\n"
    "\n"
    "Lumbar epidural steroid injection at L4-L5 under fluoroscopy: "
    "Overturned\n"
    "\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain "
    "Medical Treatment\n"
    "Guidelines Page(s): 46.\n"
    "\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
    "Treatment Guidelines Page(s):\n"
    "46.\n"
    "\n"
    "Decision rationale: The notes show a dermatomal deficit matching the "
    "imaging, and home\n"
    "exercise did not help. The injection is medically necessary.\n"
    "\n"
    "Cyclobenzaprine 7.5mg #60: Upheld\n"
    "\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain "
    "Medical Treatment\n"
    "Guidelines Page(s): 41-42, 63-66.\n"
    "\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
    "Treatment Guidelines Page(s):\n"
    "41-42.\n"
    "\n"
    "Decision rationale: Muscle relaxants are meant for short courses. "
    "This one has been taken\n"
    "for months, so cyclobenzaprine is not medically necessary.\n";

/* The same letter as plain pdftotext writes it: header labels and values
 * in separate blocks, item lines wrapped, a partial authorisation. */
static const char PLAIN[] =
    "Case Number:\n"
    "Date Assigned:\n"
    "Decision Date:\n"
    "Priority:\n"
    "\n"
    "CM15-0101234\n"
    "03/02/2015\n"
    "04/06/2015\n"
    "Standard\n"
    "\n"
    "Date of Injury:\n"
    "UR Denial Date:\n"
    "Application\n"
    "Received:\n"
    "\n"
    "07/19/2013\n"
    "02/11/2015\n"
    "02/20/2015\n"
    "\n"
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
    "MAXIMUS Federal Services sent the case file to an expert reviewer.\n"
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: California,Oregon\n"
    "Certification(s)/Specialty: Anesthesiology, Pain Management\n"
    "CLINICAL CASE SUMMARY\n"
    "The expert reviewer developed the following clinical case summary "
    "based on a review of the\n"
    "case file, including all medical records:\n"
    "The claimant is a 44 year old woman who hurt her lower back lifting "
    "boxes. She is being\n"
    "treated for the diagnoses of lumbar radiculopathy, lumbar disc "
    "protrusion and myofascial pain.\n"
    "Utilization review denied both requests.\n"
    "IMR ISSUES, DECISIONS AND RATIONALES\n"
    "The Final Determination was based on decisions for the disputed "
    "items/services set forth below:\n"
    "Lumbar epidural steroid injection at L4-L5 under fluoroscopy:\n"
    "Overturned\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain "
    "Medical Treatment\n"
    "Guidelines Page(s): 46.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
    "Treatment Guidelines Page(s):\n"
    "46.\n"
    "Decision rationale: The notes show a dermatomal deficit matching the "
    "imaging, and home\n"
    "exercise did not help. The injection is medically necessary.\n"
    "Cyclobenzaprine 7.5mg #120 was the original request. The Claims "
    "Administrator authorized\n"
    "Cyclobenzaprine 7.5mg #60, leaving the rest IMR eligible. The remaining "
    "IMR eligible portion of\n"
    "the original request, Cyclobenzaprine 7.5mg #60 is: Upheld\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain "
    "Medical Treatment\n"
    "Guidelines Page(s): 41-42, 63-66.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
    "Treatment Guidelines Page(s):\n"
    "41-42.\n"
    "Decision rationale: Muscle relaxants are meant for short courses. "
    "This one has been taken\n"
    "for months, so cyclobenzaprine is not medically necessary.\n";

/* The MAXIMUS letter of 2013 with numbered item statements. */
static const char MAXIMUS[] =
    "MAXIMUS FEDERAL SERVICES, INC.\n"
    "Independent Medical Review\n"
    "Final Determination: UPHOLD\n"
    "Dated: 11/14/2013\n"
    "IMR Case Number: CM13-0044321\n"
    "Date of UR Decision: 8/30/2013\n"
    "Date of Injury: 5/2/2011\n"
    "IMR Application Received: 9/12/2013\n"
    "\n"
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
    "The physician reviewer is Board Certified in Orthopedic Surgery and is "
    "licensed to practice\n"
    "in California.\n"
    "DOCUMENTS REVIEWED\n"
    "Utilization review letter and progress notes.\n"
    "CLINICAL CASE SUMMARY\n"
    "This 61-year-old male warehouse worker has knee pain. He was diagnosed "
    "with right knee\n"
    "osteoarthritis and a medial meniscus tear.\n"
    "IMR DECISION(S) AND RATIONALE(S)\n"
    "1. Hyaluronic acid injection to the right knee is not medically "
    "necessary and appropriate.\n"
    "Claims Administrator guideline: Decision based on ODG Knee & Leg "
    "Chapter.\n"
    "MAXIMUS guideline: Decision based on MTUS ACOEM Practice Guidelines, "
    "Chapter 13 Knee\n"
    "Complaints, pages 337-339.\n"
    "Decision rationale: The imaging shows advanced changes and no trial of "
    "steroid was\n"
    "recorded. The injection is not medically necessary.\n"
    "2. Urine drug screen\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain "
    "Medical Treatment\n"
    "Guidelines page 43.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
    "Treatment Guidelines page 43.\n"
    "Decision rationale: He takes an opioid and no screen was done this "
    "year. The screen is\n"
    "medically necessary.\n";

/* The earliest form. */
static const char MPR[] =
    "MEDICAL PROFESSIONAL REVIEW\n"
    "ISSUE AT DISPUTE:\n"
    "Is the request for a transcutaneous electrical nerve stimulation unit "
    "medically necessary?\n"
    "CASE SUMMARY:\n"
    "The applicant is a 39 year old female clerk with neck pain since "
    "injury on 02/14/2012.\n"
    "Her diagnoses include cervicalgia and cervical strain.\n"
    "DOCUMENTS REVIEWED FOR DETERMINATION:\n"
    "Office notes.\n"
    "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL\n"
    "REVIEWER AND WHY:\n"
    "MTUS Chronic Pain Medical Treatment Guidelines, pages 114-116.\n"
    "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT\n"
    "MEDICALLY NECESSARY:\n"
    "No one-month home trial was documented before purchase. The unit is "
    "not medically\n"
    "necessary and appropriate.\n"
    "MEDICAL REVIEWER QUALIFICATIONS:\n"
    "The reviewer is Board Certified in Physical Medicine and "
    "Rehabilitation and is licensed\n"
    "to practice in California and Nevada.\n";

static struct imr_record *parse_ok(const char *s, size_t n, const char *src)
{
    struct imr_record *rec = NULL;
    char err[IMR_ERR_LEN] = "";
    int rc = imr_parse_letter(s, n, src, &rec, err);

    if (rc != IMR_OK)
        fprintf(stderr, "parse failed: %d %s\n", rc, err);
    assert_int_equal(rc, IMR_OK);
    assert_non_null(rec);
    return rec;
}

static int has_warning(const struct imr_record *rec, const char *w)
{
    size_t i;

    for (i = 0; i < rec->n_warnings; i++)
        if (strstr(rec->warnings[i], w) != NULL)
            return 1;
    return 0;
}

/* 1 if S is well-formed UTF-8 with no NUL and no control bytes other than
 * newline. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        int k = 0, i;

        if (*p < 0x20 && *p != '\n')
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        if (*p >= 0xc2 && *p <= 0xdf)
            k = 1;
        else if (*p >= 0xe0 && *p <= 0xef)
            k = 2;
        else if (*p >= 0xf0 && *p <= 0xf4)
            k = 3;
        else
            return 0;
        for (i = 1; i <= k; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += k + 1;
    }
    return 1;
}

static int cites_page(const struct imr_item *it, int by, const char *g,
                      int page)
{
    size_t i, j;

    for (i = 0; i < it->n_citations; i++) {
        const struct imr_citation *c = &it->citations[i];

        if ((int)c->by != by || c->guideline == NULL ||
            strcmp(c->guideline, g) != 0)
            continue;
        if (page == 0)
            return 1;
        for (j = 0; j < c->n_pages; j++)
            if (c->pages[j].from <= page && page <= c->pages[j].to)
                return 1;
    }
    return 0;
}

static void check_case_header(const struct imr_record *rec)
{
    assert_string_equal(rec->format, "case_number_header");
    assert_string_equal(rec->id, "CM15-0101234");
    assert_string_equal(rec->case_number, "CM15-0101234");
    assert_string_equal(rec->date_assigned, "2015-03-02");
    assert_string_equal(rec->date_injury, "2013-07-19");
    assert_string_equal(rec->date_decision, "2015-04-06");
    assert_string_equal(rec->date_ur_denial, "2015-02-11");
    assert_string_equal(rec->date_received, "2015-02-20");
    assert_int_equal(rec->age, 44);
    assert_string_equal(rec->gender, "female");
    assert_int_equal(rec->n_diagnoses, 3);
    assert_string_equal(rec->diagnoses[0], "lumbar radiculopathy");
    assert_string_equal(rec->diagnoses[1], "lumbar disc protrusion");
    assert_string_equal(rec->diagnoses[2], "myofascial pain");
    assert_int_equal(rec->n_specialties, 2);
    assert_string_equal(rec->specialties[0], "Anesthesiology");
    assert_string_equal(rec->specialties[1], "Pain Management");
    assert_int_equal(rec->n_licensure, 2);
    assert_string_equal(rec->licensure[0], "California");
    assert_string_equal(rec->licensure[1], "Oregon");
    assert_non_null(rec->summary);
    assert_non_null(strstr(rec->summary, "44 year old woman"));
    assert_null(strstr(rec->summary, "expert reviewer developed"));
    assert_int_equal(rec->n_items, 2);
    assert_string_equal(rec->items[0].treatment,
        "Lumbar epidural steroid injection at L4-L5 under fluoroscopy");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_OVERTURNED);
    assert_true(cites_page(&rec->items[0], IMR_BY_CLAIMS_ADMINISTRATOR,
                           "MTUS", 46));
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 46));
    assert_non_null(rec->items[0].rationale);
    assert_non_null(strstr(rec->items[0].rationale,
                           "The injection is medically necessary."));
    assert_null(strstr(rec->items[0].rationale, "Cyclobenzaprine"));
    assert_string_equal(rec->items[1].treatment,
                        "Cyclobenzaprine 7.5mg #60");
    assert_int_equal(rec->items[1].decision, IMR_DECISION_UPHELD);
    assert_true(cites_page(&rec->items[1], IMR_BY_CLAIMS_ADMINISTRATOR,
                           "MTUS", 64));
    assert_true(cites_page(&rec->items[1], IMR_BY_REVIEWER, "MTUS", 41));
    assert_false(cites_page(&rec->items[1], IMR_BY_REVIEWER, "MTUS", 64));
    assert_non_null(rec->items[1].category);
    assert_string_equal(imr_record_outcome(rec), "partially overturned");
    assert_int_equal(rec->n_warnings, 0);
}

static void test_case_header_layout(void **state)
{
    struct imr_record *rec = parse_ok(LAYOUT, strlen(LAYOUT), "x/a.txt");

    (void)state;
    check_case_header(rec);
    assert_string_equal(rec->source, "x/a.txt");
    assert_true(clean_utf8(rec->text));
    imr_record_free(rec);
}

static void test_case_header_plain(void **state)
{
    struct imr_record *rec = parse_ok(PLAIN, strlen(PLAIN), "b.raw.txt");

    (void)state;
    check_case_header(rec);
    imr_record_free(rec);
}

static void test_maximus_final(void **state)
{
    struct imr_record *rec = parse_ok(MAXIMUS, strlen(MAXIMUS), "m.txt");

    (void)state;
    assert_string_equal(rec->format, "maximus_final");
    assert_string_equal(rec->case_number, "CM13-0044321");
    assert_string_equal(rec->date_decision, "2013-11-14");
    assert_string_equal(rec->date_ur_denial, "2013-08-30");
    assert_string_equal(rec->date_injury, "2011-05-02");
    assert_string_equal(rec->date_received, "2013-09-12");
    assert_int_equal(rec->age, 61);
    assert_string_equal(rec->gender, "male");
    assert_int_equal(rec->n_diagnoses, 2);
    assert_string_equal(rec->diagnoses[0], "right knee osteoarthritis");
    assert_string_equal(rec->diagnoses[1], "a medial meniscus tear");
    assert_int_equal(rec->n_specialties, 1);
    assert_string_equal(rec->specialties[0], "Orthopedic Surgery");
    assert_int_equal(rec->n_licensure, 1);
    assert_string_equal(rec->licensure[0], "California");
    assert_int_equal(rec->n_items, 2);
    assert_string_equal(rec->items[0].treatment,
                        "Hyaluronic acid injection to the right knee");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_true(cites_page(&rec->items[0], IMR_BY_CLAIMS_ADMINISTRATOR,
                           "ODG", 0));
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "ACOEM", 338));
    /* no decision word: read from the rationale's conclusion */
    assert_string_equal(rec->items[1].treatment, "Urine drug screen");
    assert_int_equal(rec->items[1].decision, IMR_DECISION_OVERTURNED);
    assert_true(cites_page(&rec->items[1], IMR_BY_REVIEWER, "MTUS", 43));
    imr_record_free(rec);
}

static void test_medical_professional_review(void **state)
{
    struct imr_record *rec = parse_ok(MPR, strlen(MPR), "dir/CMX.txt");

    (void)state;
    assert_string_equal(rec->format, "medical_professional_review");
    assert_null(rec->case_number);
    assert_string_equal(rec->id, "CMX");
    assert_true(has_warning(rec, "no case number found"));
    assert_int_equal(rec->age, 39);
    assert_string_equal(rec->gender, "female");
    assert_string_equal(rec->date_injury, "2012-02-14");
    assert_int_equal(rec->n_diagnoses, 2);
    assert_string_equal(rec->diagnoses[0], "cervicalgia");
    assert_string_equal(rec->diagnoses[1], "cervical strain");
    assert_int_equal(rec->n_specialties, 1);
    assert_string_equal(rec->specialties[0],
                        "Physical Medicine and Rehabilitation");
    assert_int_equal(rec->n_licensure, 2);
    assert_string_equal(rec->licensure[1], "Nevada");
    assert_int_equal(rec->n_items, 1);
    assert_string_equal(rec->items[0].treatment,
        "a transcutaneous electrical nerve stimulation unit");
    /* the heading says "IS/WAS NOT": the decision comes from the text */
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 115));
    assert_non_null(strstr(rec->items[0].rationale, "home trial"));
    assert_null(strstr(rec->items[0].rationale, "Board Certified"));
    imr_record_free(rec);
}

/* Replaces every FROM in S by TO; returns a new string. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    const char *p;
    char *r, *o;

    for (p = s; (p = strstr(p, from)) != NULL; p += fl)
        n++;
    r = malloc(strlen(s) + n * tl + 1);
    assert_non_null(r);
    o = r;
    while ((p = strstr(s, from)) != NULL) {
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, to, tl);
        o += tl;
        s = p + fl;
    }
    strcpy(o, s);
    return r;
}

static void test_noise_crlf_double_spaced(void **state)
{
    char *crlf = replace_all(PLAIN, "\n", "\r\n");
    char *dbl = replace_all(PLAIN, "\n", " \n\n");
    struct imr_record *rec;

    (void)state;
    rec = parse_ok(crlf, strlen(crlf), "c.txt");
    check_case_header(rec);
    assert_null(strchr(rec->text, '\r'));
    imr_record_free(rec);
    rec = parse_ok(dbl, strlen(dbl), "d.txt");
    check_case_header(rec);
    assert_null(strstr(rec->text, "\n\n\n"));
    imr_record_free(rec);
    free(crlf);
    free(dbl);
}

static void test_noise_pages_and_hyphens(void **state)
{
    char *a, *b, *c;
    struct imr_record *rec;

    (void)state;
    /* a page break with a running header and footer inside an item */
    a = replace_all(LAYOUT, "Cyclobenzaprine 7.5mg #60: Upheld\n",
                    "Page 2 of 3\n\f   Case Number: CM15-0101234\n\n"
                    "Cyclobenzaprine 7.5mg #60: Up-\nheld\n");
    b = replace_all(a, "fluoroscopy: Overturned", "fluoroscopy: Over-\n"
                    "turned");
    c = replace_all(b, "exercise did not help.",
                    "exercise did not help.\nPage 1 of 3\f");
    rec = parse_ok(c, strlen(c), "p.txt");
    check_case_header(rec);
    assert_null(strstr(rec->text, "Page 2 of 3"));
    assert_null(strchr(rec->text, '\f'));
    assert_null(strstr(rec->items[0].rationale, "Page 1"));
    imr_record_free(rec);
    free(a);
    free(b);
    free(c);
}

static void test_noise_encodings(void **state)
{
    /* Windows-1252 quotes and a Latin-1 e-acute, NUL bytes, valid UTF-8 */
    static const char raw[] =
        "Case Number: CM14-0000777\nDecision Date: 01/06/2014\n"
        "CLINICAL CASE SUMMARY\nThe \x93patient\x94 is a 50-year-old "
        "man from Jos\xe9 Street \xe2\x80\x94 he has knee pain.\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Knee brace\0\0: Upheld\n"
        "Claims Administrator guideline: Decision based on ODG Knee "
        "Chapter.\nMAXIMUS guideline: Decision based on MTUS Knee "
        "Complaints 2004.\nDecision rationale: Not needed, so it is not "
        "medically necessary.\n";
    struct imr_record *rec = parse_ok(raw, sizeof(raw) - 1, "e.txt");

    (void)state;
    assert_true(clean_utf8(rec->text));
    assert_non_null(strstr(rec->text, "\xe2\x80\x9cpatient\xe2\x80\x9d"));
    assert_non_null(strstr(rec->text, "Jos\xc3\xa9 Street \xe2\x80\x94"));
    assert_int_equal(rec->age, 50);
    assert_string_equal(rec->gender, "male");
    assert_int_equal(rec->n_items, 1);
    assert_string_equal(rec->items[0].treatment, "Knee brace");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    imr_record_free(rec);
}

static void test_labels_run_together(void **state)
{
    static const char s[] =
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Aquatic therapy x 8: Upheld\n"
        "Claims Administrator guideline: The Claims Administrator did not "
        "cite any medical evidence for its decision. MAXIMUS guideline: "
        "Decision based on MTUS Chronic Pain Medical Treatment Guidelines "
        "Page(s): 22. Decision rationale: Land exercise is tolerated, so "
        "the pool sessions are not medically necessary.\n";
    struct imr_record *rec = parse_ok(s, sizeof(s) - 1, "r.txt");

    (void)state;
    assert_int_equal(rec->n_items, 1);
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 22));
    assert_false(cites_page(&rec->items[0], IMR_BY_CLAIMS_ADMINISTRATOR,
                            "MTUS", 0));
    assert_non_null(strstr(rec->items[0].rationale, "Land exercise"));
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    imr_record_free(rec);
}

/* A label broken over a line end ("MAXIMUS" / "guideline:") in a paragraph
 * that holds both labels still starts the reviewer's citation. */
static void test_label_split_over_lines(void **state)
{
    static const char s[] =
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Physical therapy 2x6 for the low back: Overturned\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic "
        "Pain Treatment Guidelines. MAXIMUS\n"
        "guideline: Decision based on MTUS Chronic Pain Treatment "
        "Guidelines Page(s): 98-99.\n"
        "Decision\nrationale: Six visits fit the guideline, so the therapy "
        "is medically necessary.\n";
    struct imr_record *rec = parse_ok(s, sizeof(s) - 1, "s.txt");

    (void)state;
    assert_int_equal(rec->n_items, 1);
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 98));
    assert_false(cites_page(&rec->items[0], IMR_BY_CLAIMS_ADMINISTRATOR,
                            "MTUS", 98));
    assert_non_null(strstr(rec->items[0].rationale, "Six visits"));
    assert_int_equal(rec->items[0].decision, IMR_DECISION_OVERTURNED);
    imr_record_free(rec);
}

/* An item name cut by a lost table cell ("...sessions)") takes its
 * category from the rationale's sentence about the request, the most
 * specific treatment named there; a whole name keeps its own. */
static void test_cut_name_category_from_rationale(void **state)
{
    static const char s[] =
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "80 hours or 16 days): Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic "
        "Pain Medical Treatment Guidelines Page(s): 30-32.\n"
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
        "Treatment Guidelines Page(s): 30-32.\n"
        "Decision rationale: The worker had physical therapy in 2014. The "
        "requested program appears to be an "
        "interdisciplinary pain program. Baseline testing is missing, so "
        "it is not medically necessary.\n\n"
        "Lumbar MRI without contrast: Overturned\n"
        "Claims Administrator guideline: Decision based on MTUS ACOEM "
        "Chapter 12, page 303.\n"
        "MAXIMUS guideline: Decision based on MTUS ACOEM Chapter 12, page "
        "303.\n"
        "Decision rationale: The requested functional restoration program "
        "is not at issue here; red flags justify the imaging, so it is "
        "medically necessary.\n";
    struct imr_record *rec = parse_ok(s, sizeof(s) - 1, "cut.txt");

    (void)state;
    assert_int_equal(rec->n_items, 2);
    assert_string_equal(rec->items[0].category, "Programs");
    assert_string_equal(rec->items[0].subcategory,
                        "Functional Restoration Program");
    assert_string_equal(rec->items[1].category, "Diagnostic Testing");
    assert_string_equal(rec->items[1].subcategory, "Imaging");
    imr_record_free(rec);
}

/* A name wrapped after "DOS:" keeps its first line. */
static void test_name_wrapped_after_dos(void **state)
{
    static const char s[] =
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Ketoprofen 10% cream, 1 tube, DOS:\n"
        "03/14/2015: Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic "
        "Pain Medical Treatment Guidelines Page(s): 111-113.\n"
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
        "Treatment Guidelines Page(s): 112.\n"
        "Decision rationale: Topical ketoprofen is not approved, so the "
        "cream is not medically necessary.\n";
    struct imr_record *rec = parse_ok(s, sizeof(s) - 1, "dos.txt");

    (void)state;
    assert_int_equal(rec->n_items, 1);
    assert_string_equal(rec->items[0].treatment,
                        "Ketoprofen 10% cream, 1 tube, DOS: 03/14/2015");
    assert_string_equal(rec->items[0].category, "Pharmaceuticals");
    imr_record_free(rec);
}

static void test_narrative_dates_and_missing_decision(void **state)
{
    static const char s[] =
        "CLINICAL CASE SUMMARY\n"
        "The injured worker is a 58 year old female who sustained an "
        "industrial injury on 10-13-16.\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Home health aide 4 hours daily: Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic "
        "Pain Medical Treatment Guidelines page 51.\n"
        "Decision rationale: She walks without help and is independent, "
        "so this is not medically necessary.\n"
        "Second opinion consultation\n"
        "Claims Administrator guideline: Decision based on MTUS General "
        "Approaches 2004.\n"
        "Decision rationale: The rationale was cut off here.\n";
    struct imr_record *rec = parse_ok(s, sizeof(s) - 1, "/t/n.layout.txt");

    (void)state;
    assert_string_equal(rec->id, "n");
    assert_string_equal(rec->date_injury, "2016-10-13");
    assert_int_equal(rec->age, 58);
    assert_int_equal(rec->n_items, 2);
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_string_equal(rec->items[1].treatment,
                        "Second opinion consultation");
    assert_int_equal(rec->items[1].decision, IMR_DECISION_UNKNOWN);
    assert_true(has_warning(rec, "item 2 has no decision"));
    assert_true(has_warning(rec, "no decision date found"));
    assert_string_equal(imr_record_outcome(rec), "upheld");
    imr_record_free(rec);
}

/* A format-3 letter that lost its first page (no title, no ISSUE AT
 * DISPUTE) with two numbered issues, and a page break that falls inside
 * an item line of a "Case Number:" letter. */
static void test_partial_pages(void **state)
{
    static const char mpr[] =
        "CASE SUMMARY:\n"
        "The worker is a 47 year old man with a shoulder injury.\n"
        "1) Regarding the request for Omeprazole 20mg #30:\n"
        "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL\n"
        "REVIEWER AND WHY:\n"
        "MTUS Chronic Pain Medical Treatment Guidelines, pages 68-69.\n"
        "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT\n"
        "MEDICALLY NECESSARY:\n"
        "He has no stomach risk factors. It is not medically necessary.\n"
        "2) Regarding the request for Shoulder sling:\n"
        "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL\n"
        "REVIEWER AND WHY:\n"
        "MTUS ACOEM Practice Guidelines, Chapter 9 Shoulder Complaints, "
        "page 213.\n"
        "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT\n"
        "MEDICALLY NECESSARY:\n"
        "Brief rest in a sling helps here. It is medically necessary and\n"
        "appropriate.\n"
        "MEDICAL REVIEWER QUALIFICATIONS:\n"
        "The reviewer is Board Certified in Orthopedic Surgery.\n";
    static const char cn[] =
        "Case Number: CM16-0000042\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The original request, Twelve sessions of physical therapy for the\n"
        "\n"
        "Page 1 of 2\n"
        "\f\n"
        "Case Number: CM16-0000042\n"
        "\n"
        "left knee is: Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Knee "
        "Complaints 2004.\n"
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
        "Treatment 2016.\n"
        "Decision rationale: Too many visits; not medically necessary.\n";
    struct imr_record *rec = parse_ok(mpr, sizeof(mpr) - 1, "q.txt");

    (void)state;
    assert_string_equal(rec->format, "medical_professional_review");
    assert_int_equal(rec->n_items, 2);
    assert_string_equal(rec->items[0].treatment, "Omeprazole 20mg #30");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 68));
    assert_null(strstr(rec->items[0].rationale, "Regarding"));
    assert_string_equal(rec->items[1].treatment, "Shoulder sling");
    assert_int_equal(rec->items[1].decision, IMR_DECISION_OVERTURNED);
    assert_true(cites_page(&rec->items[1], IMR_BY_REVIEWER, "ACOEM", 213));
    assert_string_equal(imr_record_outcome(rec), "partially overturned");
    imr_record_free(rec);

    rec = parse_ok(cn, sizeof(cn) - 1, "k.txt");
    assert_int_equal(rec->n_items, 1);
    assert_string_equal(rec->items[0].treatment,
        "Twelve sessions of physical therapy for the left knee");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_int_equal(rec->items[0].n_citations, 2);
    imr_record_free(rec);
}

static void test_not_a_letter(void **state)
{
    static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"
                              "\x03\0\x3e\0\x01\0\0\0\x10\x10\0\0\0\0\0";
    static const char prose[] = "Minutes of the garden club meeting.\n"
        "The roses are medically necessary: Upheld by all.\n";
    static const char heads[] = "Case Number: CM13-0000001\n"
        "Nothing else survived.\n";
    const char *in[] = {"", bin, prose, heads};
    size_t len[] = {0, sizeof(bin) - 1, sizeof(prose) - 1,
                    sizeof(heads) - 1};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        struct imr_record *rec = (struct imr_record *)1;
        char err[IMR_ERR_LEN] = "";

        assert_int_equal(imr_parse_letter(in[i], len[i], "z.txt", &rec,
                                          err), IMR_ENOTLETTER);
        assert_null(rec);
        assert_true(strlen(err) > 0);
        assert_null(strchr(err, '\n'));
    }
}

static void test_big_input(void **state)
{
    size_t n = 50u * 1024 * 1024, i, k = strlen(LAYOUT);
    char *big = malloc(n);
    struct imr_record *rec;

    (void)state;
    assert_non_null(big);
    for (i = 0; i < n; i++)
        big[i] = i < k ? LAYOUT[i] : "abc \n"[i % 5];
    rec = parse_ok(big, n, "big.txt");
    assert_true(strlen(rec->text) <= n);
    assert_true(has_warning(rec, "rest was not read"));
    assert_int_equal(rec->n_items, 2);
    imr_record_free(rec);
    free(big);
}

/* Random edits of the letters above never crash, hang or return anything
 * but a record or IMR_ENOTLETTER (run it under ASan for full value). */
static void test_fuzz(void **state)
{
    const char *seeds[] = {LAYOUT, PLAIN, MAXIMUS, MPR};
    unsigned long x = 12345;
    int round;

    (void)state;
    for (round = 0; round < 3000; round++) {
        const char *s = seeds[round % 4];
        size_t n = strlen(s), i, edits;
        char *b = malloc(n + 1);
        struct imr_record *rec = NULL;
        char err[IMR_ERR_LEN];
        int rc;

        assert_non_null(b);
        memcpy(b, s, n + 1);
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        edits = 1 + (x >> 33) % 40;
        for (i = 0; i < edits; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            b[(x >> 20) % n] = (char)(x >> 40);
        }
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        rc = imr_parse_letter(b, (x >> 33) % (n + 1), "f.txt", &rec, err);
        assert_true(rc == IMR_OK || rc == IMR_ENOTLETTER);
        if (rc == IMR_OK)
            assert_true(clean_utf8(rec->text));
        imr_record_free(rec);
        free(b);
    }
}

static void test_seed(void **state)
{
    char path[4096];
    char *s;
    size_t n;
    struct imr_record *rec;

    (void)state;
    if (!tu_shared_present("corpus-seed", "the seed letter test"))
        skip();
    s = tu_read_file(tu_shared_path(path, sizeof(path),
                     "corpus-seed/000_f8d92b839ee91f1b.txt"), &n);
    assert_non_null(s);
    rec = parse_ok(s, n, path);
    assert_string_equal(rec->id, "000_f8d92b839ee91f1b");
    assert_null(rec->case_number);
    assert_int_equal(rec->n_items, 1);
    assert_non_null(strstr(rec->items[0].treatment, "24 sessions"));
    /* the cut name's category comes from the rationale */
    assert_string_equal(rec->items[0].subcategory,
                        "Functional Restoration Program");
    assert_int_equal(rec->items[0].decision, IMR_DECISION_UPHELD);
    assert_true(cites_page(&rec->items[0], IMR_BY_CLAIMS_ADMINISTRATOR,
                           "MTUS", 49));
    assert_true(cites_page(&rec->items[0], IMR_BY_REVIEWER, "MTUS", 49));
    assert_int_equal(rec->age, 52);
    assert_string_equal(rec->gender, "female");
    assert_string_equal(rec->date_injury, "2012-01-25");
    assert_int_equal(rec->n_diagnoses, 2);
    assert_string_equal(rec->diagnoses[0], "cervicalgia");
    assert_string_equal(rec->diagnoses[1], "cervical disk displacement");
    assert_int_equal(rec->n_specialties, 2);
    assert_string_equal(rec->specialties[0],
                        "Physical Medicine and Rehabilitation");
    assert_string_equal(rec->specialties[1], "Interventional Spine");
    assert_non_null(strstr(rec->items[0].rationale,
                           "not medically necessary"));
    imr_record_free(rec);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_header_layout),
        cmocka_unit_test(test_case_header_plain),
        cmocka_unit_test(test_maximus_final),
        cmocka_unit_test(test_medical_professional_review),
        cmocka_unit_test(test_noise_crlf_double_spaced),
        cmocka_unit_test(test_noise_pages_and_hyphens),
        cmocka_unit_test(test_noise_encodings),
        cmocka_unit_test(test_labels_run_together),
        cmocka_unit_test(test_label_split_over_lines),
        cmocka_unit_test(test_cut_name_category_from_rationale),
        cmocka_unit_test(test_name_wrapped_after_dos),
        cmocka_unit_test(test_narrative_dates_and_missing_decision),
        cmocka_unit_test(test_partial_pages),
        cmocka_unit_test(test_not_a_letter),
        cmocka_unit_test(test_big_input),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_seed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
