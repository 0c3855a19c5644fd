/* Tests of lib/rank_memo.c: the candidates kept per query text and rank
 * bound, copies handed out, replaced by a later ranking of the text, and
 * the bounds on queries and bytes (the least recently used go first; an
 * entry larger than the whole memo is not kept). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank_memo.h"

/* N candidates whose scores and store indexes are made from SEED. */
static struct imr_ranked make(size_t n, long bound, unsigned seed)
{
    struct imr_ranked r;
    size_t i;

    r.n = n;
    r.bound = bound;
    r.score = malloc(n * sizeof(*r.score) + 1);
    r.k = malloc(n * sizeof(*r.k) + 1);
    assert_non_null(r.score);
    assert_non_null(r.k);
    for (i = 0; i < n; i++) {
        r.score[i] = -(double)((i * 7919u + seed) % 1000) / 7.0;
        r.k[i] = (uint32_t)(i * 31u + seed);
    }
    return r;
}

/* Asserts that KEY under BOUND is kept in M as make(N, BOUND, SEED)
 * made it. */
static void check(struct imr_rank_memo *m, const char *key, long bound,
                  size_t n, unsigned seed)
{
    struct imr_ranked want = make(n, bound, seed), got;

    assert_int_equal(imr_rank_memo_get(m, key, bound, &got), 1);
    assert_int_equal(got.n, n);
    assert_int_equal(got.bound, bound);
    assert_memory_equal(got.score, want.score, n * sizeof(*got.score));
    assert_memory_equal(got.k, want.k, n * sizeof(*got.k));
    imr_ranked_clear(&got);
    imr_ranked_clear(&want);
}

/* Asserts that M, EMPTY bytes when empty, holds one text: KEY with N
 * candidates. */
static void check_size(struct imr_rank_memo *m, size_t empty,
                       const char *key, size_t n)
{
    size_t queries;

    assert_int_equal(imr_rank_memo_bytes(m, &queries),
                     empty + strlen(key) + 1 +
                     n * (sizeof(double) + sizeof(uint32_t)));
    assert_int_equal(queries, 1);
}

/* A text's candidates are found under its bound only; the copy handed
 * out is the caller's; a later ranking replaces them. */
static void test_get_put(void **state)
{
    struct imr_rank_memo *m = imr_rank_memo_new();
    struct imr_ranked r = make(500, 10000, 3), got;
    size_t empty, n;

    (void)state;
    assert_non_null(m);
    empty = imr_rank_memo_bytes(m, &n);
    assert_int_equal(n, 0);
    assert_int_equal(imr_rank_memo_get(m, "therapy", 10000, &got), 0);
    assert_int_equal(got.n, 0);
    assert_null(got.score);
    imr_rank_memo_put(m, "therapy", &r);
    assert_null(r.score);              /* taken */
    assert_int_equal(r.n, 0);
    check(m, "therapy", 10000, 500, 3);
    assert_int_equal(imr_rank_memo_get(m, "therapy", 20, &got), 0);
    assert_int_equal(imr_rank_memo_get(m, "Therapy", 10000, &got), 0);
    /* the copy is the caller's: changing it changes nothing kept */
    assert_int_equal(imr_rank_memo_get(m, "therapy", 10000, &got), 1);
    got.score[0] = 12345.0;
    got.k[1] = 7;
    imr_ranked_clear(&got);
    check(m, "therapy", 10000, 500, 3);
    check_size(m, empty, "therapy", 500);
    /* ranked again under another bound: replaced */
    r = make(20, 20, 9);
    imr_rank_memo_put(m, "therapy", &r);
    check(m, "therapy", 20, 20, 9);
    assert_int_equal(imr_rank_memo_get(m, "therapy", 10000, &got), 0);
    check_size(m, empty, "therapy", 20);
    /* NULL memo or key: nothing kept (the arrays freed), nothing found */
    r = make(5, 20, 1);
    imr_rank_memo_put(NULL, "x", &r);
    assert_null(r.score);
    r = make(5, 20, 1);
    imr_rank_memo_put(m, NULL, &r);
    assert_null(r.score);
    assert_int_equal(imr_rank_memo_get(NULL, "therapy", 20, &got), 0);
    assert_int_equal(imr_rank_memo_get(m, NULL, 20, &got), 0);
    assert_int_equal(imr_rank_memo_bytes(NULL, &n), 0);
    assert_int_equal(n, 0);
    imr_rank_memo_free(m);
    imr_rank_memo_free(NULL);
}

