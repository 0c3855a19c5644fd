/* Tests of the DWC treatment taxonomy: the data file, about 100 treatments
 * written as letters write them (brand and generic names, abbreviations,
 * plurals, noise), the match rules, threads and speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imr/imr.h"
#include "imr/category.h"

struct cat_case {
    const char *treatment;
    const char *category;
    const char *subcategory;    /* NULL: none */
};

#define PH "Pharmaceuticals"
#define DT "Diagnostic Testing"
#define DM "DMEPOS"
#define RE "Rehabilitation"
#define SU "Surgery"
#define IN "Injection"
#define EM "Evaluation & Management"
#define PS "Psych Services"
#define PTOT "Physical Therapy/Occupational Therapy"

static const struct cat_case cases[] = {
    /* opioids, brand and generic */
    { "Norco 10/325mg #60", PH, "Opioids" },
    { "Hydrocodone/APAP 10/325 mg #90", PH, "Opioids" },
    { "Vicodin 5/300", PH, "Opioids" },
    { "Tramadol ER 150mg #30", PH, "Opioids" },
    { "Ultracet 37.5/325", PH, "Opioids" },
    { "OxyContin 20 mg", PH, "Opioids" },
    { "Percocet 10/325 #120", PH, "Opioids" },
    { "Nucynta 50mg", PH, "Opioids" },
    { "Butrans 10mcg/hr patch #4", PH, "Opioids" },
    { "Duragesic 25mcg patches", PH, "Opioids" },
    { "MS Contin 15mg", PH, "Opioids" },
    { "Synapryn 10mg/ml oral suspension 500ml", PH, "Opioids" },
    /* muscle relaxants */
    { "Flexeril 10mg", PH, "Muscle Relaxant" },
    { "Cyclobenzaprine HCl 7.5mg #60", PH, "Muscle Relaxant" },
    { "Fexmid 7.5mg", PH, "Muscle Relaxant" },
    { "Soma 350mg #30", PH, "Muscle Relaxant" },
    { "Zanaflex 4 mg", PH, "Muscle Relaxant" },
    { "Robaxin 750mg", PH, "Muscle Relaxant" },
    { "Tabradol 1mg/ml oral suspension", PH, "Muscle Relaxant" },
    /* NSAIDs, PPIs, H2 */
    { "Naproxen sodium 550mg", PH, "NSAID" },
    { "Anaprox DS 550mg #60", PH, "NSAID" },
    { "Motrin 800 mg", PH, "NSAID" },
    { "Mobic 7.5mg", PH, "NSAID" },
    { "Celebrex 200mg", PH, "NSAID" },
    { "Voltaren XR 100mg", PH, "NSAID" },
    { "Prilosec 20mg #60", PH, "Proton Pump Inhibitors" },
    { "Omeprazole DR 20mg", PH, "Proton Pump Inhibitors" },
    { "Pantoprazole sodium 20mg", PH, "Proton Pump Inhibitors" },
    { "Nexium 40mg", PH, "Proton Pump Inhibitors" },
    { "Ranitidine 150mg", PH, "H2 Blocker" },
    { "Deprizine 15mg/ml oral suspension", PH, "H2 Blocker" },
    { "Zofran 8mg ODT", PH, "Antiemetic" },
    /* neuro/psych drugs */
    { "Neurontin 600mg", PH, "Anti-epilepsy drugs" },
    { "Lyrica 75mg #60", PH, "Anti-epilepsy drugs" },
    { "Fanatrex 25mg/ml", PH, "Anti-epilepsy drugs" },
    { "Cymbalta 60 mg", PH, "Antidepressant" },
    { "Elavil 25mg", PH, "Antidepressant" },
    { "Trazodone 50mg #30", PH, "Antidepressant" },
    { "Ambien 10mg", PH, "Sedative-hypnotics" },
    { "Lunesta 3 mg", PH, "Sedative-hypnotics" },
    { "Dicopanol 5mg/ml", PH, "Sedative-hypnotics" },
    { "Xanax 0.5 mg", PH, "Benzodiazepine" },
    { "Klonopin 1mg", PH, "Benzodiazepine" },
    { "Viagra 50mg", PH, "Impotence Agents" },
    /* topicals and the topical-form rule */
    { "Lidoderm 5% patch #30", PH, "Topical Analgesics" },
    { "Flector 1.3% patch", PH, "Topical Analgesics" },
    { "Voltaren gel 1% 100gm", PH, "Topical Analgesics" },
    { "Ketoprofen 20% cream", PH, "Topical Analgesics" },
    { "Terocin lotion 120ml", PH, "Topical Compounds" },
    { "Medrox patches #30", PH, "Topical Compounds" },
    { "LidoPro ointment", PH, "Topical Compounds" },
    { "Flurbiprofen 20%/Baclofen 2%/Lidocaine 5% cream 180gm", PH,
      "Topical Compounds" },
    { "Gabapentin 10%, Amitriptyline 10% 240g", PH, "Topical Compounds" },
    { "Compounded cyclobenzaprine", PH, "Topical Compounds" },
    { "Theramine #90", PH, "Medical Food" },
    { "Sentra PM #60", PH, "Medical Food" },
    { "Synvisc-One injection left knee", PH, "Viscosupplementation" },
    { "Toradol injection 60mg IM", PH, "Injection" },
    /* diagnostic testing */
    { "MRI of the lumbar spine without contrast", DT, "Imaging" },
    { "Right shoulder MR arthrogram", DT, "Imaging" },
    { "Cervical spine X-rays, 3 views", DT, "Imaging" },
    { "CT scan of the brain", DT, "Imaging" },
    { "Bone scan, whole body", DT, "Imaging" },
    { "EMG/NCV bilateral upper extremities", DT, "EMG/NCV" },
    { "NCS of the left lower extremity", DT, "EMG/NCV" },
    { "Electrodiagnostic studies of both arms", DT, "EMG/NCV" },
    { "Urine drug screen", DT, "Lab & Pathology" },
    { "UDS x1", DT, "Lab & Pathology" },
    { "Retrospective urine toxicology testing (DOS 3/3/15)", DT,
      "Lab & Pathology" },
    { "CBC, CMP, hepatic function panel", DT, "Lab & Pathology" },
    { "Functional capacity evaluation", DT, "Other Diagnostic Tests" },
    { "EKG", DT, "Other Diagnostic Tests" },
    /* DMEPOS */
    { "TENS unit with supplies", DM, "Electrical Stimulation" },
    { "H-Wave device 30 day trial", DM, "Electrical Stimulation" },
    { "Interferential stimulator rental", DM, "Electrical Stimulation" },
    { "Cold therapy unit for 7 days", DM, "DME" },
    { "Vascutherm 4 rental x 30 days", DM, "DME" },
    { "Front-wheeled walker", DM, "DME" },
    { "CPM machine rental", DM, "DME" },
    { "Lumbar brace", DM, "Prosthetics/Orthotics" },
    { "LSO back brace", DM, "Prosthetics/Orthotics" },
    { "Custom orthotics", DM, "Prosthetics/Orthotics" },
    { "TENS electrodes and batteries", DM, "Electrical Stimulation" },
    { "Electrodes and batteries", DM, "Supplies" },
    /* injections */
    { "Lumbar epidural steroid injection at L4-5", IN, "Injection" },
    { "Right L5-S1 TFESI under fluoroscopy", IN, "Injection" },
    { "Caudal ESI", IN, "Injection" },
    { "Trigger point injections x 3", IN, "Injection" },
    { "Left knee cortisone injection", IN, "Injection" },
    { "Bilateral L4-5, L5-S1 facet injections", IN, "Facet Injection" },
    { "Medial branch block C5-6", IN, "Facet Injection" },
    { "Radiofrequency ablation bilateral L3-L5", IN, "Facet Injection" },
    { "RFA right L4-5", IN, "Facet Injection" },
    /* rehabilitation */
    { "Physical therapy 2x6 lumbar spine", RE, PTOT },
    { "Additional PT x 8 visits", RE, PTOT },
    { "Post-operative physical therapy 12 sessions", RE, PTOT },
    { "Post surgery occupational therapy", RE, PTOT },
    { "Aquatic therapy 2 times a week for 6 weeks", RE, PTOT },
    { "Chiropractic care 6 visits", RE, "Chiropractic" },
    { "Chiropractic manipulation 2x4", RE, "Chiropractic" },
    { "Acupuncture 6 sessions", RE, "Acupuncture" },
    { "Electro-acupuncture x 6", RE, "Acupuncture" },
    { "Massage therapy 1x6", RE, "Other Therapies" },
    { "ESWT left heel, 3 sessions", RE, "Other Therapies" },
    /* programs, surgery, E&M, psych, home health, transport */
    { "Functional restoration program 160 hours", "Programs",
      "Functional Restoration Program" },
    { "FRP x 10 days", "Programs", "Functional Restoration Program" },
    { "HELP program", "Programs", "Functional Restoration Program" },
    { "Work hardening 10 sessions", "Programs",
      "Work Hardening/Conditioning" },
    { "L4-5 posterior lumbar interbody fusion", SU, "Spine" },
    { "ACDF C5-6", SU, "Spine" },
    { "Lumbar microdiscectomy L5-S1", SU, "Spine" },
    { "Spinal cord stimulator trial", SU, "Spine" },
    { "Right shoulder arthroscopy, SAD, distal clavicle excision", SU,
      "Arthroscopic Surgery" },
    { "Left knee partial meniscectomy", SU, "Arthroscopic Surgery" },
    { "Right carpal tunnel release", SU, "Non-arthroscopic Surgery" },
    { "Total knee arthroplasty, left", SU, "Non-arthroscopic Surgery" },
    { "Assistant surgeon", SU, "Adjunct Surgical Services" },
    { "Pre-op medical clearance", SU, "Adjunct Surgical Services" },
    { "Associated surgical service: cold therapy unit", SU,
      "Adjunct Surgical Services" },
    { "Inpatient stay x 2 days", SU, "Adjunct Surgical Services" },
    { "Pain management consultation", EM, "Medical Specialties" },
    { "Orthopedic surgeon referral", EM, "Medical Specialties" },
    { "Follow-up visits x 6", EM, "Medical Specialties" },
    { "TOC to pain management", EM, "Medical Specialties" },
    { "Dental evaluation", EM, "Dental Services" },
    { "Psychological evaluation", PS, "Evaluation & Management" },
    { "Psychiatric consultation", PS, "Evaluation & Management" },
    { "Cognitive behavioral therapy x 6", PS, "Therapies" },
    { "CBT 6 sessions", PS, "Therapies" },
    { "Biofeedback 6 sessions", PS, "Therapies" },
    { "Home health care 8 hours a day", "Home Health",
      "Home Health Services" },
    { "Home health aide 4 hours/day, 5 days/week", "Home Health",
      "Home Health Services" },
    { "Transportation to and from medical appointments", "Transportation",
      "Transportation" },
    /* nothing known */
    { "60 hours or 24 sessions", "Other", NULL },
    { "", "Other", NULL },
    { "weeks", "Other", NULL },
    { "-- / ## \t", "Other", NULL },
};

