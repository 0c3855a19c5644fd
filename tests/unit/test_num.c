/* Tests of the command-line number parser shared by the programs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "imr/imr.h"

static void test_parse_int(void **state)
{
    int v = 7;

    (void)state;
    assert_int_equal(imr_parse_int("42", 1, 64, &v), IMR_OK);
    assert_int_equal(v, 42);
    assert_int_equal(imr_parse_int("0", 0, 65535, &v), IMR_OK);
    assert_int_equal(v, 0);
    v = 7;
    assert_int_equal(imr_parse_int("65", 1, 64, &v), IMR_EINVAL);
    assert_int_equal(imr_parse_int("-1", 0, 64, &v), IMR_EINVAL);
    assert_int_equal(imr_parse_int("", 0, 64, &v), IMR_EINVAL);
    assert_int_equal(imr_parse_int("12x", 0, 64, &v), IMR_EINVAL);
    assert_int_equal(imr_parse_int("99999999999999999999", 0, 64, &v),
                     IMR_EINVAL);
    assert_int_equal(v, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
