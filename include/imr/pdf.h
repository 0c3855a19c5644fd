/* PDF letters: in-process text extraction with poppler (poppler-glib),
 * the way users download IMR letters from the DWC decision search. */
#ifndef IMR_PDF_H
#define IMR_PDF_H
#include <stddef.h>

#define IMR_PDF_MAX_BYTES (32L * 1024 * 1024)  /* larger: rejected (huge) */
#define IMR_PDF_MAX_PAGES 300                  /* more pages: rejected */

/* Nonzero when the LEN bytes of DATA start like a PDF ("%PDF-", after
 * at most 1 KB of leading junk, as readers accept). */
int imr_pdf_is_pdf(const char *data, size_t len);

/* Extracts the text layer of the PDF in DATA (LEN bytes) into *TEXT
 * (malloc'd, NUL-terminated, *TEXT_LEN bytes): the pages in order, each
 * followed by a form feed, as pdftotext writes them. Returns IMR_OK, or
 * with the reason in ERR and *TEXT NULL: IMR_EINVAL for an encrypted
 * (password-protected) or damaged PDF (unreadable, truncated: no %%EOF),
 * IMR_ENOTLETTER for an image-only PDF (no text layer: run OCR first),
 * IMR_ELIMIT for a huge one (IMR_PDF_MAX_BYTES, IMR_PDF_MAX_PAGES),
 * IMR_ENOMEM. Thread-safe: every call uses its own poppler document. */
int imr_pdf_text(const char *data, size_t len, char **text,
                 size_t *text_len, char *err);

#endif