/* Past IMR_RANK_MEMO_MAX queries the least recently used one goes: a
 * query read again stays. */
static void test_bound_queries(void **state)
{
    struct imr_rank_memo *m = imr_rank_memo_new();
    struct imr_ranked r, got;
    char key[32];
    size_t n;
    int i;

    (void)state;
    for (i = 0; i < IMR_RANK_MEMO_MAX; i++) {
        snprintf(key, sizeof(key), "q%d", i);
        r = make(3, 100, (unsigned)i);
        imr_rank_memo_put(m, key, &r);
        if (i == 0)                    /* q1 is then the oldest */
            continue;
        assert_int_equal(imr_rank_memo_get(m, "q0", 100, &got), 1);
        imr_ranked_clear(&got);
    }
    imr_rank_memo_bytes(m, &n);
    assert_int_equal(n, IMR_RANK_MEMO_MAX);
    r = make(3, 100, 999);
    imr_rank_memo_put(m, "new", &r);
    imr_rank_memo_bytes(m, &n);
    assert_int_equal(n, IMR_RANK_MEMO_MAX);
    assert_int_equal(imr_rank_memo_get(m, "q1", 100, &got), 0);
    check(m, "q0", 100, 3, 0);
    check(m, "q2", 100, 3, 2);
    check(m, "new", 100, 3, 999);
    imr_rank_memo_free(m);
}

/* The bytes of candidates stay within IMR_RANK_MEMO_BYTES: the least
 * recently used queries make room; a ranking larger than the whole memo
 * is not kept, and drops nothing. */
static void test_bound_bytes(void **state)
{
    const size_t each = 10000 * (sizeof(double) + sizeof(uint32_t));
    const size_t fit = IMR_RANK_MEMO_BYTES / (each + 8);
    struct imr_rank_memo *m = imr_rank_memo_new();
    struct imr_ranked r, got;
    char key[32];
    size_t i, n, bytes, empty = imr_rank_memo_bytes(m, NULL);

    (void)state;
    assert_true(fit > 2 && fit < IMR_RANK_MEMO_MAX);
    for (i = 0; i < fit + 3; i++) {
        snprintf(key, sizeof(key), "w%zu", i);
        r = make(10000, 10000, (unsigned)i);
        imr_rank_memo_put(m, key, &r);
        bytes = imr_rank_memo_bytes(m, &n);
        assert_true(bytes - empty <= IMR_RANK_MEMO_BYTES);
        assert_int_equal(n, i + 1 < fit ? i + 1 : fit);
    }
    /* the newest FIT are kept, the three oldest gone */
    for (i = 3; i < fit + 3; i++) {
        snprintf(key, sizeof(key), "w%zu", i);
        check(m, key, 10000, 10000, (unsigned)i);
    }
    assert_int_equal(imr_rank_memo_get(m, "w0", 10000, &got), 0);
    assert_int_equal(imr_rank_memo_get(m, "w2", 10000, &got), 0);
    /* too large for the memo: not kept, nothing dropped */
    imr_rank_memo_bytes(m, &n);
    r = make(IMR_RANK_MEMO_BYTES / 12 + 1, 10000, 5);
    imr_rank_memo_put(m, "huge", &r);
    assert_null(r.score);
    assert_int_equal(imr_rank_memo_get(m, "huge", 10000, &got), 0);
    imr_rank_memo_bytes(m, &i);
    assert_int_equal(i, n);
    imr_rank_memo_free(m);
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
