/* imr-corpus: the generator is deterministic (same seed, same bytes),
 * seeds differ, truth.jsonl parses back into records, and its counts
 * match the letters on disk; bad usage exits 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imr/imr.h"
#include "imr/record.h"
#include "testutil.h"

#define COUNT 1500   /* two shards, the second partly filled */

static char bin[4096];

/* Runs imr-corpus with ARGV (NULL-terminated, argv[0] ignored) with
 * stderr sent to /dev/null; returns its exit status or -1. */
static int run(char *const argv[])
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        FILE *f = freopen("/dev/null", "w", stderr);

        (void)f;
        execv(bin, argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int generate(char *out, char *seed, char *count)
{
    char *argv[] = {bin, "generate", "--count", count, "--seed", seed,
                    "--out", out, "--quiet", NULL};

    return run(argv);
}

static void remove_tree(char *dir)
{
    char *argv[] = {"rm", "-rf", dir, NULL};
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        execvp("rm", argv);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, &status, 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(bin, sizeof(bin), "%s/corpus/imr-corpus", IMR_BINARY_DIR);
    if (access(bin, X_OK) != 0) {
        printf("imr-corpus is not built at %s\n", bin);
        return -1;
    }
    return 0;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *pa = tu_read_file(a, &na), *pb = tu_read_file(b, &nb);
    int eq = pa != NULL && pb != NULL && na == nb &&
             memcmp(pa, pb, na) == 0;

    free(pa);
    free(pb);
    return eq;
}

/* Calls FN(rel, arg) for each letter file under DIR's shard folders;
 * returns the number of letters. */
static long each_letter(const char *dir,
                        void (*fn)(const char *rel, void *arg), void *arg)
{
    DIR *d = opendir(dir), *s;
    struct dirent *e, *f;
    char path[4096], rel[4096];
    long n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "truth.jsonl") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        s = opendir(path);
        assert_non_null(s);
        while ((f = readdir(s)) != NULL) {
            if (f->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof(rel), "%s/%s", e->d_name, f->d_name);
            if (fn != NULL)
                fn(rel, arg);
            n++;
        }
        closedir(s);
    }
    closedir(d);
    return n;
}

struct pair {
    const char *a, *b;
    long differ;
};

static void compare_letter(const char *rel, void *arg)
{
    struct pair *p = arg;
    char x[4096], y[4096];

    assert_true(snprintf(x, sizeof(x), "%s/%s", p->a, rel) <
                (int)sizeof(x));
    assert_true(snprintf(y, sizeof(y), "%s/%s", p->b, rel) <
                (int)sizeof(y));
    if (!same_file(x, y))
        p->differ++;
}

static void test_deterministic(void **state)
{
    char a[] = "/tmp/imr-corpus-a-XXXXXX", b[] = "/tmp/imr-corpus-b-XXXXXX";
    char c[] = "/tmp/imr-corpus-c-XXXXXX", ta[4096], tb[4096], tc[4096];
    struct pair p = {a, b, 0};
    char *argv[] = {bin, "generate", "--count", "1500", "--seed", "42",
                    "--out", c, "--jobs", "1", "--quiet", NULL};

    (void)state;
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    assert_non_null(mkdtemp(c));
    assert_int_equal(generate(a, "42", "1500"), 0);
    assert_int_equal(generate(b, "42", "1500"), 0);
    assert_int_equal(run(argv), 0);     /* one worker: same bytes too */
    assert_int_equal(each_letter(a, compare_letter, &p), COUNT);
    assert_int_equal(p.differ, 0);
    p.b = c;
    assert_int_equal(each_letter(a, compare_letter, &p), COUNT);
    assert_int_equal(p.differ, 0);
    snprintf(ta, sizeof(ta), "%s/truth.jsonl", a);
    snprintf(tb, sizeof(tb), "%s/truth.jsonl", b);
    snprintf(tc, sizeof(tc), "%s/truth.jsonl", c);
    assert_true(same_file(ta, tb));
    assert_true(same_file(ta, tc));
    remove_tree(a);
    remove_tree(b);
    remove_tree(c);
}

