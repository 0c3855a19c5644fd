/* Cleaning the raw bytes of a letter into normalised UTF-8 text; see
 * lib/text.h. Runs in two linear passes over the input. */
#include "text.h"

#include "imr/buf.h"
#include "imr/imr.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Windows-1252 code points of the bytes 0x80-0x9f (0 = undefined). */
static const unsigned short cp1252[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* Length of the valid UTF-8 sequence at S (N bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need, i;
    unsigned long cp;

    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

static void add_cp(struct imr_buf *b, unsigned long cp)
{
    char u[4];

    if (cp < 0x80) {
        imr_buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        imr_buf_add(b, u, 2);
    } else {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        imr_buf_add(b, u, 3);
    }
}

/* Pass 0: bytes -> UTF-8 with LF line ends; no NUL, no form feed. */
static void decode(const unsigned char *s, size_t n, struct imr_buf *b)
{
    size_t i = 0, k;

    while (i < n && imr_buf_error(b) == IMR_OK) {
        unsigned c = s[i];

        if ((c >= 0x20 && c < 0x7f) || c == '\n') {
            /* a run of printable ASCII and line feeds is copied whole
             * (a CR ends it: CRLF and CR become LF below) */
            k = i + 1;
            while (k < n && ((s[k] >= 0x20 && s[k] < 0x7f) || s[k] == '\n'))
                k++;
            imr_buf_add(b, (const char *)s + i, k - i);
            i = k;
        } else if (c == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                imr_buf_addc(b, '\n');
            i++;
        } else if (c == '\f') {
            /* a page break ends a line but is no blank line itself */
            if (b->n > 0 && b->p[b->n - 1] != '\n')
                imr_buf_addc(b, '\n');
            i++;
        } else if (c == '\t' || c == '\v') {
            imr_buf_addc(b, ' ');
            i++;
        } else if (c < 0x80) {           /* other control bytes, DEL */
            i++;
        } else if ((k = utf8_len(s + i, n - i)) > 0) {
            if (k == 2 && c == 0xc2 && s[i + 1] == 0xa0)
                imr_buf_addc(b, ' ');           /* no-break space */
            else if (!(k == 3 && c == 0xef && s[i + 1] == 0xbb &&
                       s[i + 2] == 0xbf))        /* byte order mark */
                imr_buf_add(b, (const char *)s + i, k);
            i += k;
        } else {
            if (c >= 0xa0)
                add_cp(b, c == 0xa0 ? 0x20 : c);
            else if (cp1252[c - 0x80] != 0)
                add_cp(b, cp1252[c - 0x80]);
            i++;
        }
    }
}

static int is_case_number(const char *s, size_t n)
{
    size_t i;

    if (n < 12 || (s[0] != 'C' && s[0] != 'c') || (s[1] != 'M' &&
        s[1] != 'm') || s[4] != '-')
        return 0;
    for (i = 2; i < 12; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Position of the first case number in the N bytes at S, or NULL. */
static const char *find_case_number(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i + 12 <= n; i++) {
        if (is_case_number(s + i, n - i) &&
            (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
            (i + 12 == n || !isdigit((unsigned char)s[i + 12])))
            return s + i;
    }
    return NULL;
}

struct noise {
    char cn[13];      /* case number of the first header line, or "" */
};

static int starts_ci(const char *s, size_t n, const char *p)
{
    size_t k;

    if (n == 0 || (s[0] | 0x20) != (p[0] | 0x20))   /* the usual answer */
        return 0;
    k = strlen(p);
    return n >= k && strncasecmp(s, p, k) == 0;
}

/* 1 if the trimmed line S (N bytes) is page noise to drop. */
static int is_noise(struct noise *st, const char *s, size_t n)
{
    size_t i = 0;
    const char *cn;

    if (starts_ci(s, n, "page ")) {
        i = 5;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n && isdigit((unsigned char)s[i])) {
            while (i < n && isdigit((unsigned char)s[i]))
                i++;
            while (i < n && s[i] == ' ')
                i++;
            if (i == n)
                return 1;
            if (starts_ci(s + i, n - i, "of ")) {
                i += 3;
                while (i < n && s[i] == ' ')
                    i++;
                while (i < n && isdigit((unsigned char)s[i]))
                    i++;
                if (i == n)
                    return 1;
            }
        }
        return 0;
    }
    if (n > 60 || (cn = find_case_number(s, n)) == NULL)
        return 0;
    if (!(cn == s && n == 12) && !starts_ci(s, n, "case number") &&
        !starts_ci(s, n, "imr case number") && !starts_ci(s, n, "case no"))
        return 0;
    if (st->cn[0] == '\0') {
        memcpy(st->cn, cn, 12);
        st->cn[12] = '\0';
        return 0;
    }
    return strncasecmp(st->cn, cn, 12) == 0;
}

/* Next line of the decoded text, trimmed of blanks at the end; returns 0
 * at the end. */
static int next_line(const char *p, size_t n, size_t *pos,
                     const char **s, size_t *len)
{
    size_t i = *pos, e;
    const char *s_end;

    if (i >= n)
        return 0;
    s_end = memchr(p + i, '\n', n - i);
    e = s_end != NULL ? (size_t)(s_end - p) : n;
    *pos = e + 1;
    *s = p + i;
    while (e > i && p[e - 1] == ' ')
        e--;
    *len = e - i;
    return 1;
}

int Imr_text_clean(const char *data, size_t len, char **out,
                   int *truncated)
{
    struct imr_buf dec = IMR_BUF_INIT, res = IMR_BUF_INIT;
    struct noise st;
    const char *s;
    size_t n, pos, nonblank = 0, dbl = 0;
    int prev_nonblank, pending_blank, join, double_spaced, after_noise, rc;

    *out = NULL;
    *truncated = len > IMR_TEXT_MAX;
    if (len > IMR_TEXT_MAX)
        len = IMR_TEXT_MAX;
    decode((const unsigned char *)data, len, &dec);
    if ((rc = imr_buf_error(&dec)) != IMR_OK)
        goto done;
    if (dec.p == NULL)
        imr_buf_adds(&dec, "");

    /* pass 1: is the text double-spaced? */
    memset(&st, 0, sizeof(st));
    prev_nonblank = 0;
    pos = 0;
    while (next_line(dec.p, dec.n, &pos, &s, &n)) {
        size_t i = 0;

        while (i < n && s[i] == ' ')
            i++;
        if (i == n) {
            if (prev_nonblank)
                dbl++;
            prev_nonblank = 0;
        } else if (!is_noise(&st, s + i, n - i)) {
            nonblank++;
            prev_nonblank = 1;
        }
    }
    double_spaced = nonblank >= 4 && dbl * 10 >= nonblank * 9;

    /* pass 2: emit */
    memset(&st, 0, sizeof(st));
    prev_nonblank = pending_blank = join = after_noise = 0;
    pos = 0;
    while (next_line(dec.p, dec.n, &pos, &s, &n)) {
        size_t i = 0;

        while (i < n && s[i] == ' ')
            i++;
        if (i == n) {
            if (double_spaced && prev_nonblank) {
                prev_nonblank = 0;
                continue;
            }
            prev_nonblank = 0;
            if (res.n > 0 && !after_noise)
                pending_blank = 1;
            continue;
        }
        if (is_noise(&st, s + i, n - i)) {
            /* the page break and its blank lines go: a sentence or an
             * item line may go on across it */
            pending_blank = 0;
            after_noise = 1;
            continue;
        }
        after_noise = 0;
        prev_nonblank = 1;
        if (join && !pending_blank && isalnum((unsigned char)s[i])) {
            /* "treat-" + "ment": a word broken by the line, not a
             * compound; digits ("30-" + "34") keep their dash */
            if (islower((unsigned char)s[i]) && res.n >= 2 &&
                isalpha((unsigned char)res.p[res.n - 2]))
                res.n--;
            imr_buf_add(&res, s + i, n - i);
        } else {
            if (res.n > 0)
                imr_buf_adds(&res, pending_blank ? "\n\n" : "\n");
            imr_buf_add(&res, s, n);
        }
        pending_blank = 0;
        join = n >= 2 && s[n - 1] == '-' &&
               isalnum((unsigned char)s[n - 2]);
    }
    if (res.n > 0)
        imr_buf_addc(&res, '\n');
    if ((rc = imr_buf_error(&res)) != IMR_OK)
        goto done;
    *out = imr_buf_take(&res);
    if (*out == NULL)
        rc = IMR_ENOMEM;
done:
    imr_buf_free(&dec);
    imr_buf_free(&res);
    return rc;
}

/* 1 if byte C is a control byte other than LF, CR, tab and form feed,
 * or DEL: what makes input look binary. */
static int binary_byte(unsigned c)
{
    return (c < 0x20 && c != '\n' && c != '\r' && c != '\t' &&
            c != '\f') || c == 0x7f;
}

/* Word-at-a-time tests of 8 bytes read as one uint64_t (exact, whatever
 * the byte order): BYTES(C) has every byte C; a word has a byte below N
 * (N <= 128) when (V - BYTES(N)) & ~V & BYTES(0x80) is not 0, and so a
 * zero byte when that holds for N = 1. */
#define BYTES(c) (0x0101010101010101u * (uint64_t)(c))

static int has_byte_below(uint64_t v, unsigned n)
{
    return ((v - BYTES(n)) & ~v & BYTES(0x80)) != 0;
}

static int has_zero_byte(uint64_t v)
{
    return has_byte_below(v, 1);
}

int Imr_text_looks_binary(const char *s, size_t len)
{
    size_t i = 0, k, bad = 0, n = len < 65536 ? len : 65536;
    uint64_t v;

    /* 8 bytes with no byte below 0x20 and no DEL (most words of a text)
     * are skipped whole; the others are counted byte by byte */
    for (; i + 8 <= n; i += 8) {
        memcpy(&v, s + i, 8);
        if (has_byte_below(v, 0x20) || has_zero_byte(v ^ BYTES(0x7f)))
            for (k = i; k < i + 8; k++)
                bad += (size_t)binary_byte((unsigned char)s[k]);
    }
    for (; i < n; i++)
        bad += (size_t)binary_byte((unsigned char)s[i]);
    return n > 0 && bad * 10 > n;
}

/* ASCII case folding: the programs run in the C locale, where
 * strncasecmp folds only A-Z, and this is the parser's inner loop. */
static int fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The first I in [I, END) where H[I] is LO or UP, the two cases of one
 * byte (LO == UP for a byte that is no letter); END if none. The parser
 * searches each letter a dozen times, so this compares 16 bytes at a time
 * with SSE2, and 8 at a time without: OR-ing 0x20 into a byte maps UP to
 * LO (for a letter nothing else maps there; for other bytes the
 * candidates are checked one by one), and the word's XOR with LO has a
 * zero byte exactly where one matched. */
static size_t scan_cases(const unsigned char *h, size_t i, size_t end,
                         unsigned char lo, unsigned char up)
{
    const uint64_t want = BYTES(lo | 0x20u);
    size_t stop;
    uint64_t v;

#if defined(__SSE2__)
    const __m128i vlo = _mm_set1_epi8((char)lo), vup = _mm_set1_epi8((char)up);

    for (; i + 16 <= end; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, vlo), _mm_cmpeq_epi8(x, vup)));

        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < end) {
        if (i + 8 <= end) {
            memcpy(&v, h + i, 8);
            if (!has_zero_byte((v | BYTES(0x20)) ^ want)) {
                i += 8;
                continue;
            }
        }
        /* a candidate in the next 8 bytes (or the last few) */
        for (stop = end - i > 8 ? i + 8 : end; i < stop; i++)
            if (h[i] == lo || h[i] == up)
                return i;
    }
    return end;
}

