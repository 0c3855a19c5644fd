/* imr-corpus: the tables the generator draws from (disputed treatments
 * with their guideline topics and pages, diagnoses, reviewers). Pages are
 * those of the 2009 MTUS Chronic Pain guideline and the ACOEM 2nd edition
 * chapters as the letters cite them (see docs reference section 2). */
#include "gen.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Overturn rates are per mille, from the published mix: drugs and DME
 * rarely overturned, E&M, psych and programs far more often. gen.c scales
 * them by 0.9 so that the weighted mean is about 10% (89-91% upheld). */
const struct gen_treat gen_treats[] = {
    {{"Norco 10/325mg #120", "Hydrocodone/APAP 10/325mg #90",
      "Norco 7.5/325mg, 60 count", NULL},
     "continued opioid therapy with hydrocodone", "Pharmaceuticals",
     "Opioids", 90, 60, GEN_CPMTG, 0, "74-96", "Opioids, criteria for use",
     "Pain",
     "Ongoing opioid management requires documented pain relief, "
     "functional improvement, screening for aberrant behavior and "
     "monitoring of side effects.",
     "The records do not show a decrease in pain scores or an increase in "
     "function with this medication, and no opioid contract is noted.",
     "The records show a drop in pain from 8/10 to 4/10, a return to "
     "modified work, consistent drug screens and a signed opioid "
     "agreement."},
    {{"Ultram 50mg #60", "Tramadol ER 150mg #30", "Tramadol 50mg #90",
      NULL},
     "tramadol", "Pharmaceuticals", "Opioids", 45, 70, GEN_CPMTG, 0,
     "93-94, 113", "Tramadol (Ultram)", NULL,
     "Tramadol is a centrally acting synthetic opioid that is not "
     "recommended as a first-line oral analgesic.",
     "There is no record of failed first-line agents or of measurable "
     "functional gains on tramadol.",
     "First-line agents failed and the notes record measurable functional "
     "gains while on tramadol."},
    {{"Oxycodone 10mg #60", "OxyContin 20mg #60", "Percocet 5/325mg #90",
      NULL},
     "oxycodone", "Pharmaceuticals", "Opioids", 35, 50, GEN_CPMTG, 0,
     "74-96", "Opioids, specific drug list", "Pain",
     "Long-acting and short-acting opioids are reserved for patients with "
     "documented functional benefit and adherence.",
     "The morphine equivalent dose is high and no functional benefit has "
     "been recorded.",
     "The dose is below 120 mg morphine equivalents and the provider "
     "documents improved activities of daily living."},
    {{"Nucynta 50mg #90", "Butrans patch 10mcg/hr #4", NULL, NULL},
     "the requested opioid", "Pharmaceuticals", "Opioids", 15, 60,
     GEN_CPMTG, 0, "74-96", "Opioids for chronic pain", NULL,
     "Opioids for chronic pain are supported only with ongoing review of "
     "analgesia, activity, adverse effects and aberrant behavior.",
     "None of the four domains of monitoring is documented.",
     "All four domains of monitoring are documented in the recent notes."},
    {{"Flexeril 10mg #60", "Cyclobenzaprine 7.5mg #90",
      "Fexmid 7.5mg #60", NULL},
     "cyclobenzaprine", "Pharmaceuticals", "Muscle Relaxant", 60, 35,
     GEN_CPMTG, 0, "41-42", "Cyclobenzaprine (Flexeril)", NULL,
     "Cyclobenzaprine is recommended only as a short course of therapy, "
     "no longer than two to three weeks.",
     "The medication has been taken daily for many months, well beyond "
     "the recommended course.",
     "This is a new, short course for an acute flare with documented "
     "spasm."},
    {{"Soma 350mg #60", "Carisoprodol 350mg #90", NULL, NULL},
     "carisoprodol", "Pharmaceuticals", "Muscle Relaxant", 25, 15,
     GEN_CPMTG, 0, "29", "Carisoprodol (Soma)", NULL,
     "Carisoprodol is not recommended and is not indicated for long-term "
     "use.",
     "The drug has been prescribed for more than a year.",
     "The prescription is a brief taper from long-term use."},
    {{"Zanaflex 4mg #60", "Tizanidine 4mg #90", "Norflex ER 100mg #60",
      NULL},
     "the muscle relaxant", "Pharmaceuticals", "Muscle Relaxant", 30, 40,
     GEN_CPMTG, 0, "63-66", "Muscle relaxants (for pain)", NULL,
     "Non-sedating muscle relaxants are recommended with caution as a "
     "second-line option for short-term treatment of acute exacerbations.",
     "The records show chronic daily use rather than a short course for "
     "an acute exacerbation.",
     "The records describe an acute exacerbation with palpable spasm, "
     "and a short course is planned."},
    {{"Naproxen sodium 550mg #60", "Anaprox DS 550mg #60",
      "Mobic 15mg #30", "Ibuprofen 800mg #90"},
     "the anti-inflammatory medication", "Pharmaceuticals", "NSAID", 50,
     120, GEN_CPMTG, 0, "67-73", "NSAIDs (non-steroidal anti-inflammatory "
     "drugs)", NULL,
     "NSAIDs are recommended at the lowest dose for the shortest period "
     "in patients with moderate to severe pain.",
     "There is no evidence of pain relief or functional improvement from "
     "prior use, and renal function has not been checked.",
     "The notes describe pain relief and improved walking tolerance with "
     "this medication and no adverse effects."},
    {{"Celebrex 200mg #30", NULL, NULL, NULL},
     "celecoxib", "Pharmaceuticals", "NSAID", 12, 140, GEN_CPMTG, 0,
     "22, 67-73", "Celebrex (celecoxib)", NULL,
     "Celecoxib may be considered when there is a risk of GI "
     "complications with non-selective NSAIDs.",
     "There is no documented gastrointestinal risk factor.",
     "The injured worker has a history of peptic ulcer disease."},
    {{"Prilosec 20mg #60", "Omeprazole 20mg #30", "Protonix 20mg #60",
      "Pantoprazole 40mg #30"},
     "the proton pump inhibitor", "Pharmaceuticals",
     "Proton Pump Inhibitors", 45, 100, GEN_CPMTG, 0, "68-69",
     "NSAIDs, GI symptoms & cardiovascular risk", NULL,
     "Proton pump inhibitors are indicated for patients at intermediate "
     "or high risk of gastrointestinal events who take NSAIDs.",
     "No gastrointestinal complaints or risk factors are documented.",
     "Dyspepsia on NSAIDs and a history of gastritis are documented."},
    {{"Ondansetron 8mg #20", "Zofran 4mg ODT #10", NULL, NULL},
     "ondansetron", "Pharmaceuticals", "Antiemetic", 10, 40, GEN_ODG, 0,
     NULL, "Antiemetics (for opioid nausea)", "Pain",
     "Antiemetics are not recommended for nausea and vomiting secondary "
     "to chronic opioid use.",
     "The medication is requested for opioid-related nausea.",
     "The medication is requested for postoperative nausea after the "
     "approved surgery."},
    {{"Gabapentin 600mg #90", "Neurontin 300mg #90", "Lyrica 75mg #60",
      NULL},
     "the anti-epilepsy drug", "Pharmaceuticals", "Anti-epilepsy drugs",
     30, 150, GEN_CPMTG, 0, "16-22", "Anti-epilepsy drugs (AEDs)", NULL,
     "Anti-epilepsy drugs are recommended for neuropathic pain, with a "
     "trial judged by at least 30 percent pain reduction.",
     "The records show no neuropathic findings and no report of a 30 "
     "percent reduction in pain.",
     "Radicular pain is documented, and the trial produced more than 30 "
     "percent relief."},
    {{"Cymbalta 60mg #30", "Duloxetine 30mg #30", "Amitriptyline 25mg #30",
      NULL},
     "the antidepressant", "Pharmaceuticals", "Antidepressant", 12, 290,
     GEN_CPMTG, 0, "13-16", "Antidepressants for chronic pain", NULL,
     "Antidepressants are recommended as a first-line option for "
     "neuropathic pain and as a possibility for non-neuropathic pain.",
     "There is no assessment of the effect on pain, sleep or mood.",
     "Sleep, mood and pain scores have improved since the medication was "
     "started."},
    {{"Ambien 10mg #30", "Zolpidem 5mg #30", "Lunesta 2mg #30", NULL},
     "the sleep aid", "Pharmaceuticals", "Sedative-hypnotics", 18, 50,
     GEN_ODG, 0, NULL, "Insomnia treatment", "Pain",
     "Hypnotics are recommended for short-term treatment of insomnia, "
     "generally two to six weeks.",
     "The medication has been used nightly for many months and sleep "
     "hygiene is not addressed.",
     "This is a first, short trial after sleep hygiene measures failed."},
    {{"Xanax 0.5mg #60", "Alprazolam 1mg #30", NULL, NULL},
     "alprazolam", "Pharmaceuticals", "Benzodiazepine", 10, 30, GEN_CPMTG,
     0, "24", "Benzodiazepines", NULL,
     "Benzodiazepines are not recommended for long-term use because "
     "long-term efficacy is unproven and there is a risk of dependence.",
     "Use has continued for well over four weeks.",
     "A two-week course is requested to taper the medication."},
    {{"Lidoderm 5% patch #30", "Lidocaine 5% patches #60", NULL, NULL},
     "the lidocaine patch", "Pharmaceuticals", "Topical Analgesics", 30,
     40, GEN_CPMTG, 0, "56-57, 112", "Lidoderm (lidocaine patch)", NULL,
     "Topical lidocaine may be recommended for localized peripheral pain "
     "after a trial of first-line therapy.",
     "There is no evidence of localized neuropathic pain or of a failed "
     "trial of first-line agents.",
     "Localized neuropathic pain after failed gabapentin is documented."},
    {{"Terocin lotion 120ml", "Flurbiprofen/cyclobenzaprine/lidocaine "
      "cream 180gm", "Gabapentin/ketoprofen/lidocaine cream 120gm",
      "LidoPro ointment 121gm"},
     "the compounded topical analgesic", "Pharmaceuticals",
     "Topical Compounds", 60, 25, GEN_CPMTG, 0, "111-113",
     "Topical analgesics", NULL,
     "Any compounded product that contains at least one drug or drug "
     "class that is not recommended is not recommended.",
     "The compound contains at least one ingredient that is not "
     "recommended for topical use.",
     "The product contains a single recommended agent and oral agents "
     "are not tolerated."},
    {{"Voltaren gel 1% 100gm", "Diclofenac sodium 1.5% solution 150ml",
      NULL, NULL},
     "topical diclofenac", "Pharmaceuticals", "Topical Analgesics", 15, 90,
     GEN_CPMTG, 0, "111-112", "Topical analgesics", NULL,
     "Topical NSAIDs are indicated for osteoarthritis of joints amenable "
     "to topical treatment, for short periods.",
     "The pain is axial spine pain, which topical NSAIDs do not treat.",
     "Osteoarthritis of the knee is documented and oral NSAIDs caused "
     "dyspepsia."},
    {{"Theramine #120", "Sentra PM #60", NULL, NULL},
     "the medical food", "Pharmaceuticals", "Medical Food", 12, 5,
     GEN_ODG, 0, NULL, "Medical food", "Pain",
     "Medical foods are not recommended for chronic pain.",
     "No specific nutritional deficiency is documented.",
     "A documented nutritional deficiency needs dietary management."},
    {{"Urine drug screen", "Urine drug testing (UDT)",
      "Urine toxicology screen", NULL},
     "urine drug testing", "Diagnostic Testing", "Lab & Pathology", 40,
     150, GEN_CPMTG, 0, "43", "Drug testing", NULL,
     "Drug testing is recommended as an option to assess for the use or "
     "presence of illegal drugs in patients on opioids.",
     "The injured worker had a consistent screen two months ago and is at "
     "low risk.",
     "The injured worker takes opioids and no screen was done in the last "
     "year."},
    {{"Physical therapy 2 times a week for 6 weeks for the lumbar spine",
      "Physical therapy 12 sessions for the cervical spine",
      "Additional physical therapy 8 visits for the right shoulder",
      "PT 3x4 for the left knee"},
     "physical therapy", "Rehabilitation",
     "Physical Therapy/Occupational Therapy", 90, 140, GEN_CPMTG, 0,
     "98-99", "Physical medicine", "Low Back",
     "Physical medicine allows for fading of treatment frequency, from up "
     "to 3 visits a week to 1 or less, plus active self-directed home "
     "physical medicine, 9-10 visits over 8 weeks for myalgia.",
     "The injured worker has already completed 24 sessions with no "
     "documented functional improvement, and the request exceeds the "
     "recommended number of visits.",
     "This is the first course of therapy for a new injury, and the "
     "number of visits is within the recommended range."},
    {{"Post-operative physical therapy 12 sessions for the right shoulder",
      "Postoperative physical therapy 24 visits for the left knee", NULL,
      NULL},
     "postoperative physical therapy", "Rehabilitation",
     "Physical Therapy/Occupational Therapy", 20, 200,
     GEN_POSTSURG, 0, "10-12, 24-27", "Postsurgical Treatment "
     "Guidelines", NULL,
     "The postsurgical guidelines allow an initial course of therapy of "
     "one half of the general course after surgery.",
     "The request exceeds the initial course and the surgery has not been "
     "authorized.",
     "Surgery was performed last month and the request is within the "
     "initial course."},
    {{"Aquatic therapy 2x6 for the lumbar spine",
      "Aqua therapy 8 sessions", NULL, NULL},
     "aquatic therapy", "Rehabilitation",
     "Physical Therapy/Occupational Therapy", 10, 80,
     GEN_CPMTG, 0, "22", "Aquatic therapy", NULL,
     "Aquatic therapy is an optional form of exercise therapy where "
     "reduced weight bearing is desirable, for example extreme obesity.",
     "There is no indication that reduced weight bearing is needed.",
     "The injured worker is extremely obese and cannot tolerate land "
     "exercise."},
    {{"Chiropractic treatment 2x3 for the lumbar spine",
      "Chiropractic manipulation 6 visits for the neck",
      "Chiropractic physiotherapy treatment 12 visits", NULL},
     "chiropractic care", "Rehabilitation", "Chiropractic", 40, 100,
     GEN_CPMTG, 0, "58-60", "Manual therapy & manipulation", "Low Back",
     "Manual therapy is recommended for chronic musculoskeletal pain, with "
     "a trial of 6 visits over 2 weeks and up to 18 visits with objective "
     "functional improvement.",
     "Prior chiropractic care produced no documented functional gain.",
     "A trial of 6 visits is requested and no prior manipulation has been "
     "given."},
    {{"Acupuncture 2 times a week for 3 weeks",
      "Acupuncture 6 sessions for the cervical spine",
      "Electro-acupuncture 8 visits", NULL},
     "acupuncture", "Rehabilitation", "Acupuncture", 45, 140, GEN_ACUP, 0,
     NULL, "Acupuncture Medical Treatment Guidelines", NULL,
     "Acupuncture may be used when pain medication is reduced or not "
     "tolerated, with 3 to 6 treatments to produce functional improvement.",
     "Prior acupuncture sessions have not produced functional improvement "
     "as defined in the guidelines.",
     "This is an initial trial within the recommended 3 to 6 treatments."},
    {{"Massage therapy 6 sessions", "Massage therapy 2x4 for the back",
      NULL, NULL},
     "massage therapy", "Rehabilitation", "Other Therapies", 10, 40,
     GEN_CPMTG, 0, "60", "Massage therapy", NULL,
     "Massage should be an adjunct to other treatment and limited to 4-6 "
     "visits in most cases.",
     "It is not requested as an adjunct to an exercise program.",
     "It is requested as an adjunct to an active exercise program for 4 "
     "visits."},
    {{"Functional restoration program, 160 hours",
      "Functional restoration program (FRP) 10 days",
      "HELP interdisciplinary functional restoration program 80 hours",
      "Multidisciplinary pain program evaluation"},
     "the functional restoration program", "Programs",
     "Functional Restoration Program", 35, 260,
     GEN_CPMTG, 0, "30-34, 49",
     "Chronic pain programs (functional restoration programs)", NULL,
     "A functional restoration program is supported when previous methods "
     "of treating chronic pain have been unsuccessful, there is a "
     "significant loss of the ability to function independently, the "
     "patient is not a candidate for surgery and negative predictors of "
     "success have been addressed.",
     "A baseline functional evaluation is missing and the injured worker "
     "is still being considered for surgery.",
     "An adequate evaluation with baseline testing was done, surgery is "
     "not planned, and the injured worker is motivated to change."},
    {{"Work hardening program 10 sessions", "Work conditioning 12 visits",
      NULL, NULL},
     "work hardening", "Programs", "Work Hardening/Conditioning", 8,
     200, GEN_CPMTG, 0, "125",
     "Work conditioning, work hardening", NULL,
     "Work hardening requires a defined return to work goal agreed to by "
     "the employer and employee and a plateau after physical therapy.",
     "No job to return to and no employer agreement are documented.",
     "The employer has a job waiting and therapy has plateaued."},
    {{"TENS unit purchase", "TENS unit rental for 30 days",
      "Transcutaneous electrical nerve stimulation (TENS) unit", NULL},
     "the TENS unit", "DMEPOS", "Electrical Stimulation", 35, 50,
     GEN_CPMTG, 0, "114-116", "TENS (transcutaneous electrical nerve "
     "stimulation)", NULL,
     "A one-month home-based TENS trial may be considered as an adjunct "
     "to a program of evidence-based functional restoration.",
     "No one-month trial with documented outcomes has been completed.",
     "A successful one-month trial with reduced medication use is "
     "documented."},
    {{"H-wave unit purchase", "Home H-wave device 30 day trial", NULL,
      NULL},
     "the H-wave device", "DMEPOS", "Electrical Stimulation", 12, 40,
     GEN_CPMTG, 0, "117-118", "H-wave stimulation (HWT)", NULL,
     "H-wave stimulation is not recommended as an isolated intervention "
     "and requires prior failure of a TENS unit.",
     "A TENS trial has not been documented.",
     "A failed TENS trial and continued home exercise are documented."},
    {{"Interferential current stimulator (ICS) unit", NULL, NULL, NULL},
     "interferential stimulation", "DMEPOS", "Electrical Stimulation", 8,
     30, GEN_CPMTG, 0, "118-120", "Interferential current stimulation "
     "(ICS)", NULL,
     "Interferential current stimulation is not recommended as an "
     "isolated intervention.",
     "The records do not show that it would be used with return to work "
     "and exercise.",
     "It would be used with exercise and a return to work plan."},
    {{"MRI of the lumbar spine without contrast", "Lumbar MRI",
      "Repeat MRI of the lumbar spine", NULL},
     "lumbar MRI", "Diagnostic Testing", "Imaging", 55, 120, GEN_ACOEM, 12,
     "303-304", "Special Studies", "Low Back",
     "Imaging of the lumbar spine is indicated when unequivocal objective "
     "findings identify specific nerve compromise on the neurologic "
     "examination and surgery is being considered.",
     "The neurologic examination is normal and there are no red flags.",
     "There is a new foot drop with a positive straight leg raise, and "
     "surgery is being considered."},
    {{"MRI of the cervical spine without contrast", "Cervical MRI",
      NULL, NULL},
     "cervical MRI", "Diagnostic Testing", "Imaging", 40, 120, GEN_ACOEM,
     8, "177-179", "Special Studies", "Neck and Upper Back",
     "Imaging of the neck is recommended for emergence of a red flag, "
     "physiologic evidence of neurologic dysfunction or failure to "
     "progress in a strengthening program.",
     "There are no focal neurologic deficits and no red flags.",
     "Progressive arm weakness with diminished reflexes is documented."},
    {{"MRI of the right shoulder", "MRI of the left shoulder without "
      "contrast", NULL, NULL},
     "shoulder MRI", "Diagnostic Testing", "Imaging", 30, 130, GEN_ACOEM,
     9, "207-209", "Special Studies", "Shoulder",
     "Shoulder imaging is recommended after four to six weeks of "
     "conservative care when surgery is being considered for a specific "
     "anatomic defect.",
     "Conservative care has not been tried and no tear is suspected.",
     "Weakness with a positive drop arm test persists after three months "
     "of therapy."},
    {{"MRI of the right knee without contrast", "MRI of the left knee",
      NULL, NULL},
     "knee MRI", "Diagnostic Testing", "Imaging", 30, 140, GEN_ACOEM, 13,
     "341-343", "Special Studies", "Knee & Leg",
     "Knee imaging is recommended to confirm a meniscal or ligament tear "
     "when surgery is contemplated.",
     "There is no locking, giving way or positive McMurray test.",
     "Locking and a positive McMurray test are documented."},
    {{"X-rays of the lumbar spine", "Radiographs of the cervical spine, 3 "
      "views", NULL, NULL},
     "radiographs", "Diagnostic Testing", "Imaging", 20, 150, GEN_ACOEM, 12,
     "303", "Special Studies", NULL,
     "Plain films are not recommended in the absence of red flags for "
     "serious spinal pathology.",
     "No red flags are documented.",
     "Trauma with point tenderness over the spinous process raises "
     "concern for fracture."},
    {{"EMG (electromyography)/NCV (nerve conduction velocity) of the "
      "bilateral upper extremities", "NCV of the left upper extremity",
      "EMG/NCS of both arms", NULL},
     "electrodiagnostic testing", "Diagnostic Testing", "EMG/NCV", 25,
     130, GEN_ACOEM, 8, "178", "Special Studies", "Neck and Upper Back",
     "Electromyography and nerve conduction velocities may help identify "
     "subtle focal neurologic dysfunction in patients with neck or arm "
     "symptoms lasting more than three or four weeks.",
     "The neurologic examination of the arms is normal and symptoms are "
     "only two weeks old.",
     "Numbness of the hand that fits neither a root nor a nerve pattern "
     "has lasted three months."},
    {{"EMG/NCV of the bilateral lower extremities",
      "EMG of the left lower extremity", NULL, NULL},
     "electrodiagnostic testing", "Diagnostic Testing", "EMG/NCV", 25,
     130, GEN_ACOEM, 12, "303", "Special Studies", "Low Back",
     "Electromyography may be useful to identify subtle focal neurologic "
     "dysfunction in patients with symptoms lasting more than three or "
     "four weeks.",
     "Radiculopathy is already clinically obvious, so testing would not "
     "change management.",
     "Numbness in a non-dermatomal pattern leaves the diagnosis unclear."},
    {{"Preoperative labs: CBC, CMP, PT/PTT",
      "Pre-operative medical clearance with EKG", NULL, NULL},
     "preoperative testing", "Surgery", "Adjunct Surgical Services", 12,
     100, GEN_ODG, 0, NULL, "Preoperative lab testing", "Low Back",
     "Preoperative testing is guided by the patient's clinical history, "
     "comorbidities and the planned procedure.",
     "The associated surgery has not been authorized.",
     "The surgery was authorized and the injured worker is diabetic."},
    {{"Lumbar epidural steroid injection at L4-L5",
      "Transforaminal epidural steroid injection (TFESI) L5-S1",
      "Cervical epidural steroid injection C6-C7 under fluoroscopy", NULL},
     "the epidural steroid injection", "Injection", "Injection", 45, 120,
     GEN_CPMTG, 0, "46", "Epidural steroid injections (ESIs)", "Low Back",
     "Epidural steroid injections require radiculopathy documented by "
     "examination and corroborated by imaging or electrodiagnostic "
     "testing, and failure of conservative treatment.",
     "Radiculopathy is not corroborated by imaging, and the prior "
     "injection gave less than 50 percent relief for six weeks.",
     "Radiculopathy is corroborated by MRI and the prior injection gave 60 "
     "percent relief for eight weeks."},
    {{"Lumbar facet injections at L4-5 and L5-S1 bilaterally",
      "Medial branch blocks at L3-L4", NULL, NULL},
     "the facet injection", "Injection", "Facet Injection", 20, 90,
     GEN_ACOEM, 12, "300-301", "Physical Methods", "Low Back",
     "Invasive techniques such as facet joint injections are of "
     "questionable merit.",
     "The injured worker has radicular findings, which exclude facet "
     "mediated pain.",
     "Axial pain without radicular findings points to the facet joints."},
    {{"Radiofrequency ablation at L4-L5 and L5-S1 (RFA)",
      "Radiofrequency neurotomy of the right C5-C6 medial branches", NULL,
      NULL},
     "radiofrequency ablation", "Injection", "Facet Injection", 15, 100,
     GEN_ACOEM, 12, "300-301", "Physical Methods", "Low Back",
     "Radiofrequency neurotomy is supported after a positive diagnostic "
     "medial branch block with at least 70 percent relief.",
     "No diagnostic medial branch block is documented.",
     "A medial branch block gave 80 percent relief."},
    {{"Trigger point injections x4", "Trigger point injection to the "
      "trapezius", NULL, NULL},
     "trigger point injections", "Injection", "Injection", 15, 60,
     GEN_CPMTG, 0, "122", "Trigger point injections", NULL,
     "Trigger point injections require circumscribed trigger points with "
     "a twitch response and referred pain.",
     "No twitch response or referred pain is documented.",
     "Circumscribed trigger points with a twitch response are documented."},
    {{"Synvisc-One injection to the right knee",
      "Orthovisc injections x3 to the left knee", NULL, NULL},
     "viscosupplementation", "Pharmaceuticals", "Viscosupplementation", 12,
     150, GEN_ODG, 0, NULL, "Hyaluronic acid injections", "Knee & Leg",
     "Hyaluronic acid injections are recommended for severe "
     "osteoarthritis that has not responded to conservative care.",
     "The imaging shows only mild degenerative change.",
     "Severe osteoarthritis failed steroid injections and therapy."},
    {{"Lumbar spinal fusion at L4-S1", "Microdiscectomy at L5-S1",
      "Anterior cervical discectomy and fusion (ACDF) C5-C6", NULL},
     "the spine surgery", "Surgery", "Spine", 25, 120, GEN_ACOEM, 12,
     "305-307", "Surgical Considerations", "Low Back",
     "Spine surgery is indicated for severe, disabling symptoms with "
     "clear clinical and imaging evidence of a lesion shown to benefit "
     "from repair.",
     "The imaging does not show a lesion that matches the symptoms, and a "
     "psychological screen was not done.",
     "Imaging shows a large disc extrusion matching a progressive motor "
     "deficit."},
    {{"Right shoulder arthroscopy with subacromial decompression",
      "Left knee arthroscopy with partial meniscectomy", NULL, NULL},
     "the arthroscopic surgery", "Surgery", "Arthroscopic Surgery", 25, 190,
     GEN_ACOEM, 9, "209-211", "Surgical Considerations", "Shoulder",
     "Surgical consultation is indicated for activity limitation for more "
     "than four months with failure to increase function in an exercise "
     "program and clear imaging evidence of a lesion.",
     "Only six weeks of conservative care are documented.",
     "Six months of therapy and an injection failed and the MRI shows a "
     "full-thickness tear."},
    {{"Right carpal tunnel release", "Left carpal tunnel release", NULL,
      NULL},
     "carpal tunnel release", "Surgery", "Non-arthroscopic Surgery", 12,
     250, GEN_ACOEM, 11, "270", "Surgical Considerations", NULL,
     "Carpal tunnel release requires symptoms with positive findings on "
     "examination and a positive electrodiagnostic study.",
     "The electrodiagnostic studies are normal.",
     "Nerve conduction studies show moderate median neuropathy."},
    {{"Lumbar back brace", "Knee brace for the left knee",
      "Lumbosacral orthosis (LSO)", NULL},
     "the brace", "DMEPOS", "Prosthetics/Orthotics", 20, 60, GEN_ACOEM, 12,
     "301", "Initial Care", "Low Back",
     "Lumbar supports have not been shown to have any lasting benefit "
     "beyond the acute phase of symptom relief.",
     "The injury is chronic, well beyond the acute phase.",
     "The request follows a recent fusion surgery."},
    {{"Cold therapy unit rental 7 days", "Vascutherm unit 30 day rental",
      NULL, NULL},
     "the cold therapy unit", "DMEPOS", "DME", 20, 80, GEN_ODG, 0, NULL,
     "Continuous-flow cryotherapy", "Shoulder",
     "Continuous-flow cryotherapy is recommended as an option for up to 7 "
     "days after surgery.",
     "The rental exceeds 7 days and surgery has not been approved.",
     "Seven days after the approved surgery are requested."},
    {{"Home exercise kit", "Cervical traction unit for home use",
      "Hot/cold pack", NULL},
     "the home equipment", "DMEPOS", "DME", 15, 40, GEN_ODG, 0, NULL,
     "Durable medical equipment (DME)", "Knee & Leg",
     "Durable medical equipment is recommended when it is primarily "
     "medical in nature and can withstand repeated use.",
     "The item is not primarily medical in nature.",
     "The item is medical in nature and was prescribed by the surgeon."},
    {{"Pain management consultation", "Orthopedic surgeon referral",
      "Follow-up visit with the treating physician",
      "Spine surgeon consultation"},
     "the consultation", "Evaluation & Management", "Medical Specialties",
     40, 300, GEN_ACOEM, 7, "127", "Independent Medical Examinations and "
     "Consultations", NULL,
     "A referral may be appropriate when the diagnosis is uncertain or "
     "extremely complex, or when psychosocial factors are present.",
     "The diagnosis is clear and the treating physician has not described "
     "a question for the consultant.",
     "The course of care is complex and the treating physician asks for "
     "help with the plan."},
    {{"Psychological evaluation", "Psychiatric consultation",
      NULL, NULL},
     "the psychological evaluation", "Psych Services",
     "Evaluation & Management", 15, 250, GEN_CPMTG, 0, "100-101",
     "Psychological evaluations", NULL,
     "Psychological evaluations are recommended and generally accepted "
     "for chronic pain populations.",
     "No psychological symptoms are documented.",
     "Depressed mood and fear avoidance are documented."},
    {{"Cognitive behavioral therapy 6 sessions", "Biofeedback 6 sessions",
      "Psychotherapy 8 visits", NULL},
     "cognitive behavioral therapy", "Psych Services", "Therapies", 15, 280,
     GEN_CPMTG, 0, "23", "Behavioral interventions", NULL,
     "Behavioral interventions are recommended, with an initial trial of "
     "3-4 psychotherapy visits over 2 weeks.",
     "The request exceeds the initial trial.",
     "An initial trial of 4 visits is requested."},
    {{"Spinal cord stimulator trial", NULL, NULL, NULL},
     "the spinal cord stimulator trial", "Surgery", "Spine", 6, 150,
     GEN_CPMTG, 0, "105-107",
     "Spinal cord stimulators (SCS)", NULL,
     "A spinal cord stimulator is recommended only for selected patients "
     "after less invasive procedures failed and a psychological "
     "evaluation cleared the trial.",
     "No psychological clearance is documented.",
     "Failed back surgery syndrome and psychological clearance are "
     "documented."},
    {{"Home health care 4 hours a day, 5 days a week",
      "Home health aide 20 hours per week", NULL, NULL},
     "home health services", "Home Health", "Home Health Services", 8,
     100, GEN_CPMTG, 0,
     "51", "Home health services", NULL,
     "Home health services are recommended only for medical treatment of "
     "patients who are homebound.",
     "The request is for homemaker services and the injured worker is not "
     "homebound.",
     "The injured worker is homebound after surgery and needs wound "
     "care."},
    {{"Transportation to and from medical appointments", NULL, NULL, NULL},
     "transportation", "Transportation", "Transportation", 6, 80,
     GEN_ODG, 0, NULL,
     "Transportation (to & from appointments)", "Knee & Leg",
     "Transportation is recommended for medically necessary appointments "
     "when the patient cannot self-transport.",
     "The injured worker drives and walks without aids.",
     "The injured worker cannot drive after knee surgery."},
    {{"Extracorporeal shockwave therapy (ESWT) 3 sessions", NULL, NULL,
      NULL},
     "shockwave therapy", "Rehabilitation", "Other Therapies", 8, 50,
     GEN_ACOEM, 9, "203", "Physical Methods", "Shoulder",
     "Some medium quality evidence supports shockwave therapy only for "
     "calcifying tendinitis of the shoulder.",
     "There is no calcifying tendinitis.",
     "Calcifying tendinitis is shown on radiographs."},
};
const size_t gen_n_treats = N(gen_treats);

