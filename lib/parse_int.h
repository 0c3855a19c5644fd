/* Internal: what lib/parse.c (letter-level fields) and lib/parse_items.c
 * (disputed items) share. Not part of the public API. */
#ifndef IMR_PARSE_INT_H
#define IMR_PARSE_INT_H
#include <stddef.h>
#include "imr/record.h"

#define IMR_PARSE_MAX_ITEMS 200   /* items kept per letter */

enum imr_format {
    IMR_FMT_NONE = 0,
    IMR_FMT_CASE_HEADER,         /* "case_number_header" */
    IMR_FMT_MAXIMUS,             /* "maximus_final" */
    IMR_FMT_MPR                  /* "medical_professional_review" */
};

/* parse.c */

/* Case-sensitive search of NEEDLE in T[FROM, TO); NULL if absent. */
const char *Imr_parse_find(const char *t, size_t from, size_t to,
                           const char *needle);
/* Case-insensitive variant of Imr_parse_find. */
/* parse.c: N bytes at S as a new string (free()); NULL on OOM. */
char *Imr_parse_dupn(const char *s, size_t n);

const char *Imr_parse_find_ci(const char *t, size_t from, size_t to,
                              const char *needle);
/* Decision read from the conclusion wording of the N bytes at S: the last
 * "medically necessary" is upheld when "not" comes just before it. */
enum imr_decision Imr_parse_conclusion(const char *s, size_t n);

/* parse_items.c */

/* Finds the disputed items of a "Case Number:" or MAXIMUS letter in
 * T[LO, HI) and appends them to REC (treatment, decision, citations,
 * rationale, category). IMR_OK or IMR_ENOMEM. */
int Imr_parse_items(struct imr_record *rec, const char *t, size_t lo,
                    size_t hi, char *err);
/* Appends the items of a "MEDICAL PROFESSIONAL REVIEW" letter in T[0, N):
 * one per numbered ISSUE AT DISPUTE entry or guideline/rationale block.
 * IMR_OK or IMR_ENOMEM. */
int Imr_parse_mpr_items(struct imr_record *rec, const char *t, size_t n,
                        char *err);
/* Sets category and subcategory of IT from its treatment, cites TEXT (N
 * bytes) by BY. Both return IMR_OK or IMR_ENOMEM. */
int Imr_parse_classify(struct imr_item *it);
int Imr_parse_cite(struct imr_item *it, const char *text, size_t n,
                   enum imr_by by, char *err);

#endif
