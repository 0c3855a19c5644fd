/* PDF letters (lib/pdf.c, lib/input.c): every real letter of
 * ../shared/corpus-real/dwc-imrcrawler gives, from its PDF, the same
 * record as from its pdftotext -layout text, field by field (all but
 * "source"); PDFs written here by hand check the rejections: damaged
 * (truncated, garbage), encrypted, image-only (advice to OCR), huge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imr/buf.h"
#include "imr/imr.h"
#include "imr/input.h"
#include "imr/parse.h"
#include "imr/pdf.h"
#include "testutil.h"

#define REAL_DIR "corpus-real/dwc-imrcrawler"

/* Writes a PDF of the N objects OBJ (object i+1 = OBJ[i]; object 1 is
 * the catalog) with a correct xref table into B. ENCRYPT_OBJ > 0 adds
 * "/Encrypt ENCRYPT_OBJ 0 R" and an /ID to the trailer. */
static void mkpdf(struct imr_buf *b, const char *const *obj, size_t n,
                  int encrypt_obj)
{
    size_t *off = calloc(n + 1, sizeof(*off)), i, xref;

    assert_non_null(off);
    imr_buf_adds(b, "%PDF-1.4\n");
    for (i = 0; i < n; i++) {
        off[i] = b->n;
        imr_buf_addf(b, "%zu 0 obj\n%s\nendobj\n", i + 1, obj[i]);
    }
    xref = b->n;
    imr_buf_addf(b, "xref\n0 %zu\n0000000000 65535 f \n", n + 1);
    for (i = 0; i < n; i++)
        imr_buf_addf(b, "%010zu 00000 n \n", off[i]);
    imr_buf_addf(b, "trailer\n<< /Size %zu /Root 1 0 R", n + 1);
    if (encrypt_obj > 0)
        imr_buf_addf(b, " /Encrypt %d 0 R /ID [<0123456789abcdef0123456789"
                     "abcdef> <0123456789abcdef0123456789abcdef>]",
                     encrypt_obj);
    imr_buf_addf(b, " >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    assert_int_equal(imr_buf_error(b), IMR_OK);
    free(off);
}

static const char content[] =
    "<< /Length 52 >>\nstream\n"
    "BT /F1 12 Tf 72 700 Td (Hello from a PDF page) Tj ET\n"
    "endstream";

/* A one-page PDF with text (WITH_TEXT) or an empty page. */
static void one_page(struct imr_buf *b, int with_text, int encrypt)
{
    const char *obj[6] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        with_text
        ? "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
          " /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        : "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        content,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        /* Standard security handler, R2, with O/U that the empty user
         * password does not open: poppler asks for a password. */
        "<< /Filter /Standard /V 1 /R 2 /P -44"
        " /O <00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
        "eeff> /U <ffeeddccbbaa99887766554433221100ffeeddccbbaa998877665544"
        "33221100> >>"
    };

    mkpdf(b, obj, encrypt ? 6 : 5, encrypt ? 6 : 0);
}

static void expect_reject(const char *data, size_t len, int want_rc,
                          const char *want_words)
{
    char err[IMR_ERR_LEN] = "", *text = (char *)1;
    size_t tl = 1;
    int rc = imr_pdf_text(data, len, &text, &tl, err);

    fprintf(stderr, "  rejected (%d): %s\n", rc, err);
    assert_int_equal(rc, want_rc);
    assert_null(text);
    assert_non_null(strstr(err, want_words));
}