static void test_seeds_differ(void **state)
{
    char a[] = "/tmp/imr-corpus-a-XXXXXX", b[] = "/tmp/imr-corpus-b-XXXXXX";
    char ta[4096], tb[4096];
    struct pair p = {a, b, 0};
    DIR *d;
    struct dirent *e;
    long missing = 0, n;

    (void)state;
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    assert_int_equal(generate(a, "1", "300"), 0);
    assert_int_equal(generate(b, "2", "300"), 0);
    snprintf(ta, sizeof(ta), "%s/truth.jsonl", a);
    snprintf(tb, sizeof(tb), "%s/truth.jsonl", b);
    assert_false(same_file(ta, tb));
    /* file names carry the case year, so compare the letters both have */
    snprintf(ta, sizeof(ta), "%s/000", b);
    d = opendir(ta);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char x[4096], y[4096];

        if (e->d_name[0] == '.')
            continue;
        snprintf(x, sizeof(x), "%s/000/%s", a, e->d_name);
        snprintf(y, sizeof(y), "%s/000/%s", b, e->d_name);
        if (access(x, F_OK) != 0)
            missing++;
        else if (!same_file(x, y))
            p.differ++;
    }
    closedir(d);
    n = each_letter(b, NULL, NULL);
    assert_int_equal(n, 300);
    assert_true(missing < n);           /* some names are shared ... */
    assert_int_equal(p.differ + missing, n);  /* ... and all differ */
    remove_tree(a);
    remove_tree(b);
}

static void test_truth(void **state)
{
    char dir[] = "/tmp/imr-corpus-t-XXXXXX", path[4096];
    FILE *in;
    char *line = NULL;
    size_t cap = 0;
    long n = 0, items = 0, upheld = 0, overturned = 0, formats[3] = {0};
    long with_pages = 0, frp = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(generate(dir, "7", "1500"), 0);
    snprintf(path, sizeof(path), "%s/truth.jsonl", dir);
    in = fopen(path, "r");
    assert_non_null(in);
    while (getline(&line, &cap, in) > 0) {
        json_error_t jerr;
        json_t *j = json_loads(line, 0, &jerr);
        struct imr_record *r = NULL;
        char err[IMR_ERR_LEN], file[4096];
        size_t i, k;

        assert_non_null(j);
        assert_int_equal(imr_record_from_json(j, &r, err), IMR_OK);
        json_decref(j);
        /* every record names a letter that exists, in file order */
        assert_non_null(r->source);
        snprintf(file, sizeof(file), "%s/%s", dir, r->source);
        assert_int_equal(access(file, R_OK), 0);
        snprintf(file, sizeof(file), "%03ld/%s.txt", n / 1000, r->id);
        assert_string_equal(r->source, file);
        assert_true(r->age >= 18 && r->age < 90);
        assert_non_null(r->gender);
        assert_non_null(r->date_injury);
        assert_true(r->n_diagnoses >= 1);
        assert_true(r->n_items >= 1 && r->n_items <= 4);
        formats[strcmp(r->format, "case_number_header") == 0 ? 0 :
                strcmp(r->format, "maximus_final") == 0 ? 1 : 2]++;
        for (i = 0; i < r->n_items; i++) {
            const struct imr_item *it = &r->items[i];

            assert_int_equal(it->n, (int)i + 1);
            assert_non_null(it->treatment);
            assert_non_null(it->category);
            assert_non_null(it->rationale);
            assert_true(it->decision != IMR_DECISION_UNKNOWN);
            upheld += it->decision == IMR_DECISION_UPHELD;
            overturned += it->decision == IMR_DECISION_OVERTURNED;
            frp += strcmp(it->category, "Programs") == 0;
            for (k = 0; k < it->n_citations; k++) {
                assert_non_null(it->citations[k].guideline);
                with_pages += it->citations[k].n_pages > 0;
            }
        }
        items += (long)r->n_items;
        imr_record_free(r);
        n++;
    }
    free(line);
    fclose(in);
    assert_int_equal(n, COUNT);
    assert_int_equal(each_letter(dir, NULL, NULL), COUNT);
    assert_int_equal(upheld + overturned, items);
    /* the published mix: about 89-91% of items upheld */
    assert_true(upheld * 1000 >= items * 870 && upheld * 1000 <= items * 930);
    assert_true(items > n);               /* multi-item letters exist */
    assert_true(formats[0] > formats[1] && formats[1] > 0 && formats[2] > 0);
    assert_true(with_pages > 0 && frp > 0);
    remove_tree(dir);
}

static void test_usage(void **state)
{
    char *none[] = {bin, NULL};
    char *unknown[] = {bin, "frobnicate", NULL};
    char *nocount[] = {bin, "generate", "--out", "/tmp/x", NULL};
    char *badcount[] = {bin, "generate", "--count", "ten", "--out",
                        "/tmp/x", NULL};
    char *badopt[] = {bin, "generate", "--count", "1", "--out", "/tmp/x",
                      "--bogus", NULL};
    char *help[] = {bin, "--help", NULL};

    (void)state;
    assert_int_equal(run(none), 2);
    assert_int_equal(run(unknown), 2);
    assert_int_equal(run(nocount), 2);
    assert_int_equal(run(badcount), 2);
    assert_int_equal(run(badopt), 2);
    assert_int_equal(run(help), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_seeds_differ),
        cmocka_unit_test(test_truth),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
