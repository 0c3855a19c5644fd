/* PDF text extraction with poppler-glib. The plain (reading order) text
 * of poppler_page_get_text parses to the same records as pdftotext
 * -layout output (tests/unit/test_pdf.c checks every real letter); the
 * parser already reads both pdftotext modes. Rejections say why: an
 * encrypted, damaged, truncated, image-only or huge PDF. */
#include "imr/pdf.h"
#include "imr/buf.h"
#include "imr/imr.h"

#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this many non-blank characters per document the PDF is taken to
 * have no text layer (a scanned letter). */
#define MIN_TEXT_CHARS 16

/* Nonzero when DATA starts like a PDF; see pdf.h. */
int imr_pdf_is_pdf(const char *data, size_t len)
{
    size_t lim = len < 1024 ? len : 1024, i;

    for (i = 0; i + 5 <= lim; i++)
        if (memcmp(data + i, "%PDF-", 5) == 0)
            return 1;
    return 0;
}

/* Nonzero when "%%EOF" occurs in the last 2 KB: a complete file. */
static int has_eof_marker(const char *data, size_t len)
{
    size_t from = len > 2048 ? len - 2048 : 0, i;

    for (i = len >= 5 ? len - 5 + 1 : 0; i-- > from;)
        if (memcmp(data + i, "%%EOF", 5) == 0)
            return 1;
    return 0;
}

/* Counts the characters of S that are not white space. */
static size_t non_blank(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t' &&
            *s != '\f')
            n++;
    return n;
}

/* Poppler 22 sets up process-wide state on first use without a lock:
 * poppler-glib's globalParams and GfxState's static sRGB/XYZ colour
 * profiles. Two extraction threads racing through that first use leak a
 * profile (LeakSanitizer caught it in CI) and race on a shared_ptr. So the
 * first extraction in the process, whichever thread makes it, is preceded
 * by one on a one-page PDF built here, under pthread_once, which blocks
 * every other thread until it is done. */
static pthread_once_t poppler_ready = PTHREAD_ONCE_INIT;

static void poppler_warm_up(void)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
         " /Contents 4 0 R >>"),
        "<< /Length 5 >>\nstream\nBT ET\nendstream",
    };
    enum { N_OBJS = sizeof objs / sizeof objs[0] };
    char pdf[1024];
    long offs[N_OBJS];
    int n = 0, i;
    PopplerDocument *doc;
    GBytes *bytes;

    n += snprintf(pdf + n, sizeof pdf - (size_t)n, "%%PDF-1.4\n");
    for (i = 0; i < N_OBJS; i++) {
        offs[i] = n;
        n += snprintf(pdf + n, sizeof pdf - (size_t)n,
                      "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    {
        long xref = n;

        n += snprintf(pdf + n, sizeof pdf - (size_t)n,
                      "xref\n0 %d\n0000000000 65535 f \n", N_OBJS + 1);
        for (i = 0; i < N_OBJS; i++)
            n += snprintf(pdf + n, sizeof pdf - (size_t)n,
                          "%010ld 00000 n \n", offs[i]);
        n += snprintf(pdf + n, sizeof pdf - (size_t)n,
                      "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n"
                      "%ld\n%%%%EOF\n", N_OBJS + 1, xref);
    }
    /* A failure here only means the race stays possible; extraction
     * itself reports its own errors. */
    bytes = g_bytes_new_static(pdf, (size_t)n);
    doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
    if (doc != NULL) {
        PopplerPage *page = poppler_document_get_page(doc, 0);

        if (page != NULL) {
            g_free(poppler_page_get_text(page));
            g_object_unref(page);
        }
        g_object_unref(doc);
    }
    g_bytes_unref(bytes);
}

/* PDF bytes -> text (malloc'd) or a rejection reason; see pdf.h. */
int imr_pdf_text(const char *data, size_t len, char **text,
                 size_t *text_len, char *err)
{
    PopplerDocument *doc = NULL;
    GBytes *bytes = NULL;
    GError *gerr = NULL;
    struct imr_buf out = IMR_BUF_INIT;
    size_t chars = 0;
    int rc = IMR_OK, n_pages, i;

    *text = NULL;
    *text_len = 0;
    if (len > (size_t)IMR_PDF_MAX_BYTES)
        return imr_seterr(err, IMR_ELIMIT, "huge PDF rejected: %zu bytes"
                          " (the limit is %ld MB)", len,
                          IMR_PDF_MAX_BYTES / (1024 * 1024));
    if (!imr_pdf_is_pdf(data, len))
        return imr_seterr(err, IMR_EINVAL, "damaged PDF: no %%PDF header");
    if (!has_eof_marker(data, len))
        return imr_seterr(err, IMR_EINVAL, "damaged PDF: truncated (no"
                          " %%EOF trailer; an unfinished download?)");
    pthread_once(&poppler_ready, poppler_warm_up);
    bytes = g_bytes_new_static(data, len);
    doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (doc == NULL) {
        if (gerr != NULL && gerr->domain == POPPLER_ERROR &&
            gerr->code == POPPLER_ERROR_ENCRYPTED)
            rc = imr_seterr(err, IMR_EINVAL, "encrypted PDF: it needs a"
                            " password; save an unprotected copy first");
        else
            rc = imr_seterr(err, IMR_EINVAL, "damaged PDF: %s",
                            gerr != NULL ? gerr->message : "unreadable");
        goto done;
    }
    n_pages = poppler_document_get_n_pages(doc);
    if (n_pages <= 0) {
        rc = imr_seterr(err, IMR_EINVAL, "damaged PDF: no pages");
        goto done;
    }
    if (n_pages > IMR_PDF_MAX_PAGES) {
        rc = imr_seterr(err, IMR_ELIMIT, "huge PDF rejected: %d pages (the"
                        " limit is %d)", n_pages, IMR_PDF_MAX_PAGES);
        goto done;
    }
    for (i = 0; i < n_pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        char *t = page != NULL ? poppler_page_get_text(page) : NULL;

        if (t != NULL) {
            chars += non_blank(t);
            imr_buf_adds(&out, t);
            if (out.n > 0 && out.p[out.n - 1] != '\n')
                imr_buf_addc(&out, '\n');
        }
        imr_buf_addc(&out, '\f');
        g_free(t);
        if (page != NULL)
            g_object_unref(page);
    }
    if (imr_buf_error(&out) != IMR_OK) {
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto done;
    }
    if (chars < MIN_TEXT_CHARS) {
        rc = imr_seterr(err, IMR_ENOTLETTER, "image-only PDF (%d page%s, no"
                        " text layer): run OCR on it first (e.g. ocrmypdf"
                        " IN.pdf OUT.pdf) and index the result", n_pages,
                        n_pages == 1 ? "" : "s");
        goto done;
    }
    *text_len = out.n;
    *text = imr_buf_take(&out);
    if (*text == NULL)
        rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
done:
    imr_buf_free(&out);
    if (gerr != NULL)
        g_error_free(gerr);
    if (doc != NULL)
        g_object_unref(doc);
    if (bytes != NULL)
        g_bytes_unref(bytes);
    return rc;
}
