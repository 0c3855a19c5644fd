/* Tests of the citation normaliser: every statement form of the letters
 * (inputs written for this project in the shapes of the real letters),
 * page lists and their edge cases, the real corpus when present, fuzzing
 * and speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>

#include "imr/imr.h"
#include "imr/record.h"
#include "imr/cite.h"
#include "testutil.h"

/* Renders citation C as "guideline|document|chapter|edition|{s}{s}|p-q,.."
 * with "-" for NULL, into BUF. */
static void render(const struct imr_citation *c, char *buf, size_t size)
{
    size_t i, n;

    n = (size_t)snprintf(buf, size, "%s|%s|%s|%s|",
                         c->guideline ? c->guideline : "-",
                         c->document ? c->document : "-",
                         c->chapter ? c->chapter : "-",
                         c->edition ? c->edition : "-");
    for (i = 0; i < c->n_sections && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "{%s}", c->sections[i]);
    if (n < size)
        n += (size_t)snprintf(buf + n, size - n, "|");
    for (i = 0; i < c->n_pages && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%d-%d", i ? "," : "",
                              c->pages[i].from, c->pages[i].to);
}

/* Parses TEXT and checks the rendered citations against the N strings of
 * WANT, in order. */
static void check(const char *text, const char *const *want, size_t n)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *it = NULL;
    char err[IMR_ERR_LEN] = "", got[2048];
    size_t i;

    assert_non_null(rec);
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    assert_int_equal(imr_cite_parse(text, IMR_BY_REVIEWER, it, err), IMR_OK);
    for (i = 0; i < it->n_citations && i < n; i++) {
        render(&it->citations[i], got, sizeof(got));
        if (strcmp(got, want[i]) != 0)
            fail_msg("input: %s\ncitation %zu\n  got:  %s\n  want: %s",
                     text, i, got, want[i]);
        assert_non_null(it->citations[i].text);
        assert_int_equal(it->citations[i].by, IMR_BY_REVIEWER);
    }
    if (it->n_citations != n) {
        for (i = 0; i < it->n_citations; i++) {
            render(&it->citations[i], got, sizeof(got));
            print_message("  got %zu: %s\n", i, got);
        }
        fail_msg("input: %s\n%zu citations, want %zu", text,
                 it->n_citations, n);
    }
    imr_record_free(rec);
}

#define CHECK(text, ...) do {                                           \
        static const char *const w_[] = { __VA_ARGS__ };                \
        check(text, w_, sizeof(w_) / sizeof(w_[0]));                    \
    } while (0)
#define CHECK_NONE(text) check(text, NULL, 0)

#define CPMTG "MTUS|Chronic Pain Medical Treatment Guidelines|-|"
#define ACOEM "ACOEM Practice Guidelines"
#define ODG   "ODG|Official Disability Guidelines|"

static void test_page_forms(void **state)
{
    (void)state;
    CHECK("Decision based on MTUS Chronic Pain Treatment Guidelines "
          "Page(s): 49.", CPMTG "-||49-49");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines Page(s): 30-\n32, 49", CPMTG "-||30-32,49-49");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines pages 30-32, 49", CPMTG "-||30-32,49-49");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines page 46", CPMTG "-||46-46");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines pp. 111-13 and 49 and 51",
          CPMTG "-||111-113,49-49,51-51");
    CHECK("Decision based on MTUS Acupuncture Medical Treatment "
          "Guidelines pg. 8-9; p.13, pp 20 - 22",
          "MTUS|Acupuncture Medical Treatment Guidelines|-|-||"
          "8-9,13-13,20-22");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines Page(s):  78 -\r\n 80 ,\t124",
          CPMTG "-||78-80,124-124");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines (May 2009) Page(s): 60 to 61",
          CPMTG "2009||60-61");
    /* en dash (UTF-8) as range */
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment "
          "Guidelines Page(s): 74\xe2\x80\x93" "96",
          CPMTG "-||74-96");
}

