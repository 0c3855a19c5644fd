/* The citation normaliser: guideline statements as the letters write them
 * ("Decision based on MTUS Chronic Pain Medical Treatment Guidelines
 * Page(s): 30-32, 49") -> structured citations (guideline, document,
 * chapter, edition, sections, page ranges). */
#ifndef IMR_CITE_H
#define IMR_CITE_H
#include "imr/record.h"

/* Parses the guideline statement TEXT made by BY and appends one citation
 * per guideline it names to ITEM (none for "did not cite any medical
 * evidence"). TEXT may hold line breaks and "Electro-\ndiagnostic"
 * hyphens. Returns IMR_OK, IMR_ENOMEM (the citations added so far stay
 * in ITEM), or IMR_EINVAL with ERR (NULL arguments, TEXT over 64 KiB).
 * The normalisation rules are at the top of lib/cite.c. */
int imr_cite_parse(const char *text, enum imr_by by, struct imr_item *item,
                   char *err);

/* Parses a page list ("30-34", "30-32, 49", "111-13", "49 and 51") and
 * appends its ranges to C. Returns the number of ranges added (>= 0) or
 * IMR_ENOMEM. */
int imr_pages_parse(const char *text, struct imr_citation *c);

/* The ACOEM 2nd-edition chapter number (1-16) C cites, or 0. The MTUS
 * body-part chapters are ACOEM chapters: "MTUS Low Back Complaints 2004"
 * and "ACOEM Chapter 12" both get document "ACOEM Practice Guidelines"
 * and chapter "12 Low Back Complaints" (guideline "MTUS" or "ACOEM" as
 * written), so a search for "ACOEM ch. 12" matches document = 'ACOEM
 * Practice Guidelines' AND chapter LIKE '12 %'. */
int imr_cite_acoem_chapter(const struct imr_citation *c);

#endif