const char *Imr_text_find(const char *hay, size_t n, const char *needle)
{
    const unsigned char *h = (const unsigned char *)hay;
    const unsigned char *nd = (const unsigned char *)needle;
    size_t k = strlen(needle), i, j;
    unsigned char lo, up;

    if (k == 0 || k > n)
        return NULL;
    lo = (unsigned char)fold(nd[0]);
    up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - ('a' - 'A')) : lo;
    for (i = 0; (i = scan_cases(h, i, n - k + 1, lo, up)) <= n - k; i++) {
        for (j = 1; j < k && fold(h[i + j]) == fold(nd[j]); j++)
            ;
        if (j == k)
            return hay + i;
    }
    return NULL;
}

/* Length of the match of NEEDLE at HAY (N bytes available), or 0. */
static size_t match_ws(const char *hay, size_t n, const char *needle)
{
    size_t i = 0;

    for (; *needle != '\0'; needle++) {
        if (*needle == ' ') {
            size_t start = i;

            while (i < n && (hay[i] == ' ' || hay[i] == '\n' ||
                             hay[i] == '\t'))
                i++;
            if (i == start)
                return 0;
            continue;
        }
        if (i >= n || fold((unsigned char)hay[i]) !=
                      fold((unsigned char)*needle))
            return 0;
        i++;
    }
    return i;
}