static void test_acoem_forms(void **state)
{
    (void)state;
    CHECK("Decision based on MTUS ACOEM Practice Guidelines, Chapter 12 "
          "Low Back Complaints, pages 300-301",
          "ACOEM|" ACOEM "|12 Low Back Complaints|-||300-301");
    CHECK("MTUS Guideline in ACOEM Chapter 12, Table 12-8, page 309",
          "ACOEM|" ACOEM "|12 Low Back Complaints|-||309-309");
    CHECK("ACOEM Chapter 13, Table 13-2, pages 335-336",
          "ACOEM|" ACOEM "|13 Knee Complaints|-||335-336");
    CHECK("Chapter 9, Table 9-6, page 214 of the MTUS",
          "MTUS|" ACOEM "|9 Shoulder Complaints|-||214-214");
    CHECK("Decision based on Non-MTUS Citation ACOEM Guidelines, "
          "Ch. 7, Independent Medical Examinations and Consultations, "
          "page 127",
          "ACOEM|" ACOEM "|7 Independent Medical Examinations and "
          "Consultations|-||127-127");
    CHECK("Decision based on Non-MTUS Citation ACOEM Occupational "
          "Medicine Practice Guidelines, 3rd ed., Shoulder Disorders, "
          "pg. 52", "ACOEM|" ACOEM "|Shoulder Disorders|-||52-52");
    CHECK("Decision based on Non-MTUS Citation ACOEM Hip and Groin "
          "Chapter/Diagnostic recommendations.",
          "ACOEM|" ACOEM "|Hip and Groin Disorders|-||");
}

static void test_mtus_2016_forms(void **state)
{
    (void)state;
    CHECK("Decision based on MTUS Shoulder Complaints 2004, Section(s): "
          "Special Studies.",
          "MTUS|" ACOEM "|9 Shoulder Complaints|2004|{Special Studies}|");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment 2016, "
          "Section(s): Physical medicine treatment.",
          CPMTG "2016|{Physical medicine treatment}|");
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment 2016 "
          "Guidelines, Section(s): Proton Pump Inhibitors (PPIs).",
          CPMTG "2016|{Proton Pump Inhibitors (PPIs)}|");
    /* a line break inside a hyphenated word and double spaces */
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment 2016, "
          "Section(s): Electro-\ndiagnostic  testing (EMG/NCS).",
          CPMTG "2016|{Electrodiagnostic testing (EMG/NCS)}|");
    /* lower-case continuations stay in one section, capitals split */
    CHECK("Decision based on MTUS Chronic Pain Medical Treatment 2016, "
          "Section(s): NSAIDs, GI symptoms & cardiovascular risk, Opioids, "
          "criteria for use, Naproxen (Naprosyn, Anaprox), Follow-\nup "
          "Visits.",
          CPMTG "2016|{NSAIDs, GI symptoms & cardiovascular risk}"
          "{Opioids, criteria for use}{Naproxen (Naprosyn, Anaprox)}"
          "{Follow-up Visits}|");
    CHECK("Decision based on MTUS Low Back Complaints 2004, Section(s): "
          "Diagnostic Criteria, Special Studies, Summary.",
          "MTUS|" ACOEM "|12 Low Back Complaints|2004|{Diagnostic Criteria}"
          "{Special Studies}{Summary}|");
    CHECK("Decision based on MTUS Acupuncture Treatment 2007.",
          "MTUS|Acupuncture Medical Treatment Guidelines|-|2007||");
    CHECK("Decision based on MTUS Opioid Treatment 2016, Section(s): "
          "4.2 Opioids for Chronic Pain and Chronic Opioid Treatment: "
          "Tapering.",
          "MTUS|Opioids Treatment Guidelines|-|2016|{4.2 Opioids for "
          "Chronic Pain and Chronic Opioid Treatment: Tapering}|");
    CHECK("Decision based on MTUS Elbow Complaints 2007, Section(s): "
          "Diagnostic Criteria.",
          "MTUS|" ACOEM "|10 Elbow Complaints|2007|{Diagnostic Criteria}|");
    CHECK("Decision based on MTUS Stress-Related Conditions 2004.",
          "MTUS|" ACOEM "|15 Stress-Related Conditions|2004||");
    CHECK("Decision based on MTUS Ankle and Foot Complaints 2004, "
          "Section(s): Summary.",
          "MTUS|" ACOEM "|14 Ankle and Foot Complaints|2004|{Summary}|");
    /* General Approaches: the numbered chapter of its first section */
    CHECK("Decision based on MTUS General Approaches 2004, Section(s): "
          "Initial Approaches to Treatment.",
          "MTUS|" ACOEM "|3 Initial Approaches to Treatment|2004|"
          "{Initial Approaches to Treatment}|");
    CHECK("Decision based on MTUS General Approaches 2004.",
          "MTUS|" ACOEM "|General Approaches|2004||");
}