const struct gen_chapter gen_chapters[] = {
    {3, "Initial Approaches to Treatment", "2004"},
    {7, "Independent Medical Examinations and Consultations", "2004"},
    {8, "Neck and Upper Back Complaints", "2004"},
    {9, "Shoulder Complaints", "2004"},
    {11, "Forearm, Wrist, and Hand Complaints", "2004"},
    {12, "Low Back Complaints", "2004"},
    {13, "Knee Complaints", "2004"},
};
const size_t gen_n_chapters = N(gen_chapters);

/* Written lower case, laterality first, none containing " and ". */
const struct gen_dx gen_dxs[] = {
    {{"lumbar radiculopathy", "lumbar disc displacement", "low back pain",
      "lumbar spondylosis", "lumbar strain", "spinal stenosis", NULL}},
    {{"cervicalgia", "cervical disc displacement", "cervical "
      "radiculopathy", "neck strain", "cervical spondylosis", NULL}},
    {{"right shoulder impingement", "rotator cuff tear", "left shoulder "
      "tendinitis", "adhesive capsulitis", "shoulder contusion", NULL}},
    {{"left knee meniscal tear", "chondromalacia patella", "right knee "
      "osteoarthritis", "knee sprain", NULL}},
    {{"carpal tunnel syndrome", "lateral epicondylitis", "trigger finger",
      "wrist sprain", NULL}},
    {{"chronic pain syndrome", "myofascial pain syndrome", "post-"
      "laminectomy syndrome", "insomnia", "depression", "anxiety", NULL}},
};
const size_t gen_n_dxs = N(gen_dxs);