static void test_hand_made(void **state)
{
    struct imr_buf b = IMR_BUF_INIT, g = IMR_BUF_INIT;
    char err[IMR_ERR_LEN] = "", *text = NULL;
    size_t tl = 0;
    const char *pages[IMR_PDF_MAX_PAGES + 3];
    char kids[16 * (IMR_PDF_MAX_PAGES + 2)];
    size_t i, k;

    (void)state;
    one_page(&b, 1, 0);
    assert_true(imr_pdf_is_pdf(b.p, b.n));
    assert_int_equal(imr_pdf_text(b.p, b.n, &text, &tl, err), IMR_OK);
    assert_non_null(strstr(text, "Hello from a PDF page"));
    assert_int_equal(tl, strlen(text));
    assert_non_null(strchr(text, '\f'));
    free(text);

    /* Truncated (an unfinished download): no %%EOF trailer. */
    expect_reject(b.p, b.n * 2 / 3, IMR_EINVAL, "truncated");
    /* Damaged: a header, garbage and a trailer marker. */
    imr_buf_adds(&g, "%PDF-1.4\n\x01\x02 this is not a PDF body \xff\n"
                 "%%EOF\n");
    expect_reject(g.p, g.n, IMR_EINVAL, "damaged PDF");
    imr_buf_reset(&b);

    /* Image-only: a page without a text layer. */
    one_page(&b, 0, 0);
    expect_reject(b.p, b.n, IMR_ENOTLETTER, "OCR");
    imr_buf_reset(&b);

    /* Encrypted with a user password. */
    one_page(&b, 1, 1);
    expect_reject(b.p, b.n, IMR_EINVAL, "encrypted");
    imr_buf_reset(&b);

    /* Huge: more pages than IMR_PDF_MAX_PAGES. */
    k = 0;
    kids[0] = '\0';
    for (i = 0; i < IMR_PDF_MAX_PAGES + 1; i++)
        k += (size_t)snprintf(kids + k, sizeof(kids) - k, "%zu 0 R ",
                              i + 3);
    imr_buf_addf(&g, "<< /Type /Pages /Kids [%s] /Count %d >>", kids,
                 IMR_PDF_MAX_PAGES + 1);
    pages[0] = "<< /Type /Catalog /Pages 2 0 R >>";
    {
        struct imr_buf pg = IMR_BUF_INIT;

        imr_buf_adds(&pg, strstr(g.p, "<< /Type /Pages"));
        pages[1] = pg.p;
        for (i = 0; i < IMR_PDF_MAX_PAGES + 1; i++)
            pages[i + 2] = "<< /Type /Page /Parent 2 0 R"
                           " /MediaBox [0 0 612 792] >>";
        mkpdf(&b, pages, IMR_PDF_MAX_PAGES + 3, 0);
        expect_reject(b.p, b.n, IMR_ELIMIT, "huge");
        imr_buf_free(&pg);
    }
    imr_buf_free(&g);
    imr_buf_free(&b);
}

/* The record of the file at PATH as JSON without "source", or NULL. */
static json_t *record_json(const char *path)
{
    char err[IMR_ERR_LEN] = "";
    struct imr_input in;
    json_t *js = NULL;
    size_t n;
    char *s = tu_read_file(path, &n);

    if (s == NULL)
        return NULL;
    if (imr_input_parse(s, n, path, &in, err) == IMR_OK &&
        in.n_recs == 1) {
        js = imr_record_to_json(in.recs[0], 0);
        json_object_del(js, "source");
    } else {
        fprintf(stderr, "%s: %s\n", path, err);
    }
    imr_input_free(&in);
    free(s);
    return js;
}

/* Prints the top-level fields where A and B differ; returns how many. */
static int diff_fields(const char *stem, json_t *a, json_t *b)
{
    const char *key;
    json_t *v;
    int bad = 0;

    json_object_foreach(a, key, v) {
        if (!json_equal(v, json_object_get(b, key))) {
            fprintf(stderr, "%s: field \"%s\" differs (pdf vs layout)\n",
                    stem, key);
            bad++;
        }
    }
    json_object_foreach(b, key, v) {
        if (json_object_get(a, key) == NULL) {
            fprintf(stderr, "%s: field \"%s\" only in layout\n", stem, key);
            bad++;
        }
    }
    return bad;
}

static void test_real_pdfs(void **state)
{
    char dir[4096], path[4096 + 512 + 16], stem[512];
    struct dirent *e;
    size_t pdfs = 0, same = 0;
    DIR *d;

    (void)state;
    if (!tu_shared_present(REAL_DIR, "the PDF extraction test"))
        skip();
    d = opendir(tu_shared_path(dir, sizeof(dir), REAL_DIR));
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        json_t *a, *b;

        if (l < 5 || strcmp(e->d_name + l - 4, ".pdf") != 0 ||
            l - 4 >= sizeof(stem))
            continue;
        memcpy(stem, e->d_name, l - 4);
        stem[l - 4] = '\0';
        pdfs++;
        snprintf(path, sizeof(path), "%s/%s.pdf", dir, stem);
        a = record_json(path);
        snprintf(path, sizeof(path), "%s/%s.layout.txt", dir, stem);
        b = record_json(path);
        if (a != NULL && b != NULL && diff_fields(stem, a, b) == 0)
            same++;
        else if (a == NULL || b == NULL)
            fprintf(stderr, "%s: no record from %s\n", stem,
                    a == NULL ? "the PDF" : "the layout text");
        json_decref(a);
        json_decref(b);
    }
    closedir(d);
    fprintf(stderr, "real PDFs: %zu of %zu give the same record as their"
            " .layout.txt\n", same, pdfs);
    assert_true(pdfs >= 100);
    assert_int_equal(same, pdfs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_made),
        cmocka_unit_test(test_real_pdfs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