static void test_multi_part(void **state)
{
    (void)state;
    CHECK("Decision based on MTUS Neck and Upper Back Complaints 2004, "
          "Section(s): Initial Care, and Forearm, Wrist, and Hand "
          "Complaints 2004, Section(s): Physical Methods, and Chronic Pain "
          "Medical Treatment 2016, Section(s): Physical medicine "
          "treatment.",
          "MTUS|" ACOEM "|8 Neck and Upper Back Complaints|2004|"
          "{Initial Care}|",
          "MTUS|" ACOEM "|11 Forearm, Wrist, and Hand Complaints|2004|"
          "{Physical Methods}|",
          CPMTG "2016|{Physical medicine treatment}|");
    CHECK("Decision based on MTUS Knee Complaints 2004, Section(s): "
          "Initial Care, and Postsurgical Treatment 2009, Section(s): "
          "Forearm, Wrist, & Hand.",
          "MTUS|" ACOEM "|13 Knee Complaints|2004|{Initial Care}|",
          "MTUS|Postsurgical Treatment Guidelines|-|2009|"
          "{Forearm, Wrist, & Hand}|");
    CHECK("Decision based on MTUS Acupuncture Treatment 2007, and Chronic "
          "Pain Medical Treatment 2016, Section(s): Topical analgesics.",
          "MTUS|Acupuncture Medical Treatment Guidelines|-|2007||",
          CPMTG "2016|{Topical analgesics}|");
    /* "and Chronic Opioid Treatment" inside a section is no new part */
    CHECK("Decision based on MTUS Opioid Treatment 2016, Section(s): 3.1 "
          "Opioids for Chronic Pain and Chronic Opioid Treatment: "
          "Assessment, and Low Back Complaints 2004.",
          "MTUS|Opioids Treatment Guidelines|-|2016|{3.1 Opioids for "
          "Chronic Pain and Chronic Opioid Treatment: Assessment}|",
          "MTUS|" ACOEM "|12 Low Back Complaints|2004||");
    /* MTUS then Non-MTUS in one statement */
    CHECK("Decision based on MTUS Knee Complaints 2004, Section(s): Special "
          "Studies. Decision based on Non-MTUS Citation Official "
          "Disability Guidelines (ODG) Knee & Leg (Acute & Chronic), MRIs.",
          "MTUS|" ACOEM "|13 Knee Complaints|2004|{Special Studies}|",
          ODG "Knee & Leg|-||");
}

static void test_odg_forms(void **state)
{
    (void)state;
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines, Low Back Chapter", ODG "Low Back|-||");
    CHECK("The Expert Reviewer based their decision on recommendation(s) "
          "outside of the MTUS Guidelines. Decision based on Non-MTUS "
          "Citation Official Disability Guidelines (ODG) Pain (Chronic), "
          "Compound drugs.", ODG "Pain (Chronic)|-||");
    CHECK("Decision based on Non-MTUS Citation ODG, Neck and Upper back, "
          "CT.", ODG "Neck and Upper Back|-||");
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines: Low Back - Lumbar & Thoracic (Acute & Chronic) "
          "Chapter (Online Version).", ODG "Low Back|-||");
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines (ODG), Hips & Pelvis (updated 10/02/16), Home "
          "health services.", ODG "Hip & Pelvis|-||");
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines, 2016, Web Version, Criteria for admission to a "
          "rehabilitation unit.", ODG "-|2016||");
    /* two chapters, one citation each */
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines (ODG), Shoulder (updated 12/01/16); ODG, Elbow.",
          ODG "Shoulder|-||", ODG "Elbow|-||");
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines (ODG) Physical Therapy Guidelines.",
          ODG "Preface|-||");
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines (ODG) MRI knee.", ODG "Knee & Leg|-||");
    /* a non-MTUS source naming only an ODG chapter */
    CHECK("Decision based on Non-MTUS Citation Knee (Continuous passive "
          "motion).", ODG "Knee & Leg|-||");
    /* ODG and a second source */
    CHECK("Decision based on Non-MTUS Citation Official Disability "
          "Guidelines (ODG) Carpal Tunnel Syndrome and Other Medical "
          "Treatment Guidelines AANEM practice topic, 2002.",
          ODG "Carpal Tunnel Syndrome|-||", "AANEM|-|-|-||");
    CHECK("Decision based on Non-MTUS Citation ACOEM guidelines and the "
          "Official Disability Guidelines.",
          "ACOEM|" ACOEM "|-|-||", ODG "-|-||");
}

