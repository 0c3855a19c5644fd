/* Tests of the parser's text helpers (lib/text.h): the word-at-a-time
 * searches and scans against byte-at-a-time reference versions on random
 * input (every length, offset and case mix), and the cleaner's handling
 * of the bytes around its runs of plain text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "imr/imr.h"
#include "text.h"

static int fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The plain definitions the fast versions must agree with. */
static const char *ref_find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), i, j;

    if (k == 0 || k > n)
        return NULL;
    for (i = 0; i + k <= n; i++) {
        for (j = 0; j < k && fold((unsigned char)hay[i + j]) ==
                             fold((unsigned char)needle[j]); j++)
            ;
        if (j == k)
            return hay + i;
    }
    return NULL;
}

static int ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t';
}

static const char *ref_find_ws(const char *hay, size_t n, const char *needle,
                               size_t *mlen)
{
    size_t i, h, k;

    *mlen = 0;
    if (needle[0] == '\0' || needle[0] == ' ')
        return NULL;
    for (i = 0; i < n; i++) {
        for (h = i, k = 0; needle[k] != '\0'; k++) {
            if (needle[k] == ' ') {
                size_t s = h;

                while (h < n && ws(hay[h]))
                    h++;
                if (h == s)
                    break;
            } else if (h < n && fold((unsigned char)hay[h]) ==
                                fold((unsigned char)needle[k])) {
                h++;
            } else {
                break;
            }
        }
        if (needle[k] == '\0') {
            *mlen = h - i;
            return hay + i;
        }
    }
    return NULL;
}

static int ref_binary(const char *s, size_t len)
{
    size_t i, bad = 0, n = len < 65536 ? len : 65536;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t' &&
             c != '\f') || c == 0x7f)
            bad++;
    }
    return n > 0 && bad * 10 > n;
}

static char *ref_flatten(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    size_t i, o = 0;
    int space = 0;

    assert_non_null(r);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
            space = o > 0;
            continue;
        }
        if (space)
            r[o++] = ' ';
        space = 0;
        r[o++] = (char)c;
    }
    r[o] = '\0';
    return r;
}

/* Bytes the random texts are made of: both cases of a few letters, the
 * bytes OR-ing 0x20 folds onto them or onto each other ('@' and '`',
 * 0x01 and '!', DEL and '_'), white space, control bytes, high bytes. */
static const char alphabet[] = "aAbBsSzZ@` !\x01\n\t\r\f\x7f_.-0\x80\xc3\xe1";

static void random_text(char *buf, size_t n, unsigned *seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        buf[i] = alphabet[(size_t)rand_r(seed) % (sizeof(alphabet) - 1)];
}

static void test_find_matches_reference(void **state)
{
    char hay[80], needle[6];
    unsigned seed = 42;
    int round;

    (void)state;
    for (round = 0; round < 60000; round++) {
        size_t n = (size_t)rand_r(&seed) % sizeof(hay);
        size_t off = (size_t)rand_r(&seed) % 8, k, mlen, rlen;
        const char *got, *want;

        random_text(hay, sizeof(hay), &seed);
        k = 1 + (size_t)rand_r(&seed) % 4;
        random_text(needle, k, &seed);
        needle[k] = '\0';
        if (needle[0] == '\0')
            continue;
        if (off > n)
            off = n;
        /* a needle copied from the text, in the other case, half the
         * time, so that matches are common */
        if (round % 2 == 0 && n - off >= k) {
            size_t at = off + (size_t)rand_r(&seed) % (n - off - k + 1), j;

            for (j = 0; j < k; j++) {
                char c = hay[at + j];

                needle[j] = c >= 'a' && c <= 'z' ? (char)(c - 32)
                            : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
            }
            if (memchr(needle, '\0', k) != NULL)
                continue;
        }
        got = Imr_text_find(hay + off, n - off, needle);
        want = ref_find(hay + off, n - off, needle);
        assert_ptr_equal(got, want);
        if (needle[0] == ' ')
            continue;
        got = Imr_text_find_ws(hay + off, n - off, needle, &mlen);
        want = ref_find_ws(hay + off, n - off, needle, &rlen);
        assert_ptr_equal(got, want);
        assert_int_equal(mlen, rlen);
    }
}

static void test_find_long_text(void **state)
{
    size_t n = 100000, i;
    char *t = malloc(n);

    (void)state;
    assert_non_null(t);
    for (i = 0; i < n; i++)
        t[i] = "the request is medically "[i % 25];
    memcpy(t + n - 40, " is NOT Medically NECESSARY", 27);
    assert_ptr_equal(Imr_text_find(t, n, " is not medically necessary"),
                     t + n - 40);
    assert_ptr_equal(Imr_text_find(t, n - 14, " is not medically necessary"),
                     NULL);
    assert_ptr_equal(Imr_text_find(t + 1, n - 1, "T"), t + 10);
    free(t);
}

static void test_binary_matches_reference(void **state)
{
    char buf[300];
    unsigned seed = 7;
    int round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t n = (size_t)rand_r(&seed) % sizeof(buf), i;
        unsigned dense = (unsigned)rand_r(&seed) % 40;

        /* text with a varying share of binary bytes around the 10% the
         * answer turns on */
        for (i = 0; i < n; i++) {
            unsigned r = (unsigned)rand_r(&seed) % 100;

            buf[i] = r < dense / 2 ? (char)((unsigned)rand_r(&seed) % 0x20)
                     : r < dense ? (char)0x7f
                     : alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
        }
        assert_int_equal(Imr_text_looks_binary(buf, n), ref_binary(buf, n));
    }
}

static void test_flatten_matches_reference(void **state)
{
    char buf[120];
    unsigned seed = 3;
    int round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t n = (size_t)rand_r(&seed) % sizeof(buf);
        char *got, *want;

        random_text(buf, n, &seed);
        got = Imr_text_flatten(buf, n);
        want = ref_flatten(buf, n);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
}

/* The cleaner copies runs of printable ASCII whole; every other byte
 * ends a run and is handled alone. */
static void test_clean_run_edges(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"ab\r\ncd\ref\n", "ab\ncd\nef\n"},
        {"a\tb\vc\x01" "d\x7f" "e\n", "a b cde\n"},
        {"x\xc2\xa0y\xef\xbb\xbfz\n", "x y" "z\n"},
        {"caf\xc3\xa9\n", "caf\xc3\xa9\n"},
        {"\x93quoted\x94 \xe9t\xe9\n",
         "\xe2\x80\x9cquoted\xe2\x80\x9d \xc3\xa9t\xc3\xa9\n"},
        {"line one\fline two\n", "line one\nline two\n"},
        {"end without newline", "end without newline\n"},
        {"\r", ""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        int trunc = -1;

        assert_int_equal(Imr_text_clean(cases[i].in, strlen(cases[i].in),
                                        &out, &trunc), IMR_OK);
        assert_int_equal(trunc, 0);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_matches_reference),
        cmocka_unit_test(test_find_long_text),
        cmocka_unit_test(test_binary_matches_reference),
        cmocka_unit_test(test_flatten_matches_reference),
        cmocka_unit_test(test_clean_run_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
