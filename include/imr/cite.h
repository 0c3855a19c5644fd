/* The citation normaliser: guideline statements as the letters write them
 * ("Decision based on MTUS Chronic Pain Medical Treatment Guidelines
 * Page(s): 30-32, 49") -> structured citations (guideline, document,
 * chapter, edition, sections, page ranges). */
#ifndef IMR_CITE_H
#define IMR_CITE_H
#include "imr/record.h"

/* Parses the guideline statement TEXT made by BY and appends one citation
 * per guideline it names to ITEM (none for "did not cite any medical
 * evidence"). Returns IMR_OK, IMR_ENOMEM, or IMR_EINVAL with ERR. */
int imr_cite_parse(const char *text, enum imr_by by, struct imr_item *item,
                   char *err);

/* Parses a page list ("30-34", "30-32, 49", "111-13", "49 and 51") and
 * appends its ranges to C. Returns the number of ranges added (>= 0) or
 * IMR_ENOMEM. */
int imr_pages_parse(const char *text, struct imr_citation *c);

#endif