static void test_other_sources(void **state)
{
    (void)state;
    CHECK("The Expert Reviewer based their decision on recommendation(s) "
          "outside of the MTUS Guidelines. Decision based on Non-MTUS "
          "Citation Tadalafil: Drug information, UpToDate.com, accessed "
          "01/02/2017.", "UpToDate|-|-|-||");
    CHECK("Decision based on Non-MTUS Citation https://www.example.org/"
          "drug/info.html", "example.org|-|-|-||");
    CHECK("Decision based on Non-MTUS Citation FDA label information for "
          "pregabalin.", "FDA|-|-|-||");
    CHECK("Decision based on Non-MTUS Citation Handbook of Hand Surgery, "
          "2nd ed, Chapter 4.", "Handbook of Hand Surgery|-|-|-||");
}

static void test_no_citation(void **state)
{
    (void)state;
    CHECK_NONE("The Claims Administrator did not cite any medical evidence "
               "for its decision.");
    CHECK_NONE("The Expert Reviewer did not cite any medical evidence for "
               "its decision.");
    CHECK_NONE("");
    CHECK_NONE("   \n\f ");
    CHECK_NONE("Decision based on");
    CHECK_NONE("Decision based on MTUS");
    CHECK_NONE("Decision based on Non-MTUS Citation");
    /* text that is no statement and names no source */
    CHECK_NONE("page page page 1-");
    CHECK_NONE("p.");
    CHECK_NONE("Section(s): ,,,,");
}

static void test_by_and_text(void **state)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *it = NULL;
    char err[IMR_ERR_LEN];

    (void)state;
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    assert_int_equal(imr_cite_parse("Decision based on MTUS Low Back\n"
                                     "Complaints  2004, Section(s): "
                                     "Summary, and Knee Complaints 2004.",
                                     IMR_BY_CLAIMS_ADMINISTRATOR, it, err),
                     IMR_OK);
    assert_int_equal(it->n_citations, 2);
    assert_int_equal(it->citations[0].by, IMR_BY_CLAIMS_ADMINISTRATOR);
    assert_string_equal(it->citations[0].text, "MTUS Low Back Complaints "
                        "2004, Section(s): Summary");
    assert_string_equal(it->citations[1].text, "Knee Complaints 2004");
    assert_int_equal(imr_cite_acoem_chapter(&it->citations[0]), 12);
    assert_int_equal(imr_cite_acoem_chapter(&it->citations[1]), 13);
    /* citations append to those already there */
    assert_int_equal(imr_cite_parse("Decision based on Non-MTUS Citation "
                                    "ODG Knee", IMR_BY_REVIEWER, it, err),
                     IMR_OK);
    assert_int_equal(it->n_citations, 3);
    assert_int_equal(it->citations[2].by, IMR_BY_REVIEWER);
    assert_int_equal(imr_cite_acoem_chapter(&it->citations[2]), 0);
    /* bad arguments */
    assert_int_equal(imr_cite_parse(NULL, IMR_BY_REVIEWER, it, err),
                     IMR_EINVAL);
    assert_int_equal(imr_cite_parse("x", IMR_BY_REVIEWER, NULL, NULL),
                     IMR_EINVAL);
    assert_int_equal(imr_cite_acoem_chapter(NULL), 0);
    imr_record_free(rec);
}

static void test_too_long(void **state)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *it = NULL;
    char err[IMR_ERR_LEN] = "";
    size_t n = 70000;
    char *big = malloc(n + 1);

    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    assert_int_equal(imr_cite_parse(big, IMR_BY_REVIEWER, it, err),
                     IMR_EINVAL);
    assert_non_null(strstr(err, "longer"));
    free(big);
    imr_record_free(rec);
}

/* imr_pages_parse on TEXT gives RC and the ranges WANT ("a-b,c-d"). */
static void pages_case(const char *text, int rc, const char *want)
{
    struct imr_citation c;
    char got[512] = "";
    size_t i, n = 0;

    memset(&c, 0, sizeof(c));
    assert_int_equal(imr_pages_parse(text, &c), rc);
    for (i = 0; i < c.n_pages; i++)
        n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%d-%d",
                              i ? "," : "", c.pages[i].from, c.pages[i].to);
    if (strcmp(got, want) != 0)
        fail_msg("pages \"%s\": got %s, want %s", text, got, want);
    free(c.pages);
}

