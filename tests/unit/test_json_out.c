/* lib/json_out.c against json_dumps(J, JSON_COMPACT | JSON_ENSURE_ASCII)
 * and json_dumps(J, JSON_COMPACT) (imr_json_compact_utf8):
 * equal bytes for values written for each case of the format (every
 * escape, UTF-8 of 2 to 4 bytes, keys, integer and real edges) and for
 * thousands of random trees; NULL where json_dumps gives NULL (a string
 * that is not UTF-8, a top level that is not an object or an array).
 * test_search.c's test_run_text compares whole answers the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

/* Asserts that imr_json_compact(J) and imr_json_compact_utf8(J) are
 * json_dumps's texts with and without JSON_ENSURE_ASCII; takes J. */
static void check(json_t *j)
{
    int ascii;

    for (ascii = 0; ascii < 2; ascii++) {
        char *want = json_dumps(j, JSON_COMPACT |
                                (ascii ? JSON_ENSURE_ASCII : 0));
        char *got = ascii ? imr_json_compact(j) : imr_json_compact_utf8(j);

        if ((want == NULL) != (got == NULL) ||
            (want != NULL && strcmp(want, got) != 0))
            fail_msg("\n  jansson: %s\n  ours:    %s (ascii %d)",
                     want ? want : "(null)", got ? got : "(null)", ascii);
        free(want);
        free(got);
    }
    json_decref(j);
}

static void test_cases(void **state)
{
    static const double reals[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 1.5, -2.5e-7, 100.0, 1e15, 1e16, 1e17,
        1e21, 1e22, 1e100, 1e300, 1e-300, 5e-324, DBL_MAX, -DBL_MAX,
        DBL_MIN, 123456789012345678.0, 3.141592653589793, 2.0 / 3.0,
        -13.123456789012345, 1e-5, 1e-4, 0.000123, 12.0, 7e-10};
    static const json_int_t ints[] = {0, -1, 1, 9, 10, 1234567890,
                                      LLONG_MAX, LLONG_MIN};
    char all[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
        check(json_pack("[f]", reals[i]));
    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        check(json_pack("{s:I}", "n", ints[i]));
    /* every ASCII byte, NUL included */
    for (i = 0; i < sizeof(all); i++)
        all[i] = (char)i;
    check(json_pack("[s#]", all, sizeof(all)));
    check(json_pack("{s:s}", "quote\"back\\slash/",
                    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e end"));
    check(json_pack("{s:s, s:[], s:{}, s:b, s:b, s:n}",
                    "k\xc3\xa9y\n", "\xf4\x8f\xbf\xbf", "a", "o", "t", 1,
                    "f", 0, "z"));
    check(json_pack("{s:{s:[i, {s:[]}]}}", "a", "b", 1, "c"));
    check(json_object());
    check(json_array());
    /* keys in insertion order, not sorted */
    check(json_pack("{s:i, s:i, s:i}", "zeta", 1, "alpha", 2, "mid", 3));
    /* not UTF-8, and not a container: NULL both ways */
    {
        json_t *a = json_array();

        json_array_append_new(a, json_stringn_nocheck("\xff\xfe", 2));
        check(a);
        a = json_array();
        json_array_append_new(a, json_stringn_nocheck("\xed\xa0\x80", 3));
        check(a);
        a = json_array();
        json_array_append_new(a, json_stringn_nocheck("\xe2\x82", 2));
        check(a);
    }
    assert_null(imr_json_compact(NULL));
    assert_null(imr_json_compact_utf8(NULL));
    {
        json_t *s = json_string("x");

        assert_null(imr_json_compact(s));
        json_decref(s);
    }
}

static unsigned long long rng = 0x2545F4914F6CDD1DULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A random UTF-8 string of up to 24 code points of every width. */
static json_t *rnd_string(void)
{
    static const char *const pieces[] = {
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
        "\x7f", "\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
        "\xef\xbf\xbf", "\xe2\x80\xa8", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf", "MTUS p.49", "[FRP]", "..."};
    char buf[256] = "";
    unsigned n = rnd(25), k;

    for (k = 0; k < n; k++)
        strcat(buf, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
    return json_string(buf);
}

static json_t *rnd_value(int depth)
{
    unsigned k, n;
    json_t *c;
    double d;

    switch (depth > 3 ? 2 + rnd(6) : rnd(8)) {
    case 0:
        c = json_object();
        n = rnd(6);
        for (k = 0; k < n; k++) {
            json_t *key = rnd_string();

            json_object_set_new(c, json_string_value(key),
                                rnd_value(depth + 1));
            json_decref(key);
        }
        return c;
    case 1:
        c = json_array();
        n = rnd(6);
        for (k = 0; k < n; k++)
            json_array_append_new(c, rnd_value(depth + 1));
        return c;
    case 2:
    case 3:
        return rnd_string();
    case 4:
        return json_integer((json_int_t)rng - (json_int_t)rnd(1000));
    case 5:
        memcpy(&d, &rng, sizeof(d));
        rnd(2);
        if (!isfinite(d))
            d = (double)rnd(100000) / 7.0;
        return json_real(rnd(2) ? d : (double)rnd(1000) / 8.0);
    case 6:
        return json_boolean(rnd(2));
    default:
        return json_null();
    }
}

static void test_random(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 5000; i++) {
        json_t *a = json_array();

        json_array_append_new(a, rnd_value(0));
        check(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
