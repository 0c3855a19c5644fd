/* DMHC IMR open data -> records (program "dmhc", one item per case).
 *
 * The CSV: the delimiter (comma or semicolon) is the one of the two that
 * occurs more often outside quotes in the header line; header names are
 * matched without case, spaces or underscores ("Reference ID" and
 * "ReferenceID" both work); fields may be quoted ("" is a quote) and hold
 * line breaks. Every row must have the header's field count, a Reference
 * ID and a Determination naming "Upheld" or "Overturned"; other rows are
 * skipped and listed as "line N: why" (N = the row's first line).
 *
 * The text form (one case per file): "Key: value" header lines
 * ("Diagnosis Category: A / B", "Patient: age 41 to 50, gender Female",
 * "IMR Type: ...", "Determination: ...") and the findings after the
 * FINDINGS line. */
#include "imr/dmhc.h"
#include "imr/buf.h"
#include "imr/imr.h"
#include "text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum field {
    F_REF, F_YEAR, F_DCAT, F_DSUB, F_TCAT, F_TSUB, F_DET, F_TYPE, F_AGE,
    F_GENDER, F_FIND, NF
};

/* Header names, lower case without spaces/underscores, per field. */
static const char *const col_names[NF] = {
    "referenceid", "reportyear", "diagnosiscategory",
    "diagnosissubcategory", "treatmentcategory", "treatmentsubcategory",
    "determination", "type", "agerange", "patientgender", "findings"
};

#define MAX_COLS 64

/* ---- small string helpers -------------------------------------------- */

/* Nonzero when the N bytes at S are valid UTF-8. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k, need;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xe0) == 0xc0 && s[i] >= 0xc2)
            need = 1;
        else if ((s[i] & 0xf0) == 0xe0)
            need = 2;
        else if ((s[i] & 0xf8) == 0xf0 && s[i] <= 0xf4)
            need = 3;
        else
            return 0;
        for (k = 1; k <= need; k++)
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

/* A copy of S (N bytes) with white space runs folded and the ends
 * trimmed, as UTF-8 (bytes of invalid UTF-8 are read as Latin-1); NULL
 * when empty or on OOM (*OOM set then). */
static char *clean_dup(const char *s, size_t n, int *oom)
{
    struct imr_buf b = IMR_BUF_INIT;
    char *flat;
    size_t i;

    if (!utf8_valid((const unsigned char *)s, n)) {
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c < 0x80) {
                imr_buf_addc(&b, (char)c);
            } else {
                imr_buf_addc(&b, (char)(0xc0 | (c >> 6)));
                imr_buf_addc(&b, (char)(0x80 | (c & 0x3f)));
            }
        }
        if (imr_buf_error(&b) != IMR_OK) {
            imr_buf_free(&b);
            *oom = 1;
            return NULL;
        }
        s = b.p != NULL ? b.p : "";
        n = b.n;
    }
    flat = Imr_text_flatten(s, n);
    imr_buf_free(&b);
    if (flat == NULL) {
        *oom = 1;
        return NULL;
    }
    if (flat[0] == '\0') {
        free(flat);
        return NULL;
    }
    return flat;
}

