/* The DMHC (Department of Managed Health Care) IMR open data: the CSV of
 * the CHHS portal (comma or semicolon separated, quoted fields with
 * embedded newlines, with or without the Findings column) and the
 * one-file-per-case text form. Each case becomes a record with program
 * "dmhc" and one item. */
#ifndef IMR_DMHC_H
#define IMR_DMHC_H
#include <stddef.h>
#include "imr/record.h"

/* Nonzero when DATA (LEN bytes) is a DMHC IMR CSV: its first line names
 * the Reference ID and Determination columns. */
int imr_dmhc_is_csv(const char *data, size_t len);
/* Nonzero when DATA is the one-case text form (a "Reference ID:" and a
 * "Determination: ... Decision of Health Plan" line near the top). */
int imr_dmhc_is_text(const char *data, size_t len);

/* The records of a CSV, and the rows that were skipped. */
struct imr_dmhc_rows {
    struct imr_record **recs;   /* one per good row, in file order */
    size_t n_recs;
    char **skipped;             /* "line N: why" per malformed row */
    size_t n_skipped;
};

/* Parses the DMHC CSV in DATA read from SOURCE into OUT (zeroed first;
 * imr_dmhc_rows_free). Malformed rows (wrong field count, no Reference
 * ID, unknown Determination, an unterminated quote) are skipped and
 * listed with their line number. Returns IMR_OK, IMR_EINVAL (no usable
 * header: ERR says which column is missing), IMR_ENOMEM. */
int imr_dmhc_parse_csv(const char *data, size_t len, const char *source,
                       struct imr_dmhc_rows *out, char *err);
/* Frees what OUT holds and zeroes it. */
void imr_dmhc_rows_free(struct imr_dmhc_rows *out);

/* Parses one case in the text form. IMR_OK and *OUT, IMR_ENOTLETTER (not
 * that form, or no Reference ID / Determination: ERR says which),
 * IMR_ENOMEM. */
int imr_dmhc_parse_text(const char *data, size_t len, const char *source,
                        struct imr_record **out, char *err);

/* Finds the guidelines a findings text cites (ASAM, FDA labelling,
 * NCCN, "American College of ..." and other specialty societies, ...)
 * and adds one reviewer citation per guideline to ITEM, with the
 * sentence that first names it. IMR_OK or IMR_ENOMEM. */
int imr_dmhc_cite(const char *findings, struct imr_item *item);

#endif