static void test_data_file(void **state)
{
    char err[IMR_ERR_LEN] = "";

    (void)state;
    if (imr_category_check(err) != IMR_OK)
        fail_msg("%s", err);
}

static void test_cases(void **state)
{
    const char *cat, *sub;
    size_t i, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(imr_category_classify(cases[i].treatment, &cat,
                                               &sub), IMR_OK);
        if (strcmp(cat, cases[i].category) != 0 ||
            (sub == NULL) != (cases[i].subcategory == NULL) ||
            (sub && strcmp(sub, cases[i].subcategory) != 0)) {
            print_error("\"%s\": got %s / %s, want %s / %s\n",
                        cases[i].treatment, cat, sub ? sub : "(null)",
                        cases[i].category, cases[i].subcategory ?
                        cases[i].subcategory : "(null)");
            bad++;
        }
    }
    print_message("%zu treatments classified, %zu wrong\n",
                  sizeof(cases) / sizeof(cases[0]), bad);
    assert_int_equal(bad, 0);
}

static void test_rules(void **state)
{
    const char *cat, *sub;

    (void)state;
    /* NULL text */
    assert_int_equal(imr_category_classify(NULL, &cat, &sub), IMR_OK);
    assert_string_equal(cat, "Other");
    assert_null(sub);
    /* case and punctuation do not matter */
    assert_int_equal(imr_category_classify("NORCO", &cat, &sub), IMR_OK);
    assert_string_equal(sub, "Opioids");
    assert_int_equal(imr_category_classify("emg-ncv", &cat, &sub), IMR_OK);
    assert_string_equal(sub, "EMG/NCV");
    /* word boundaries: "soma" is not in "somatic", "pt" not in "opt" */
    assert_int_equal(imr_category_classify("somatic opt", &cat, &sub),
                     IMR_OK);
    assert_string_equal(cat, "Other");
    /* the earliest match wins */
    assert_int_equal(imr_category_classify("Physical therapy after lumbar "
                                           "fusion", &cat, &sub), IMR_OK);
    assert_string_equal(sub, PTOT);
    assert_int_equal(imr_category_classify("Lumbar fusion, then physical "
                                           "therapy", &cat, &sub), IMR_OK);
    assert_string_equal(sub, "Spine");
    /* the longest match at the same word wins */
    assert_int_equal(imr_category_classify("Toradol injection", &cat, &sub),
                     IMR_OK);
    assert_string_equal(sub, "Injection");
    assert_string_equal(cat, PH);
    assert_int_equal(imr_category_classify("Toradol 10mg", &cat, &sub),
                     IMR_OK);
    assert_string_equal(sub, "NSAID");
    /* shields: "post surgery" is not surgery */
    assert_int_equal(imr_category_classify("Post surgery acupuncture",
                                           &cat, &sub), IMR_OK);
    assert_string_equal(sub, "Acupuncture");
    /* plurals */
    assert_int_equal(imr_category_classify("Facet blocks", &cat, &sub),
                     IMR_OK);
    assert_string_equal(sub, "Facet Injection");
    /* very long text and words do not overflow */
    {
        char big[20000];
        size_t i;

        for (i = 0; i + 1 < sizeof(big); i++)
            big[i] = (char)(i % 97 == 96 ? ' ' : 'a' + i % 26);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(imr_category_classify(big, &cat, &sub), IMR_OK);
        memset(big, 'x', sizeof(big) - 1);
        memcpy(big + 10000, " mri ", 5);
        assert_int_equal(imr_category_classify(big, &cat, &sub), IMR_OK);
        assert_string_equal(sub, "Imaging");
    }
}

static void *classify_many(void *arg)
{
    size_t i, round, *bad = arg;
    const char *cat, *sub;

    for (round = 0; round < 200; round++)
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            if (imr_category_classify(cases[i].treatment, &cat, &sub) !=
                IMR_OK || strcmp(cat, cases[i].category) != 0)
                (*bad)++;
        }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[4];
    size_t bad[4] = { 0, 0, 0, 0 };
    int i;

    (void)state;
    for (i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, classify_many,
                                        &bad[i]), 0);
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(bad[i], 0);
    }
}

static void test_speed(void **state)
{
    struct timespec t0, t1;
    const char *cat, *sub;
    size_t i, n = 0;
    double secs;
    int round;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (round = 0; round < 1000; round++)
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++)
            assert_int_equal(imr_category_classify(cases[i].treatment, &cat,
                                                   &sub), IMR_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) +
           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("imr_category_classify: %zu items in %.3f s (%.0f/s)\n",
                  n, secs, (double)n / secs);
    /* generous, so sanitizer builds pass: 50 us per item */
    assert_true(secs < (double)n * 50e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_file),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_speed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
