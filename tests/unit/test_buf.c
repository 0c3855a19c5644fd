/* Tests of the growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "imr/buf.h"
#include "imr/imr.h"

static void test_append_and_take(void **state)
{
    struct imr_buf b = IMR_BUF_INIT;
    char *s;
    int i;

    (void)state;
    s = imr_buf_take(&b);
    assert_string_equal(s, "");
    free(s);
    for (i = 0; i < 1000; i++)
        imr_buf_addf(&b, "%d,", i);
    imr_buf_adds(&b, "end");
    imr_buf_addc(&b, '!');
    assert_int_equal(imr_buf_error(&b), IMR_OK);
    assert_int_equal(b.n, strlen(b.p));
    assert_memory_equal(b.p, "0,1,2,", 6);
    assert_string_equal(b.p + b.n - 4, "end!");
    imr_buf_reset(&b);
    assert_int_equal(b.n, 0);
    imr_buf_add(&b, "ab\0c", 4);
    assert_int_equal(b.n, 4);
    s = imr_buf_take(&b);
    assert_memory_equal(s, "ab\0c", 5);
    assert_null(b.p);
    free(s);
    imr_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
