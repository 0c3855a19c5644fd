/* Compact JSON text; see lib/json_out.h. It writes what Jansson 2.14's
 * dump.c writes with JSON_COMPACT | JSON_ENSURE_ASCII (or JSON_COMPACT
 * alone, where code points above 0x7F stay as they are): members in
 * insertion order, integers with "%lld", reals with "%.17g" (".0" added
 * when neither '.' nor 'e' is there; the exponent without '+' and leading
 * zeros), strings escaped as \" \\ \b \f \n \r \t, other code points
 * below 0x20 and every one above 0x7F as \uXXXX (upper-case hex; UTF-16
 * surrogate pairs above the BMP). tests/unit/test_json_out.c holds the
 * two equal. */
#include "json_out.h"

#include "imr/buf.h"
#include "imr/imr.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code point of the UTF-8 sequence at S (N bytes left) and its
 * length, or 0 when it is not valid UTF-8 (Jansson's utf8_iterate). */
static size_t utf8_next(const unsigned char *s, size_t n, long *cp)
{
    size_t len, i;
    long v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        v = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        v = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        v = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
        (len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
        return 0;
    *cp = v;
    return len;
}

/* Appends string S of N bytes, quoted and escaped (with ASCII, every
 * code point above 0x7F as \uXXXX); -1 if not UTF-8. */
static int put_string(struct imr_buf *b, const char *s, size_t n, int ascii)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
    char seq[16];

    imr_buf_addc(b, '"');
    while (p < end) {
        long cp;
        size_t len;

        for (run = p; p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
             *p != '\\'; p++)
            ;
        if (p > run)
            imr_buf_add(b, (const char *)run, (size_t)(p - run));
        if (p == end)
            break;
        if ((len = utf8_next(p, (size_t)(end - p), &cp)) == 0)
            return -1;
        p += len;
        switch (cp) {
        case '"': imr_buf_add(b, "\\\"", 2); break;
        case '\\': imr_buf_add(b, "\\\\", 2); break;
        case '\b': imr_buf_add(b, "\\b", 2); break;
        case '\f': imr_buf_add(b, "\\f", 2); break;
        case '\n': imr_buf_add(b, "\\n", 2); break;
        case '\r': imr_buf_add(b, "\\r", 2); break;
        case '\t': imr_buf_add(b, "\\t", 2); break;
        default:
            if (!ascii && cp > 0x7F) {
                imr_buf_add(b, (const char *)p - len, len);
                break;
            }
            if (cp < 0x10000) {
                snprintf(seq, sizeof(seq), "\\u%04X", (unsigned)cp);
            } else {
                cp -= 0x10000;
                snprintf(seq, sizeof(seq), "\\u%04X\\u%04X",
                         (unsigned)(0xD800 | ((cp & 0xFFC00) >> 10)),
                         (unsigned)(0xDC00 | (cp & 0x3FF)));
            }
            imr_buf_adds(b, seq);
        }
    }
    imr_buf_addc(b, '"');
    return 0;
}

/* Appends real V as Jansson's jsonp_dtostr writes it. */
static void put_real(struct imr_buf *b, double v)
{
    char buf[100], *e, *from, *to, *dot;
    const char *point = localeconv()->decimal_point;
    int n = snprintf(buf, sizeof(buf), "%.17g", v);

    if (n < 0 || (size_t)n >= sizeof(buf) - 3) {
        b->rc = IMR_ENOMEM;   /* cannot happen for a finite double */
        return;
    }
    if (*point != '.' && (dot = strchr(buf, *point)) != NULL)
        *dot = '.';
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL)
        strcat(buf, ".0");
    if ((e = strchr(buf, 'e')) != NULL) {
        to = e + 1;
        from = to + 1;
        if (*to == '-')
            to++;
        while (*from == '0')
            from++;
        if (from != to)
            memmove(to, from, strlen(from) + 1);
    }
    imr_buf_adds(b, buf);
}

/* Appends integer V in decimal ("%lld" without snprintf's cost). */
static void put_int(struct imr_buf *b, json_int_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
                           (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--p = '-';
    imr_buf_add(b, p, (size_t)(buf + sizeof(buf) - p));
}

/* J without const: Jansson's object iterator takes a json_t * although
 * it only reads. */
static json_t *unconst(const json_t *j)
{
    union {
        const json_t *c;
        json_t *m;
    } u;

    u.c = j;
    return u.m;
}

static int put_value(struct imr_buf *b, const json_t *j, int ascii)
{
    size_t i;

    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        void *it = json_object_iter(unconst(j));

        imr_buf_addc(b, '{');
        for (i = 0; it != NULL; i++) {
            if (i > 0)
                imr_buf_addc(b, ',');
            if (put_string(b, json_object_iter_key(it),
                           json_object_iter_key_len(it), ascii) != 0)
                return -1;
            imr_buf_addc(b, ':');
            if (put_value(b, json_object_iter_value(it), ascii) != 0)
                return -1;
            it = json_object_iter_next(unconst(j), it);
        }
        imr_buf_addc(b, '}');
        return 0;
    }
    case JSON_ARRAY:
        imr_buf_addc(b, '[');
        for (i = 0; i < json_array_size(j); i++) {
            if (i > 0)
                imr_buf_addc(b, ',');
            if (put_value(b, json_array_get(j, i), ascii) != 0)
                return -1;
        }
        imr_buf_addc(b, ']');
        return 0;
    case JSON_STRING:
        return put_string(b, json_string_value(j), json_string_length(j),
                          ascii);
    case JSON_INTEGER:
        put_int(b, json_integer_value(j));
        return 0;
    case JSON_REAL:
        put_real(b, json_real_value(j));
        return 0;
    case JSON_TRUE:
        imr_buf_add(b, "true", 4);
        return 0;
    case JSON_FALSE:
        imr_buf_add(b, "false", 5);
        return 0;
    default:
        imr_buf_add(b, "null", 4);
        return 0;
    }
}

/* The text of J, with every code point above 0x7F escaped when ASCII. */
static char *compact(const json_t *j, int ascii)
{
    struct imr_buf b = IMR_BUF_INIT;
    size_t n;
    char *text, *tight;

    if (j == NULL || (!json_is_object(j) && !json_is_array(j)))
        return NULL;
    if (put_value(&b, j, ascii) != 0) {
        imr_buf_free(&b);
        return NULL;
    }
    n = b.n;
    if ((text = imr_buf_take(&b)) == NULL)
        return NULL;
    /* the buffer grew by doubling; the caches keep the text for long */
    tight = realloc(text, n + 1);
    return tight != NULL ? tight : text;
}

char *imr_json_compact(const json_t *j)
{
    return compact(j, 1);
}

char *imr_json_compact_utf8(const json_t *j)
{
    return compact(j, 0);
}