/* Lower-cases S in place (ASCII). */
static void lower(char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* "41 to 50", "11_20", "41-50" -> "41-50" in place. */
static void norm_age(char *s)
{
    char *w = s, *r = s;

    if (s == NULL)
        return;
    while (*r != '\0') {
        if (strncasecmp(r, " to ", 4) == 0) {
            *w++ = '-';
            r += 4;
        } else if (*r == '_' || *r == ' ') {
            if (*r == '_')
                *w++ = '-';
            r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* ---- guideline detection ---------------------------------------------- */

/* A fixed name and the guideline stored for it. */
struct known_source {
    const char *phrase;     /* matched without case, on word bounds */
    const char *guideline;
};

static const struct known_source known_sources[] = {
    { "american society of addiction medicine", "ASAM" },
    { "asam", "ASAM" },
    { "food and drug administration", "FDA" },
    { "fda", "FDA" },
    { "national comprehensive cancer network", "NCCN" },
    { "nccn", "NCCN" },
    { "uspstf", "USPSTF" },
    { "uptodate", "UpToDate" },
    { "interqual", "InterQual" },
    { "milliman", "MCG" },
    { "centers for medicare", "CMS" },
    { "cochrane", "Cochrane" },
    { "hayes", "Hayes" },
    { "world professional association for transgender health", "WPATH" },
    { "wpath", "WPATH" },
    { "locus", "LOCUS" },
    { "calocus", "CALOCUS" },
    { NULL, NULL }
};

/* Society names: "American College of Rheumatology", "American Academy
 * of Pediatrics", "American Society for ...", "... Association". */
static const char *const society_heads[] = {
    "American College of ", "American Academy of ", "American Society of ",
    "American Society for ", "American Association of ",
    "American Heart Association", "American Diabetes Association",
    "American Psychiatric Association", "American Cancer Society",
    "Endocrine Society", "Infectious Diseases Society of America", NULL
};

/* Nonzero when the byte before P (start S) and at P+N are not letters. */
static int word_at(const char *s, const char *p, size_t n)
{
    return (p == s || !isalnum((unsigned char)p[-1])) &&
           !isalnum((unsigned char)p[n]);
}

/* The sentence of TEXT around P, flattened (NULL on OOM). */
static char *sentence_at(const char *text, const char *p)
{
    const char *a = p, *b = p;
    size_t n;

    while (a > text && a[-1] != '.' && p - a < 300)
        a--;
    while (*b != '\0' && *b != '.' && b - p < 300)
        b++;
    if (*b == '.')
        b++;
    n = (size_t)(b - a);
    return Imr_text_flatten(a, n);
}

/* Adds a reviewer citation GUIDELINE (unless ITEM has it) with the
 * sentence around P. */
static int add_source(struct imr_item *item, const char *guideline,
                      const char *text, const char *p)
{
    struct imr_citation *c;
    size_t i;

    for (i = 0; i < item->n_citations; i++)
        if (strcmp(item->citations[i].guideline, guideline) == 0)
            return IMR_OK;
    if (imr_item_add_citation(item, &c) != IMR_OK)
        return IMR_ENOMEM;
    c->by = IMR_BY_REVIEWER;
    c->guideline = strdup(guideline);
    c->text = sentence_at(text, p);
    if (c->guideline == NULL || c->text == NULL)
        return IMR_ENOMEM;
    return IMR_OK;
}

/* Adds a reviewer citation per guideline FINDINGS names; IMR_OK or
 * IMR_ENOMEM (see dmhc.h). */
int imr_dmhc_cite(const char *findings, struct imr_item *item)
{
    size_t len, i, n;
    const char *p, *q;
    char name[160];

    if (findings == NULL)
        return IMR_OK;
    len = strlen(findings);
    for (i = 0; known_sources[i].phrase != NULL; i++) {
        n = strlen(known_sources[i].phrase);
        for (p = findings; (p = Imr_text_find(p, len - (size_t)(p -
                 findings), known_sources[i].phrase)) != NULL; p += n) {
            if (!word_at(findings, p, n))
                continue;
            /* "FDA" must be upper case: "fda" is no English word, but
             * "hayes"/"locus" as names are capitalised. */
            if (islower((unsigned char)p[0]))
                continue;
            if (add_source(item, known_sources[i].guideline, findings, p))
                return IMR_ENOMEM;
            break;
        }
    }
    for (i = 0; society_heads[i] != NULL; i++) {
        for (p = findings; (p = strstr(p, society_heads[i])) != NULL;
             p++) {
            q = p + strlen(society_heads[i]);
            /* Extend over capitalised words and "and"/"of"/"for". */
            while (*q == ' ' || isupper((unsigned char)*q)) {
                const char *w = q + (*q == ' ');

                if (isupper((unsigned char)*w) ||
                    strncmp(w, "of ", 3) == 0
                    || strncmp(w, "for ", 4) == 0) {
                    q = w;
                    while (isalpha((unsigned char)*q) || *q == '-')
                        q++;
                } else {
                    break;
                }
            }
            n = (size_t)(q - p);
            if (n >= sizeof(name))
                n = sizeof(name) - 1;
            memcpy(name, p, n);
            name[n] = '\0';
            /* Drop a trailing " and"/" of"/" for". */
            while (n > 0 && name[n - 1] == ' ')
                name[--n] = '\0';
            for (;;) {
                char *sp = strrchr(name, ' ');

                if (sp == NULL || (strcmp(sp, " and") && strcmp(sp, " of")
                                   && strcmp(sp, " for")))
                    break;
                *sp = '\0';
            }
            if (strchr(name, ' ') == NULL)
                continue;
            if (add_source(item, name, findings, p))
                return IMR_ENOMEM;
            break;
        }
    }
    return IMR_OK;
}

/* ---- one case -> record ----------------------------------------------- */

/* Builds the record of one case from its fields F (cleaned strings or
 * NULL; taken over). WHY gets the reason on IMR_EINVAL. */
static int case_record(char **f, const char *source, const char *format,
                       struct imr_record **out, char *why, size_t why_len)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *item = NULL;
    struct imr_buf t = IMR_BUF_INIT;
    int rc = IMR_ENOMEM, d;

    *out = NULL;
    if (rec == NULL)
        goto done;
    if (f[F_REF] == NULL) {
        snprintf(why, why_len, "no Reference ID");
        rc = IMR_EINVAL;
        goto done;
    }
    d = f[F_DET] == NULL ? -1
        : Imr_text_find(f[F_DET], strlen(f[F_DET]), "overturned") != NULL
        ? IMR_DECISION_OVERTURNED
        : Imr_text_find(f[F_DET], strlen(f[F_DET]), "upheld") != NULL
        ? IMR_DECISION_UPHELD : -1;
    if (d < 0) {
        snprintf(why, why_len, "%s: Determination \"%.60s\" is neither"
                 " upheld nor overturned", f[F_REF],
                 f[F_DET] ? f[F_DET] : "");
        rc = IMR_EINVAL;
        goto done;
    }
    free(rec->program);
    rec->program = strdup("dmhc");
    rec->format = strdup(format);
    rec->source = strdup(source);
    rec->id = strdup(f[F_REF]);
    rec->case_number = strdup(f[F_REF]);
    if (rec->program == NULL || rec->format == NULL || rec->source == NULL
        || rec->id == NULL || rec->case_number == NULL)
        goto done;
    if (f[F_YEAR] != NULL) {
        long y = strtol(f[F_YEAR], NULL, 10);

        rec->report_year = y >= 1990 && y <= 2100 ? (int)y : 0;
    }
    lower(f[F_TYPE]);
    lower(f[F_GENDER]);
    norm_age(f[F_AGE]);
    rec->review_type = f[F_TYPE];
    rec->gender = f[F_GENDER];
    rec->age_range = f[F_AGE];
    rec->diag_category = f[F_DCAT];
    rec->diag_subcategory = f[F_DSUB];
    f[F_TYPE] = f[F_GENDER] = f[F_AGE] = f[F_DCAT] = f[F_DSUB] = NULL;
    if (rec->diag_subcategory != NULL &&
        imr_strv_push(&rec->diagnoses, &rec->n_diagnoses,
                      rec->diag_subcategory) != IMR_OK)
        goto done;
    if (rec->diag_category != NULL &&
        imr_strv_push(&rec->diagnoses, &rec->n_diagnoses,
                      rec->diag_category) != IMR_OK)
        goto done;
    if (imr_record_add_item(rec, &item) != IMR_OK)
        goto done;
    item->decision = (enum imr_decision)d;
    item->category = f[F_TCAT];
    item->subcategory = f[F_TSUB];
    item->rationale = f[F_FIND];
    f[F_TCAT] = f[F_TSUB] = f[F_FIND] = NULL;
    item->treatment = strdup(item->subcategory ? item->subcategory
                             : item->category ? item->category
                             : "(not given)");
    if (item->treatment == NULL ||
        imr_dmhc_cite(item->rationale, item) != IMR_OK)
        goto done;
    imr_buf_addf(&t, "DMHC Independent Medical Review %s (%d)\n"
                 "Diagnosis: %s / %s\nTreatment: %s / %s\nType: %s\n"
                 "Patient: %s, %s\nDetermination: %s\n", rec->id,
                 rec->report_year,
                 rec->diag_category ? rec->diag_category : "-",
                 rec->diag_subcategory ? rec->diag_subcategory : "-",
                 item->category ? item->category : "-",
                 item->subcategory ? item->subcategory : "-",
                 rec->review_type ? rec->review_type : "-",
                 rec->age_range ? rec->age_range : "age unknown",
                 rec->gender ? rec->gender : "gender unknown",
                 imr_decision_name(item->decision));
    if (item->rationale != NULL)
        imr_buf_addf(&t, "\nFindings: %s\n", item->rationale);
    if ((rec->text = imr_buf_take(&t)) == NULL)
        goto done;
    *out = rec;
    rec = NULL;
    rc = IMR_OK;
done:
    for (d = 0; d < NF; d++) {
        free(f[d]);
        f[d] = NULL;
    }
    imr_buf_free(&t);
    imr_record_free(rec);
    return rc;
}

/* ---- CSV -------------------------------------------------------------- */

/* A CSV reader over a byte range. */
struct csv {
    const char *p, *end;
    char delim;
    long line;           /* line of p, 1-based */
};

/* One parsed row: fields as (start, length) into a shared buffer. */
struct csv_row {
    struct imr_buf buf;  /* field bytes, each NUL-terminated */
    size_t off[MAX_COLS];
    size_t n;            /* fields (capped at MAX_COLS, see over) */
    size_t over;         /* fields beyond MAX_COLS */
    long line;           /* first line of the row */
    int bad_quote;       /* ended inside a quoted field */
};

/* Reads the next row into R. Returns 0 at the end of data, else 1. Blank
 * lines are skipped. */
static int csv_next(struct csv *c, struct csv_row *r)
{
    int quoted = 0, field_start = 1;

    imr_buf_reset(&r->buf);
    r->n = r->over = 0;
    r->bad_quote = 0;
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    r->line = c->line;
    r->off[r->n++] = 0;
    while (c->p < c->end) {
        char ch = *c->p++;

        if (quoted) {
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    imr_buf_addc(&r->buf, '"');
                    c->p++;
                } else {
                    quoted = 0;
                }
                continue;
            }
            if (ch == '\n')
                c->line++;
            imr_buf_addc(&r->buf, ch);
            continue;
        }
        if (ch == '"' && field_start) {
            quoted = 1;
            field_start = 0;
            continue;
        }
        if (ch == '\r' && c->p < c->end && *c->p == '\n')
            continue;
        if (ch == '\n' || ch == '\r') {
            c->line++;
            break;
        }
        if (ch == c->delim) {
            imr_buf_addc(&r->buf, '\0');
            if (r->n < MAX_COLS)
                r->off[r->n++] = r->buf.n;
            else
                r->over++;
            field_start = 1;
            continue;
        }
        field_start = 0;
        imr_buf_addc(&r->buf, ch);
    }
    imr_buf_addc(&r->buf, '\0');
    r->bad_quote = quoted;
    return 1;
}

/* Field I of R (NUL-terminated). */
static const char *csv_field(const struct csv_row *r, size_t i)
{
    return r->buf.p + r->off[i];
}

/* "Reference ID" -> "referenceid" into OUT (size N). */
static void norm_name(const char *s, char *out, size_t n)
{
    size_t k = 0;

    if (strncmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3;
    for (; *s != '\0' && k + 1 < n; s++)
        if (isalnum((unsigned char)*s))
            out[k++] = (char)tolower((unsigned char)*s);
    out[k] = '\0';
}

/* The delimiter of the first line: ';' or ','. */
static char sniff_delim(const char *data, size_t len)
{
    size_t i, semi = 0, comma = 0;
    int q = 0;

    for (i = 0; i < len && data[i] != '\n'; i++) {
        if (data[i] == '"')
            q = !q;
        else if (!q && data[i] == ';')
            semi++;
        else if (!q && data[i] == ',')
            comma++;
    }
    return semi > comma ? ';' : ',';
}

/* Nonzero when the first line is a DMHC IMR CSV header. */
int imr_dmhc_is_csv(const char *data, size_t len)
{
    size_t n = 0;
    char norm[1024], line[1024];

    while (n < len && n < sizeof(line) && data[n] != '\n')
        n++;
    if (n == 0 || n >= sizeof(line))
        return 0;
    memcpy(line, data, n);
    line[n] = '\0';
    norm_name(line, norm, sizeof(norm));
    return strncmp(norm, "referenceid", 11) == 0 &&
           strstr(norm, "determination") != NULL;
}

/* Frees the records and skipped-row notes of OUT; zeroes it. */
void imr_dmhc_rows_free(struct imr_dmhc_rows *out)
{
    size_t i;

    for (i = 0; i < out->n_recs; i++)
        imr_record_free(out->recs[i]);
    free(out->recs);
    imr_strv_free(out->skipped, out->n_skipped);
    memset(out, 0, sizeof(*out));
}

/* Appends REC to OUT. IMR_OK or IMR_ENOMEM. */
static int rows_push(struct imr_dmhc_rows *out, struct imr_record *rec,
                     size_t *cap)
{
    struct imr_record **v;

    if (out->n_recs == *cap) {
        *cap = *cap * 2 + 64;
        v = realloc(out->recs, *cap * sizeof(*v));
        if (v == NULL)
            return IMR_ENOMEM;
        out->recs = v;
    }
    out->recs[out->n_recs++] = rec;
    return IMR_OK;
}

/* CSV -> records + skipped rows; IMR_OK, IMR_EINVAL (no usable
 * header), IMR_ENOMEM. OUT is freed with imr_dmhc_rows_free. */
int imr_dmhc_parse_csv(const char *data, size_t len, const char *source,
                       struct imr_dmhc_rows *out, char *err)
{
    struct csv c;
    struct csv_row r;
    int col[NF];
    char name[128], why[IMR_ERR_LEN + 64], line[IMR_ERR_LEN + 96];
    size_t n_cols, i, cap = 0;
    int rc = IMR_OK, oom = 0;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    c.p = data;
    c.end = data + len;
    c.delim = sniff_delim(data, len);
    c.line = 1;
    if (!csv_next(&c, &r)) {
        rc = imr_seterr(err, IMR_EINVAL, "empty CSV");
        goto done;
    }
    n_cols = r.n + r.over;
    for (i = 0; i < NF; i++)
        col[i] = -1;
    for (i = 0; i < r.n; i++) {
        size_t k;

        norm_name(csv_field(&r, i), name, sizeof(name));
        for (k = 0; k < NF; k++)
            if (col[k] < 0 && strcmp(name, col_names[k]) == 0)
                col[k] = (int)i;
    }
    if (col[F_REF] < 0 || col[F_DET] < 0) {
        rc = imr_seterr(err, IMR_EINVAL, "not a DMHC IMR CSV: no %s column",
                        col[F_REF] < 0 ? "Reference ID" : "Determination");
        goto done;
    }
    while (csv_next(&c, &r)) {
        char *f[NF];
        struct imr_record *rec = NULL;

        if (imr_buf_error(&r.buf) != IMR_OK) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
        why[0] = '\0';
        if (r.bad_quote)
            snprintf(why, sizeof(why), "unterminated quoted field");
        else if (r.n + r.over != n_cols)
            snprintf(why, sizeof(why), "%zu fields, the header has %zu",
                     r.n + r.over, n_cols);
        if (why[0] == '\0') {
            for (i = 0; i < NF; i++) {
                const char *s = col[i] >= 0 ? csv_field(&r, (size_t)col[i])
                                : "";

                f[i] = clean_dup(s, strlen(s), &oom);
            }
            if (oom) {
                for (i = 0; i < NF; i++)
                    free(f[i]);
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto done;
            }
            rc = case_record(f, source, "dmhc_open_data", &rec, why,
                             sizeof(why));
            if (rc == IMR_ENOMEM) {
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto done;
            }
            rc = IMR_OK;
        }
        if (rec != NULL) {
            if ((rc = rows_push(out, rec, &cap)) != IMR_OK) {
                imr_record_free(rec);
                rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
                goto done;
            }
            continue;
        }
        snprintf(line, sizeof(line), "line %ld: %s", r.line, why);
        if (imr_strv_push(&out->skipped, &out->n_skipped, line) != IMR_OK) {
            rc = imr_seterr(err, IMR_ENOMEM, "out of memory");
            goto done;
        }
    }
done:
    imr_buf_free(&r.buf);
    if (rc != IMR_OK)
        imr_dmhc_rows_free(out);
    return rc;
}

/* ---- the text form ---------------------------------------------------- */

/* The value of the header line "LABEL: value" in the N bytes at S (before
 * the FINDINGS line), or NULL. *VLEN gets its length. */
static const char *header_value(const char *s, size_t n, const char *label,
                                size_t *vlen)
{
    const char *p = s, *eol;
    size_t ll = strlen(label);

    while (p < s + n) {
        eol = memchr(p, '\n', (size_t)(s + n - p));
        if (eol == NULL)
            eol = s + n;
        if ((size_t)(eol - p) > ll && strncasecmp(p, label, ll) == 0 &&
            p[ll] == ':') {
            p += ll + 1;
            while (p < eol && *p == ' ')
                p++;
            *vlen = (size_t)(eol - p);
            return p;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Nonzero for the DMHC one-case text form. */
int imr_dmhc_is_text(const char *data, size_t len)
{
    size_t n = len < 4096 ? len : 4096, vl, rl;
    const char *d = header_value(data, n, "Determination", &vl);

    return header_value(data, n, "Reference ID", &rl) != NULL &&
           d != NULL && Imr_text_find(d, vl, "Decision of Health Plan")
           != NULL;
}

/* Splits "A / B" at the first " / " into two cleaned strings. */
static void split_slash(const char *v, size_t n, char **a, char **b,
                        int *oom)
{
    const char *m = Imr_text_find(v, n, " / ");

    if (m == NULL) {
        *a = clean_dup(v, n, oom);
        return;
    }
    *a = clean_dup(v, (size_t)(m - v), oom);
    *b = clean_dup(m + 3, n - (size_t)(m + 3 - v), oom);
}

/* One-case text -> a record (*OUT, imr_record_free); IMR_OK,
 * IMR_ENOTLETTER with the reason, IMR_ENOMEM. */
int imr_dmhc_parse_text(const char *data, size_t len, const char *source,
                        struct imr_record **out, char *err)
{
    char *clean = NULL, *f[NF], why[IMR_ERR_LEN];
    const char *v, *body, *fh;
    size_t vl, n, head;
    int rc, oom = 0, i, trunc;

    *out = NULL;
    memset(f, 0, sizeof(f));
    if (Imr_text_clean(data, len, &clean, &trunc) != IMR_OK)
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    n = strlen(clean);
    fh = Imr_text_find(clean, n, "\nFINDINGS\n");
    head = fh != NULL ? (size_t)(fh - clean) : n;
    if ((v = header_value(clean, head, "Reference ID", &vl)) != NULL)
        f[F_REF] = clean_dup(v, vl, &oom);
    if ((v = header_value(clean, head, "Report Year", &vl)) != NULL)
        f[F_YEAR] = clean_dup(v, vl, &oom);
    if ((v = header_value(clean, head, "Diagnosis Category", &vl)) != NULL)
        split_slash(v, vl, &f[F_DCAT], &f[F_DSUB], &oom);
    if ((v = header_value(clean, head, "Treatment Category", &vl)) != NULL)
        split_slash(v, vl, &f[F_TCAT], &f[F_TSUB], &oom);
    if ((v = header_value(clean, head, "IMR Type", &vl)) != NULL ||
        (v = header_value(clean, head, "Type", &vl)) != NULL)
        f[F_TYPE] = clean_dup(v, vl, &oom);
    if ((v = header_value(clean, head, "Determination", &vl)) != NULL)
        f[F_DET] = clean_dup(v, vl, &oom);
    if ((v = header_value(clean, head, "Patient", &vl)) != NULL) {
        /* "age 41 to 50, gender Female" */
        const char *a = Imr_text_find(v, vl, "age "), *g;

        g = Imr_text_find(v, vl, "gender ");
        if (a != NULL)
            f[F_AGE] = clean_dup(a + 4, (size_t)((g != NULL && g > a ? g
                                 : v + vl) - (a + 4)), &oom);
        if (f[F_AGE] != NULL && (n = strlen(f[F_AGE])) > 0 &&
            f[F_AGE][n - 1] == ',')
            f[F_AGE][n - 1] = '\0';
        if (g != NULL)
            f[F_GENDER] = clean_dup(g + 7, (size_t)(v + vl - (g + 7)),
                                    &oom);
    }
    if (fh != NULL) {
        body = fh + strlen("\nFINDINGS\n");
        f[F_FIND] = clean_dup(body, strlen(body), &oom);
    }
    free(clean);
    if (oom) {
        for (i = 0; i < NF; i++)
            free(f[i]);
        return imr_seterr(err, IMR_ENOMEM, "out of memory");
    }
    if (f[F_REF] == NULL || f[F_DET] == NULL) {
        const char *what = f[F_REF] == NULL ? "a Reference ID"
                           : "a Determination";

        for (i = 0; i < NF; i++)
            free(f[i]);
        return imr_seterr(err, IMR_ENOTLETTER, "DMHC case text without"
                          " %s", what);
    }
    rc = case_record(f, source, "dmhc_case_text", out, why, sizeof(why));
    if (rc == IMR_EINVAL)
        return imr_seterr(err, IMR_ENOTLETTER, "%s", why);
    if (rc != IMR_OK)
        return imr_seterr(err, rc, "out of memory");
    return IMR_OK;
}