static void test_pages(void **state)
{
    (void)state;
    pages_case("30-34", 1, "30-34");
    pages_case("30-32, 49", 2, "30-32,49-49");
    pages_case("Page(s): 30-\n32, 49", 2, "30-32,49-49");
    pages_case("pages 111-13", 1, "111-113");
    pages_case("198-9", 1, "198-199");
    pages_case("1999-05", 1, "1999-2005");
    pages_case("49 and 51", 2, "49-49,51-51");
    pages_case("49, and 51", 2, "49-49,51-51");
    pages_case("181/182", 2, "181-181,182-182");
    pages_case("8 & 9", 2, "8-8,9-9");
    pages_case("p. 49", 1, "49-49");
    pages_case("pg 49.", 1, "49-49");
    pages_case("#49", 0, "");
    /* reversed ranges are swapped */
    pages_case("34-30", 1, "30-34");
    /* duplicates are kept once */
    pages_case("49, 49, 49-49", 1, "49-49");
    /* garbage */
    pages_case("", 0, "");
    pages_case("garbage", 0, "");
    pages_case("-", 0, "");
    pages_case("and and ,,", 0, "");
    pages_case("3.3.9 Opioids", 0, "");
    pages_case("12a", 0, "");
    pages_case(NULL, 0, "");
    /* huge and zero pages are rejected, the rest of the list is kept */
    pages_case("99999999999999999999", 0, "");
    pages_case("5001", 0, "");
    pages_case("5000", 1, "5000-5000");
    pages_case("0, 12", 1, "12-12");
    pages_case("12, 999999, 14", 2, "12-12,14-14");
    pages_case("10-99999", 0, "");
    pages_case("4999-2", 0, "");
    /* a list ends at the first non-page word */
    pages_case("30-32, 49 of the guideline 2009", 2, "30-32,49-49");
    pages_case("49, Table 12-8", 1, "49-49");
}

/* The guideline statements of the real letters, when ../shared is here:
 * every one parses, MTUS statements give an MTUS citation with a
 * document, non-MTUS statements a non-MTUS citation, "did not cite"
 * statements none. */
static void test_real_corpus(void **state)
{
    char dir[4096], path[4096 + 300], err[IMR_ERR_LEN];
    struct dirent *de;
    DIR *d;
    size_t n_stmt = 0, n_cites = 0, n_files = 0;

    (void)state;
    if (!tu_shared_present("corpus-real/dwc-imrcrawler",
                           "real letters for the citation test"))
        return;
    tu_shared_path(dir, sizeof(dir), "corpus-real/dwc-imrcrawler");
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        size_t len;
        char *text, *p;

        if (strlen(de->d_name) < 9 ||
            strcmp(de->d_name + strlen(de->d_name) - 8, ".raw.txt") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        text = tu_read_file(path, &len);
        assert_non_null(text);
        n_files++;
        for (p = strstr(text, "guideline:"); p; p = strstr(p, "guideline:")) {
            struct imr_record *rec = imr_record_new();
            struct imr_item *it = NULL;
            char *end, *a, *b, save;
            size_t i, mtus = 0, other = 0;

            p += strlen("guideline:");
            a = strstr(p, "guideline:");
            b = strstr(p, "Decision rationale:");
            end = (a && (!b || a < b)) ? a : b;
            if (end == NULL)
                end = p + strlen(p);
            if (a == end)           /* cut "MAXIMUS" off the next label */
                while (end > p && end[-1] != '\n' && end[-1] != '.')
                    end--;
            save = *end;
            *end = '\0';
            assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
            if (imr_cite_parse(p, IMR_BY_REVIEWER, it, err) != IMR_OK)
                fail_msg("%s: %s", de->d_name, err);
            n_stmt++;
            for (i = 0; i < it->n_citations; i++) {
                struct imr_citation *c = &it->citations[i];

                assert_non_null(c->guideline);
                assert_non_null(c->text);
                if (strcmp(c->guideline, "MTUS") == 0) {
                    mtus++;
                    if (c->document == NULL || c->edition == NULL)
                        fail_msg("%s: MTUS citation without document or "
                                 "edition: %s", de->d_name, c->text);
                } else {
                    other++;
                }
            }
            n_cites += it->n_citations;
            if (strstr(p, "based on MTUS") && mtus == 0)
                fail_msg("%s: no MTUS citation in: %s", de->d_name, p);
            if (strstr(p, "Non-MTUS") && other == 0)
                fail_msg("%s: no non-MTUS citation in: %s", de->d_name, p);
            if (strstr(p, "did not cite") && !strstr(p, "based on") &&
                it->n_citations != 0)
                fail_msg("%s: citation from: %s", de->d_name, p);
            *end = save;
            imr_record_free(rec);
        }
        free(text);
    }
    closedir(d);
    print_message("real corpus: %zu letters, %zu statements, %zu "
                  "citations\n", n_files, n_stmt, n_cites);
    assert_true(n_files > 0);
    assert_true(n_stmt >= 2 * n_files);
}

