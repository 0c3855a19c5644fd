/* Tests of lib/tally_memo.c: the counts kept per query text, with and
 * without facets, replaced only by counts with facets, and the bounds
 * on queries and bytes (the memo is emptied, never grows past them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally_memo.h"

/* Asserts that KEY's counts in M are TOTAL and SEEN, with facets FACETS
 * when not NULL. */
static void check(struct imr_tally_memo *m, const char *key,
                  long long total, long long seen, const char *facets)
{
    struct imr_tally t = {-1, -1, NULL};

    assert_int_equal(imr_tally_memo_get(m, key, facets != NULL, &t), 1);
    assert_int_equal(t.total, total);
    assert_int_equal(t.seen, seen);
    if (facets != NULL)
        assert_string_equal(t.facets, facets);
    else
        assert_null(t.facets);
    free(t.facets);
}

/* Counts without facets answer only who does not ask for them; counts
 * with facets replace them, and are not replaced by counts without. */
static void test_get_put(void **state)
{
    struct imr_tally_memo *m = imr_tally_memo_new();
    struct imr_tally t = {12, 40, NULL}, got = {0, 0, NULL};
    size_t empty;

    (void)state;
    assert_non_null(m);
    empty = imr_tally_memo_bytes(m);
    assert_int_equal(imr_tally_memo_get(m, "therapy", 0, &got), 0);
    imr_tally_memo_put(m, "therapy", &t);
    check(m, "therapy", 12, 40, NULL);
    assert_int_equal(imr_tally_memo_get(m, "therapy", 1, &got), 0);
    assert_int_equal(imr_tally_memo_get(m, "Therapy", 0, &got), 0);
    t.facets = "{\"decision\":[]}";
    imr_tally_memo_put(m, "therapy", &t);
    check(m, "therapy", 12, 40, "{\"decision\":[]}");
    check(m, "therapy", 12, 40, NULL);
    t.total = 99;
    t.facets = NULL;
    imr_tally_memo_put(m, "therapy", &t);
    check(m, "therapy", 12, 40, "{\"decision\":[]}");
    assert_int_equal(imr_tally_memo_count(m), 1);
    assert_int_equal(imr_tally_memo_bytes(m),
                     empty + strlen("therapy") + 1 +
                     strlen("{\"decision\":[]}") + 1);
    /* NULL memo or key: nothing kept, nothing found */
    imr_tally_memo_put(NULL, "therapy", &t);
    imr_tally_memo_put(m, NULL, &t);
    assert_int_equal(imr_tally_memo_get(NULL, "therapy", 0, &got), 0);
    assert_int_equal(imr_tally_memo_get(m, NULL, 0, &got), 0);
    assert_int_equal(imr_tally_memo_count(m), 1);
    imr_tally_memo_free(m);
    imr_tally_memo_free(NULL);
}

/* Past IMR_TALLY_MEMO_MAX queries the memo is emptied, and keeps the new
 * one; every query kept before is found, with its own counts. */
static void test_bound_queries(void **state)
{
    struct imr_tally_memo *m = imr_tally_memo_new();
    struct imr_tally t = {0, 0, NULL};
    char key[32];
    int i;

    (void)state;
    assert_non_null(m);
    for (i = 0; i < IMR_TALLY_MEMO_MAX; i++) {
        snprintf(key, sizeof(key), "q%d", i);
        t.total = i;
        t.seen = 2 * i;
        imr_tally_memo_put(m, key, &t);
    }
    assert_int_equal(imr_tally_memo_count(m), IMR_TALLY_MEMO_MAX);
    for (i = 0; i < IMR_TALLY_MEMO_MAX; i++) {
        snprintf(key, sizeof(key), "q%d", i);
        check(m, key, i, 2 * i, NULL);
    }
    t.total = 7;
    imr_tally_memo_put(m, "one more", &t);
    assert_int_equal(imr_tally_memo_count(m), 1);
    check(m, "one more", 7, 2 * (IMR_TALLY_MEMO_MAX - 1), NULL);
    assert_int_equal(imr_tally_memo_get(m, "q0", 0, &t), 0);
    imr_tally_memo_free(m);
}

/* Facets past IMR_TALLY_MEMO_BYTES are not kept (and nothing is lost for
 * them); those that fill the bytes empty the memo first. */
static void test_bound_bytes(void **state)
{
    struct imr_tally_memo *m = imr_tally_memo_new();
    size_t big = IMR_TALLY_MEMO_BYTES / 2;
    char *facets = malloc(IMR_TALLY_MEMO_BYTES + 1);
    struct imr_tally t = {5, 6, NULL};
    size_t empty;

    (void)state;
    assert_non_null(m);
    assert_non_null(facets);
    empty = imr_tally_memo_bytes(m);
    imr_tally_memo_put(m, "small", &t);
    memset(facets, 'x', IMR_TALLY_MEMO_BYTES);
    facets[IMR_TALLY_MEMO_BYTES] = '\0';
    t.facets = facets;
    imr_tally_memo_put(m, "huge", &t);            /* over the bound */
    assert_int_equal(imr_tally_memo_count(m), 1);
    check(m, "small", 5, 6, NULL);
    facets[big] = '\0';
    imr_tally_memo_put(m, "half", &t);
    assert_int_equal(imr_tally_memo_count(m), 2);
    imr_tally_memo_put(m, "another half", &t);    /* fills it: emptied */
    assert_int_equal(imr_tally_memo_count(m), 1);
    check(m, "another half", 5, 6, facets);
    assert_int_equal(imr_tally_memo_bytes(m),
                     empty + strlen("another half") + 1 + big + 1);
    free(facets);
    imr_tally_memo_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put),
        cmocka_unit_test(test_bound_queries),
        cmocka_unit_test(test_bound_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
