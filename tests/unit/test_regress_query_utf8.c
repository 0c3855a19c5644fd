/* Regression (found by tests/integ/bad_input.sh, guarded since by
 * tests/fuzz/fuzz_query.c): a query that is not valid UTF-8 (overlong
 * "%C0%AF", a lone lead byte) parsed, and jansson then refused its
 * interpretation, so imr-searchd answered 500 "out of memory". Also: an
 * error message quoting 40 bytes of the query could cut a UTF-8 sequence.
 * Now such a query is IMR_EINVAL with its position, and every error
 * message is valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "imr/imr.h"
#include "imr/query.h"

static void reject_at(const char *text, size_t pos)
{
    struct imr_query *q = NULL;
    struct imr_query_error qe;
    char err[IMR_ERR_LEN] = "";
    json_t *j;

    assert_int_equal(imr_query_parse(text, &q, &qe, err), IMR_EINVAL);
    assert_null(q);
    assert_int_equal(qe.pos, pos);
    assert_non_null(strstr(err, "UTF-8"));
    j = json_string(err);        /* the message itself is valid UTF-8 */
    assert_non_null(j);
    json_decref(j);
}

static void test_invalid_utf8_rejected(void **state)
{
    (void)state;
    reject_at("\xC0\xAF\xE0\x80\xAF", 0);        /* overlong '/' */
    reject_at("lumbar \xC3", 7);                  /* truncated sequence */
    reject_at("ab \xFF\xFE", 3);                  /* bytes never in UTF-8 */
    reject_at("x \xED\xA0\x80", 2);               /* a surrogate */
    reject_at("x \xF4\x90\x80\x80", 2);           /* above U+10FFFF */
    reject_at("mtus \xE0\x80\x80", 5);            /* overlong 3 bytes */
}

static void test_valid_utf8_interpreted(void **state)
{
    const char *ok[] = {"caf\xC3\xA9 lumbar", "\xE2\x80\x9Cnorco\xE2\x80\x9D",
                        "\xF0\x9F\x98\x80 mri", "na\xC3\xAFve OR x"};
    struct imr_query *q = NULL;
    char err[IMR_ERR_LEN];
    json_t *j;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(imr_query_parse(ok[i], &q, NULL, err), IMR_OK);
        j = imr_query_interpretation(q);
        assert_non_null(j);
        json_decref(j);
        imr_query_free(q);
        q = NULL;
    }
}

/* An error quoting the query near a multibyte character: the quoted part
 * is cut on a character boundary, so the message stays valid UTF-8. */
static void test_error_message_cut_on_boundary(void **state)
{
    char text[256], err[IMR_ERR_LEN];
    struct imr_query *q = NULL;
    json_t *j;
    size_t shift, n;

    (void)state;
    for (shift = 0; shift < 4; shift++) {
        n = 0;
        text[n++] = '(';
        text[n++] = '"';
        memset(text + n, 'a', shift);
        n += shift;
        while (n < 120) {
            memcpy(text + n, "\xE2\x82\xAC", 3);    /* euro sign */
            n += 3;
        }
        text[n] = '\0';      /* an unbalanced quote over the rest */
        assert_int_not_equal(imr_query_parse(text, &q, NULL, err), IMR_OK);
        j = json_string(err);
        if (j == NULL)
            fail_msg("error message is not UTF-8 (shift %zu): %s", shift,
                     err);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_utf8_rejected),
        cmocka_unit_test(test_valid_utf8_interpreted),
        cmocka_unit_test(test_error_message_cut_on_boundary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
