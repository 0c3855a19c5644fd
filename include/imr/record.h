/* The structured record of one IMR determination letter, as the parser
 * produces it, the index stores it and `imr-index parse` prints it.
 * All strings are UTF-8 and owned by the record; NULL means "not found". */
#ifndef IMR_RECORD_H
#define IMR_RECORD_H
#include <stddef.h>
#include <jansson.h>

enum imr_decision {
    IMR_DECISION_UNKNOWN = 0,
    IMR_DECISION_UPHELD,       /* the denial stands: not medically necessary */
    IMR_DECISION_OVERTURNED    /* the treatment is medically necessary */
};

enum imr_by {
    IMR_BY_CLAIMS_ADMINISTRATOR = 0,  /* "Claims Administrator guideline:" */
    IMR_BY_REVIEWER                   /* "MAXIMUS guideline:" / rationale */
};

struct imr_page_range {
    int from;   /* first page, >= 1 */
    int to;     /* last page, >= from */
};

struct imr_citation {
    enum imr_by by;
    char *guideline;   /* "MTUS", "ACOEM", "ODG" or another name */
    char *document;    /* "Chronic Pain Medical Treatment Guidelines", ... */
    char *chapter;     /* "12 Low Back Complaints", "Low Back" or NULL */
    char *edition;     /* "2004", "2009", "2016" or NULL */
    char **sections;   /* "Section(s):" topics */
    size_t n_sections;
    struct imr_page_range *pages;
    size_t n_pages;
    char *text;        /* the citation as written (whitespace joined) */
};

struct imr_item {
    int n;                         /* 1-based position in the letter */
    char *treatment;               /* the disputed item as written */
    enum imr_decision decision;
    struct imr_citation *citations;
    size_t n_citations;
    char *rationale;
    char *category;                /* DWC treatment category or NULL */
    char *subcategory;             /* DWC sub category or NULL */
};

struct imr_record {
    char *id;              /* case number, else the file name sans extension */
    char *case_number;     /* "CM13-0012345" or NULL */
    char *format;          /* "case_number_header", "maximus_final",
                              "medical_professional_review" */
    char *program;         /* "dwc" */
    char *source;          /* the path it was read from */
    char *date_assigned;   /* dates are "YYYY-MM-DD" or NULL */
    char *date_injury;
    char *date_decision;
    char *date_ur_denial;
    char *date_received;
    int age;               /* years, or -1 when unknown */
    char *gender;          /* "female", "male" or NULL */
    char **diagnoses;
    size_t n_diagnoses;
    char **specialties;    /* reviewer board certifications / specialties */
    size_t n_specialties;
    char **licensure;      /* reviewer's states of licensure */
    size_t n_licensure;
    struct imr_item *items;
    size_t n_items;
    char *summary;         /* the clinical case summary, or NULL */
    char *text;            /* the whole letter, cleaned, UTF-8 */
    char **warnings;       /* what could not be read, in words */
    size_t n_warnings;
    /* DMHC open data (program "dmhc"); NULL / 0 for DWC letters. */
    char *review_type;     /* "medical necessity",
                              "experimental/investigational", "urgent care" */
    char *age_range;       /* "41-50", "65+" */
    int report_year;       /* the data set's Report Year, or 0 */
    char *diag_category;   /* DMHC Diagnosis Category / Sub Category */
    char *diag_subcategory;
};

/* Allocates an empty record (age -1, program "dwc"). NULL on OOM. */
struct imr_record *imr_record_new(void);
/* Frees the record and everything it owns; NULL is allowed. */
void imr_record_free(struct imr_record *rec);

/* Appends a copy of S to the string vector *V of *N entries.
 * Returns IMR_OK or IMR_ENOMEM (the vector is unchanged then). */
int imr_strv_push(char ***v, size_t *n, const char *s);
/* Frees a string vector of N entries; NULL is allowed. */
void imr_strv_free(char **v, size_t n);

/* Appends a formatted warning to REC. IMR_OK or IMR_ENOMEM. */
int imr_record_warn(struct imr_record *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a zeroed item (n = count after append) and returns it through
 * OUT. The pointer is valid until the next append. IMR_OK or IMR_ENOMEM. */
int imr_record_add_item(struct imr_record *rec, struct imr_item **out);
/* Appends a zeroed citation to ITEM; same contract as above. */
int imr_item_add_citation(struct imr_item *item, struct imr_citation **out);
/* Appends the page range [FROM, TO] to C. IMR_OK, IMR_EINVAL, IMR_ENOMEM. */
int imr_citation_add_pages(struct imr_citation *c, int from, int to);

/* The letter-level outcome computed from the items: "upheld" (every known
 * item upheld), "overturned" (every known item overturned), "partially
 * overturned" (some of each), or NULL when no item has a decision. */
const char *imr_record_outcome(const struct imr_record *rec);

const char *imr_decision_name(enum imr_decision d);  /* "upheld", ... */
const char *imr_by_name(enum imr_by by);     /* "claims_administrator", ... */
/* Parses "upheld"/"overturned"/"unknown"; returns -1 for anything else. */
int imr_decision_parse(const char *s);

/* Builds the JSON object of the `imr-index parse` contract. With
 * WITH_TEXT the whole letter text is included as "text" (and "summary").
 * Returns a new reference, or NULL on OOM. */
json_t *imr_record_to_json(const struct imr_record *rec, int with_text);
/* Rebuilds a record from JSON made by imr_record_to_json (or truth.jsonl
 * lines). Unknown fields are ignored. IMR_OK, IMR_EINVAL (ERR says which
 * field), IMR_ENOMEM. */
int imr_record_from_json(const json_t *obj, struct imr_record **out,
                         char *err);

#endif
