/* The letter parser: bytes of one letter (pdftotext output, with or without
 * -layout, any of the three formats, with its noise) -> a record. */
#ifndef IMR_PARSE_H
#define IMR_PARSE_H
#include <stddef.h>
#include "imr/record.h"

/* Parses LEN bytes of DATA read from SOURCE (a path; its base name without
 * extension is the id when no case number is found). On success returns
 * IMR_OK and a new record in *OUT (imr_record_free); partial letters parse
 * with warnings. Returns IMR_ENOTLETTER when the bytes hold no
 * determination (empty, binary, unrelated text), with the reason in ERR;
 * IMR_ENOMEM on OOM. *OUT is NULL on failure. */
int imr_parse_letter(const char *data, size_t len, const char *source,
                     struct imr_record **out, char *err);

#endif