/* Random bytes and mutations of real-shaped statements: no crash, and
 * every page range stays valid. */
static void test_fuzz(void **state)
{
    static const char *const seeds[] = {
        "Decision based on MTUS Chronic Pain Medical Treatment Guidelines "
        "Page(s): 30-32, 49",
        "Decision based on MTUS Low Back Complaints 2004, Section(s): "
        "Special Studies, and Knee Complaints 2004.",
        "Decision based on Non-MTUS Citation Official Disability "
        "Guidelines (ODG), Shoulder; ODG, Elbow, pg. 5",
        "MTUS Guideline in ACOEM Chapter 12, Table 12-8, page 309",
        "https://www.x.org p. 111-13 and 7",
    };
    static const char alphabet[] = "0123456789-,;:/&.() pPgeasnd\n\xe2\x80"
                                   "\x93MTUSODGACOEMChapterSection(s)";
    char buf[400], err[IMR_ERR_LEN];
    unsigned seed = 12345;
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        struct imr_record *rec = imr_record_new();
        struct imr_item *it = NULL;
        size_t n, i, k;
        int rc;

        assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
        seed = seed * 1103515245u + 12345u;
        if (iter % 3 == 0) {
            n = (seed >> 8) % (sizeof(buf) - 1);
            for (i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                if (iter % 2)
                    buf[i] = (char)((seed >> 16) % 255 + 1);
                else
                    buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            }
            buf[n] = '\0';
        } else {
            snprintf(buf, sizeof(buf), "%s", seeds[iter % 5]);
            n = strlen(buf);
            for (k = 0; k < 4; k++) {
                seed = seed * 1103515245u + 12345u;
                buf[(seed >> 8) % n] =
                    alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            }
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % (n + 1)] = '\0';
        }
        rc = imr_cite_parse(buf, IMR_BY_REVIEWER, it, err);
        assert_int_equal(rc, IMR_OK);
        for (i = 0; i < it->n_citations; i++) {
            const struct imr_citation *c = &it->citations[i];

            assert_non_null(c->guideline);
            for (k = 0; k < c->n_pages; k++) {
                assert_true(c->pages[k].from >= 1);
                assert_true(c->pages[k].to >= c->pages[k].from);
                assert_true(c->pages[k].to <= 5000);
            }
        }
        imr_record_free(rec);
    }
}

/* It runs for every item of every letter: a statement takes microseconds. */
static void test_speed(void **state)
{
    static const char stmt[] =
        "Decision based on MTUS Low Back Complaints 2004, Section(s): "
        "Physical Methods, and Chronic Pain Medical Treatment 2016, "
        "Section(s): Epidural steroid injections (ESIs). Decision based on "
        "Non-MTUS Citation Official Disability Guidelines (ODG) Low Back - "
        "Lumbar & Thoracic (Acute & Chronic), pages 30-32, 49";
    struct timespec t0, t1;
    char err[IMR_ERR_LEN];
    double secs;
    int i, n = 100000;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++) {
        struct imr_item it;
        size_t k;

        memset(&it, 0, sizeof(it));
        assert_int_equal(imr_cite_parse(stmt, IMR_BY_REVIEWER, &it, err),
                         IMR_OK);
        assert_int_equal(it.n_citations, 3);
        for (k = 0; k < it.n_citations; k++) {
            struct imr_citation *c = &it.citations[k];

            free(c->guideline);
            free(c->document);
            free(c->chapter);
            free(c->edition);
            imr_strv_free(c->sections, c->n_sections);
            free(c->pages);
            free(c->text);
        }
        free(it.citations);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) +
           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("imr_cite_parse: %d statements in %.3f s (%.0f/s)\n", n,
                  secs, n / secs);
    /* generous, so sanitizer builds pass: 50 us per statement */
    assert_true(secs < n * 50e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_forms),
        cmocka_unit_test(test_acoem_forms),
        cmocka_unit_test(test_mtus_2016_forms),
        cmocka_unit_test(test_multi_part),
        cmocka_unit_test(test_odg_forms),
        cmocka_unit_test(test_other_sources),
        cmocka_unit_test(test_no_citation),
        cmocka_unit_test(test_by_and_text),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_real_corpus),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_speed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