const struct gen_reviewer gen_reviewers[] = {
    {{"Preventive Medicine", "Occupational Medicine", NULL}, 45},
    {{"Family Practice", NULL, NULL}, 43},
    {{"Physical Medicine & Rehabilitation", "Pain Management", NULL}, 17},
    {{"Physical Medicine & Rehabilitation", NULL, NULL}, 15},
    {{"Internal Medicine", NULL, NULL}, 10},
    {{"Orthopedic Surgery", "Sports Medicine", NULL}, 10},
    {{"Anesthesiology", "Pain Management", NULL}, 8},
    {{"Emergency Medicine", NULL, NULL}, 5},
    {{"Neurology", "Pain Management", NULL}, 3},
    {{"Internal Medicine", "Hospice & Palliative Medicine", NULL}, 4},
    {{"Chiropractor", NULL, NULL}, 2},
    {{"Psychiatry", NULL, NULL}, 2},
    {{"Neurological Surgery", NULL, NULL}, 2},
    {{"Orthopedic Surgery", "Hand Surgery", "Sports Medicine"}, 2},
    {{"Public Health & General Preventive Medicine", NULL, NULL}, 5},
};
const size_t gen_n_reviewers = N(gen_reviewers);

const char *const gen_states[] = {
    "Texas", "Arizona", "New York", "Florida", "North Carolina", "Oregon",
    "Washington", "Illinois", "Nevada", "Ohio",
};
const size_t gen_n_states = N(gen_states);

const char *const gen_mechanisms[] = {
    "lifting a heavy box", "slipping on a wet floor",
    "typing at a keyboard", "driving a delivery truck",
    "pulling a pallet jack", "falling from a ladder",
    "unloading produce from a trailer", "restraining a patient",
    "reaching overhead", "stepping off a forklift",
};
const size_t gen_n_mechanisms = N(gen_mechanisms);

/* Placeholders: \x01 is an apostrophe, \x02 an e with acute accent; the
 * writer renders them per letter (ASCII, UTF-8 or Windows-1252). */
const char *const gen_jobs[] = {
    "warehouse worker", "bus driver", "caf\x02 cook", "nurse assistant",
    "grocery clerk", "electrician", "school custodian", "office "
    "assistant", "roofer", "home care aide", "sous-chef at a brasserie "
    "caf\x02", "farm laborer",
};
const size_t gen_n_jobs = N(gen_jobs);
