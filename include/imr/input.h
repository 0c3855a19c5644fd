/* Input files of any supported kind -> records, dispatched by content: a
 * PDF (text extracted in-process), a DMHC open-data CSV (many records),
 * the DMHC one-case text form, or a letter as text (pdftotext output). */
#ifndef IMR_INPUT_H
#define IMR_INPUT_H
#include <stddef.h>
#include "imr/record.h"

/* What one input file gave. */
struct imr_input {
    const char *kind;           /* "letter", "pdf", "dmhc_csv",
                                   "dmhc_text" (static) */
    struct imr_record **recs;   /* the records, in file order */
    size_t n_recs;
    char **skipped;             /* DMHC CSV: "line N: why" per bad row */
    size_t n_skipped;
};

/* Reads the LEN bytes of DATA from SOURCE into IN (zeroed first;
 * imr_input_free). Returns IMR_OK with at least one record, or the
 * reason in ERR: IMR_ENOTLETTER (no determination, image-only PDF),
 * IMR_EINVAL (damaged/encrypted PDF, CSV without the needed columns or
 * without a good row), IMR_ELIMIT (huge PDF), IMR_ENOMEM. */
int imr_input_parse(const char *data, size_t len, const char *source,
                    struct imr_input *in, char *err);
/* Frees what IN holds and zeroes it. */
void imr_input_free(struct imr_input *in);

#endif
