/* Dispatch of one input file by its content (not its name): "%PDF-" ->
 * lib/pdf.c then the letter parser; a DMHC CSV header or the DMHC case
 * text form -> lib/dmhc.c; anything else -> the letter parser. */
#include "imr/input.h"
#include "imr/dmhc.h"
#include "imr/imr.h"
#include "imr/parse.h"
#include "imr/pdf.h"

#include <stdlib.h>
#include <string.h>

/* Frees what IN holds and zeroes it. */
void imr_input_free(struct imr_input *in)
{
    size_t i;

    for (i = 0; i < in->n_recs; i++)
        imr_record_free(in->recs[i]);
    free(in->recs);
    imr_strv_free(in->skipped, in->n_skipped);
    memset(in, 0, sizeof(*in));
}

/* Makes IN hold the one record REC (taken over). */
static int one(struct imr_input *in, struct imr_record *rec, char *err)
{
    in->recs = malloc(sizeof(*in->recs));
    if (in->recs == NULL) {
        imr_record_free(rec);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    in->recs[0] = rec;
    in->n_recs = 1;
    return IMR_OK;
}

/* One file's bytes -> its records (IN, imr_input_free), dispatched
 * by content; IMR_OK or the rejection reason in ERR (see input.h). */
int imr_input_parse(const char *data, size_t len, const char *source,
                    struct imr_input *in, char *err)
{
    struct imr_record *rec = NULL;
    struct imr_dmhc_rows rows;
    char *text = NULL;
    size_t text_len = 0;
    int rc;

    memset(in, 0, sizeof(*in));
    if (imr_pdf_is_pdf(data, len)) {
        in->kind = "pdf";
        if ((rc = imr_pdf_text(data, len, &text, &text_len, err))
            != IMR_OK)
            return rc;
        rc = imr_parse_letter(text, text_len, source, &rec, err);
        free(text);
        return rc != IMR_OK ? rc : one(in, rec, err);
    }
    if (imr_dmhc_is_csv(data, len)) {
        in->kind = "dmhc_csv";
        if ((rc = imr_dmhc_parse_csv(data, len, source, &rows, err))
            != IMR_OK)
            return rc;
        in->recs = rows.recs;
        in->n_recs = rows.n_recs;
        in->skipped = rows.skipped;
        in->n_skipped = rows.n_skipped;
        if (in->n_recs == 0) {
            rc = imr_seterr(err, IMR_EINVAL, "DMHC CSV without a good row"
                            " (%zu skipped%s%s)", in->n_skipped,
                            in->n_skipped ? ", first: " : "",
                            in->n_skipped ? in->skipped[0] : "");
            imr_input_free(in);
            return rc;
        }
        return IMR_OK;
    }
    if (imr_dmhc_is_text(data, len)) {
        in->kind = "dmhc_text";
        if ((rc = imr_dmhc_parse_text(data, len, source, &rec, err))
            != IMR_OK)
            return rc;
        return one(in, rec, err);
    }
    in->kind = "letter";
    if ((rc = imr_parse_letter(data, len, source, &rec, err)) != IMR_OK)
        return rc;
    return one(in, rec, err);
}