const char *Imr_text_find_ws(const char *hay, size_t n, const char *needle,
                             size_t *mlen)
{
    int first = fold((unsigned char)needle[0]), up;
    size_t i, k;

    *mlen = 0;
    if (needle[0] == '\0' || needle[0] == ' ')
        return NULL;
    up = first >= 'a' && first <= 'z' ? first - ('a' - 'A') : first;
    for (i = 0; (i = scan_cases((const unsigned char *)hay, i, n,
                                (unsigned char)first,
                                (unsigned char)up)) < n; i++) {
        if ((k = match_ws(hay + i, n - i, needle)) > 0) {
            *mlen = k;
            return hay + i;
        }
    }
    return NULL;
}

/* 1 for the white space Imr_text_flatten collapses: space, LF, tab, form
 * feed, CR. */
static int flat_space(unsigned char c)
{
    const unsigned ctl = 1u << '\t' | 1u << '\n' | 1u << '\f' | 1u << '\r';

    return c == ' ' || (c < ' ' && (ctl >> c & 1u));
}

char *Imr_text_flatten(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    char *r;
    size_t i = 0, o = 0;

    r = malloc(n + 1);
    if (r == NULL)
        return NULL;
    for (;;) {
        while (i < n && flat_space(u[i]))
            i++;
        if (i == n)
            break;
        if (o > 0)
            r[o++] = ' ';
        while (i < n && !flat_space(u[i]))
            r[o++] = (char)u[i++];
    }
    r[o] = '\0';
    return r;
}
