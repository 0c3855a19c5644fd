/* lib/snippet.c against FTS5's snippet() itself: on an index of letters
 * from imr-corpus, every query of bench/queries.txt and a set of
 * expressions written for the syntax (prefixes, column filters, NOT,
 * nesting) give, for each matching row, the snippet snippet(item_fts, -1,
 * '[', ']', '...', 24) gives, and rows outside the MATCH are told apart;
 * then the same on the real letters of ../shared/corpus-real when it is
 * there. Syntax lib/snippet.c does not compile is IMR_EINVAL.
 * With IMR_SNIPPET_DB set, the first test runs on that index instead
 * (a benchmark's, say). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imr/imr.h"
#include "imr/query.h"
#include "phrase_rows.h"
#include "snippet.h"
#include "testutil.h"

#define ROWS_PER_QUERY 400    /* matching rows compared per expression */
#define MISSES_PER_QUERY 40   /* rows outside the MATCH per expression */

static const char *const cols[] = {"treatment", "rationale", "diagnoses",
                                   "summary"};
static const struct imr_snip_fmt fmt = {"[", "]", "...", 24};

/* Expressions in the syntax lib/query.c writes, and a few it could. */
static const char *const written[] = {
    "\"lumb\" *", "\"physical ther\" *", "treatment : (\"therapy\")",
    "treatment : (\"MRI\" OR \"magnetic resonance imaging\")",
    "summary : \"pain\"", "((\"knee\" AND \"pain\") NOT \"surgery\")",
    "((\"medically\" AND \"necessary\") NOT \"opioid\" NOT \"therapy\")",
    "(\"pain\" OR ((\"knee\") NOT \"brace\"))",
    "((\"back\" OR \"neck\") AND (\"pain\" OR \"injury\"))",
    "(\"acupuncture\" OR (\"chiropractic\" AND \"manipulation\"))",
    "pain management", "\"functional restoration\" program",
    "\"not medically necessary\"", "\"the\"", "\"p 49\"",
    "\"MTUS\" AND \"page 49\"", "diagnoses : (\"lumbar\" *)",
    "(\"work\" OR \"restrictions\") AND \"return\"",
    "\"cervical\" OR \"lumbar\" OR \"thoracic\"",
    /* precedence without parentheses: NOT, then AND, then OR */
    "\"knee\" OR \"shoulder\" AND \"pain\" NOT \"surgery\"",
    "\"back\" NOT \"pain\" AND \"work\" OR \"neck\"",
};

/* Syntax outside the subset: IMR_EINVAL (the caller asks FTS5). */
static const char *const refused[] = {
    "NEAR(\"a\" \"b\", 3)", "\"a\" + \"b\"", "^\"pain\"", "\"--\"",
    "{treatment rationale} : \"pain\"", "- treatment : \"pain\"",
    "(\"pain\") (\"knee\")", "nosuchcolumn : \"pain\"", "\"pain",
    "\"pain\" AND", "(\"pain\"", "treatment : summary : \"pain\"",
};

struct totals {
    long rows, misses, exprs;
    long bounded, exact;      /* imr_snip_rows_bound: known, and equal */
};

/* imr_snip_rows_bound's question, from the terms' rows *ARG (as
 * lib/search.c asks it): unknown without any. */
static int term_rows(void *arg, const char *term, size_t len, long long *n)
{
    const struct imr_term_rows *t = *(const struct imr_term_rows **)arg;

    if (imr_term_rows_count(t) == 0)
        return 0;
    if (!imr_term_rows_get(t, term, len, n))
        *n = 0;
    return 1;
}

static long long match_count(sqlite3 *db, const char *fts)
{
    long long n = tu_match_count(db, fts);

    if (n < 0)
        fail_msg("%s: count(*): %s", fts, sqlite3_errmsg(db));
    return n;
}

/* The bound on the rows FTS matches, from the terms' rows TERMS. */
static long long bound_of(struct imr_snip_tok *tok,
                          const struct imr_term_rows *terms, const char *fts)
{
    struct imr_snip *sn = NULL;
    char err[IMR_ERR_LEN] = "";
    long long most;

    if (imr_snip_compile(tok, fts, cols, 4, &sn, err) != IMR_OK)
        fail_msg("%s: not compiled: %s", fts, err);
    most = imr_snip_rows_bound(sn, term_rows, &terms);
    imr_snip_free(sn);
    return most;
}

static int run_wait(char *const argv[])
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* lib/snippet.c's snippet (in *GOT, free()) of the row at ST whose four
 * column texts start at column FIRST; returns whether it matches. */
static int snip_of(struct imr_snip *sn, sqlite3_stmt *st, int first,
                   char **got)
{
    const char *text[4];
    char err[IMR_ERR_LEN] = "";
    int k, matched = -1;

    for (k = 0; k < 4; k++)
        text[k] = (const char *)sqlite3_column_text(st, first + k);
    *got = NULL;
    if (imr_snip_row(sn, text, &fmt, &matched, got, err) != IMR_OK)
        fail_msg("imr_snip_row: %s", err);
    return matched;
}

/* Compares lib/snippet.c with snippet() for expression FTS on DB. */
static void compare_expr(sqlite3 *db, struct imr_snip_tok *tok,
                         const struct imr_term_rows *terms, const char *fts,
                         struct totals *t)
{
    struct imr_snip *sn = NULL;
    sqlite3_stmt *st = NULL;
    char err[IMR_ERR_LEN] = "";
    long long most, n;
    int rc;

    /* the bound on its rows is one */
    most = bound_of(tok, terms, fts);
    n = match_count(db, fts);
    if (most >= 0 && most < n)
        fail_msg("%s: at most %lld rows, says the bound; %lld match", fts,
                 most, n);
    t->bounded += most >= 0;
    t->exact += most == n;

    rc = imr_snip_compile(tok, fts, cols, 4, &sn, err);
    if (rc != IMR_OK)
        fail_msg("%s: not compiled: %s", fts, err);
    t->exprs++;
    /* item_fts's columns read its content: the text FTS5 indexed */
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT rowid, snippet(item_fts, -1, '[', ']', '...', 24), "
        "treatment, rationale, diagnoses, summary FROM item_fts WHERE "
        "item_fts MATCH ?1 LIMIT ?2", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, ROWS_PER_QUERY);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *want = (const char *)sqlite3_column_text(st, 1);
        char *got;

        if (snip_of(sn, st, 2, &got) != 1)
            fail_msg("%s: row %lld matches, lib/snippet.c says not", fts,
                     (long long)sqlite3_column_int64(st, 0));
        if ((want == NULL) != (got == NULL) ||
            (want != NULL && strcmp(want, got) != 0))
            fail_msg("%s: row %lld\n  FTS5: %s\n  ours: %s", fts,
                     (long long)sqlite3_column_int64(st, 0),
                     want ? want : "(null)", got ? got : "(null)");
        free(got);
        t->rows++;
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    /* rows outside the MATCH */
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT id, treatment, rationale, diagnoses, summary FROM "
        "item_fts_src WHERE id NOT IN (SELECT rowid FROM item_fts WHERE "
        "item_fts MATCH ?1) ORDER BY id DESC LIMIT ?2", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, MISSES_PER_QUERY);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *got;

        if (snip_of(sn, st, 1, &got) != 0 || got != NULL)
            fail_msg("%s: row %lld does not match, lib/snippet.c says it "
                     "does", fts, (long long)sqlite3_column_int64(st, 0));
        free(got);
        t->misses++;
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    imr_snip_free(sn);
}

/* Every query of bench/queries.txt with full text, then WRITTEN. */
static void compare_all(const char *db_path, struct totals *t)
{
    char path[4096], *data, *line, *save = NULL, err[IMR_ERR_LEN] = "";
    struct imr_snip_tok *tok = NULL;
    struct imr_term_rows *terms = NULL;
    sqlite3 *db = NULL;
    size_t n, i;

    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY,
                                     NULL), SQLITE_OK);
    if (imr_snip_tok_open(db, &tok, err) != IMR_OK)
        fail_msg("tokenizer: %s", err);
    if (imr_term_rows_read(db, NULL, &terms, err) != IMR_OK)
        fail_msg("terms' rows: %s", err);
    assert_true(imr_term_rows_count(terms) > 0);
    data = tu_read_file(tu_source_path(path, sizeof(path),
                                       "bench/queries.txt"), &n);
    assert_non_null(data);
    for (line = strtok_r(data, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        struct imr_query *q = NULL;
        struct imr_query_error qe;
        char *fts = NULL, *neg = NULL, *text = strchr(line, '\t');

        if (line[0] == '#' || text == NULL)
            continue;
        if (strchr(text + 1, '\t') != NULL)      /* offset=N */
            *strchr(text + 1, '\t') = '\0';
        if (imr_query_parse(text + 1, &q, &qe, err) != IMR_OK)
            continue;
        assert_int_equal(imr_query_fts(q, &fts, &neg), IMR_OK);
        if (fts != NULL)
            compare_expr(db, tok, terms, fts, t);
        free(fts);
        free(neg);
        imr_query_free(q);
    }
    free(data);
    for (i = 0; i < sizeof(written) / sizeof(written[0]); i++)
        compare_expr(db, tok, terms, written[i], t);
    /* the bound, operator by operator: one term's rows are its matches;
     * AND the rarer side, OR the sum, NOT its left side; a phrase its
     * rarest term; a prefix none, nor anything without the terms' rows */
    {
        long long knee = match_count(db, "\"knee\""),
                  pain = match_count(db, "\"pain\""),
                  phys = match_count(db, "\"physical\""),
                  ther = match_count(db, "\"therapy\"");

        assert_true(knee > 0 && pain > knee);
        assert_int_equal(bound_of(tok, terms, "\"knee\""), knee);
        assert_int_equal(bound_of(tok, terms, "\"knee\" AND \"pain\""), knee);
        assert_int_equal(bound_of(tok, terms, "\"pain\" \"knee\""), knee);
        assert_int_equal(bound_of(tok, terms, "\"knee\" OR \"pain\""),
                         knee + pain);
        assert_int_equal(bound_of(tok, terms, "\"knee\" NOT \"pain\""), knee);
        assert_int_equal(bound_of(tok, terms, "\"physical therapy\""),
                         phys < ther ? phys : ther);
        assert_int_equal(bound_of(tok, terms, "treatment : (\"knee\")"),
                         knee);
        assert_int_equal(bound_of(tok, terms, "\"physical ther\" *"), phys);
        assert_int_equal(bound_of(tok, terms, "\"zzqxv\""), 0);
        assert_int_equal(bound_of(tok, terms, "\"zzqxv\" OR \"knee\""), knee);
        assert_int_equal(bound_of(tok, terms, "\"lumb\" *"), -1);
        assert_int_equal(bound_of(tok, terms, "\"lumb\" * OR \"knee\""),
                         -1);
        assert_int_equal(bound_of(tok, terms, "\"lumb\" * AND \"knee\""),
                         knee);
        assert_int_equal(bound_of(tok, NULL, "\"knee\""), -1);
    }
    imr_term_rows_free(terms);
    imr_snip_tok_close(tok);
    sqlite3_close(db);
}

static void remove_tree(char *dir)
{
    char rm[] = "/bin/rm", rf[] = "-rf";
    char *const argv[] = {rm, rf, dir, NULL};

    run_wait(argv);
}

/* Builds DB from the letters under DIR with imr-index. */
static int build(char *db, char *dir)
{
    char bin[4096];
    char cmd[] = "build", opt[] = "--db";
    char *argv[] = {bin, cmd, opt, db, dir, NULL};

    snprintf(bin, sizeof(bin), "%s/indexer/imr-index", IMR_BINARY_DIR);
    return run_wait(argv);
}

static void test_generated(void **state)
{
    char dir[] = "/tmp/imr-snippet-XXXXXX", bin[4096], db[4200];
    struct totals t = {0, 0, 0, 0, 0};
    const char *given = getenv("IMR_SNIPPET_DB");

    (void)state;
    if (given != NULL) {
        compare_all(given, &t);
        printf("%s: %ld expressions, %ld snippets equal, %ld rows outside "
               "the MATCH told apart\n", given, t.exprs, t.rows, t.misses);
        return;
    }
    assert_non_null(mkdtemp(dir));
    snprintf(bin, sizeof(bin), "%s/corpus/imr-corpus", IMR_BINARY_DIR);
    {
        char *argv[] = {bin, "generate", "--count", "1500", "--seed",
                        "20261128", "--out", dir, NULL};

        assert_int_equal(run_wait(argv), 0);
    }
    snprintf(db, sizeof(db), "%s/index.db", dir);
    assert_int_equal(build(db, dir), 0);
    compare_all(db, &t);
    printf("generated: %ld expressions, %ld snippets equal, %ld rows "
           "outside the MATCH told apart; a bound on the rows of %ld, "
           "exact for %ld\n", t.exprs, t.rows, t.misses, t.bounded,
           t.exact);
    /* enough that a wrong window or highlight cannot hide */
    assert_true(t.exprs >= 150);
    assert_true(t.rows >= 20000);
    assert_true(t.misses >= 5000);
    assert_true(t.bounded > t.exprs / 2);
    assert_true(t.exact > t.exprs / 5);
    remove_tree(dir);
}

static void test_real(void **state)
{
    char dir[] = "/tmp/imr-snippet-real-XXXXXX", db[4200], src[4096];
    struct totals t = {0, 0, 0, 0, 0};

    (void)state;
    if (!tu_shared_present("corpus-real/dwc-imrcrawler",
                           "the snippets of the real letters"))
        return;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/index.db", dir);
    assert_int_equal(build(db, tu_shared_path(src, sizeof(src),
                           "corpus-real/dwc-imrcrawler")), 0);
    compare_all(db, &t);
    printf("real letters: %ld expressions, %ld snippets equal, %ld rows "
           "outside the MATCH told apart\n", t.exprs, t.rows, t.misses);
    assert_true(t.rows >= 1000);
    remove_tree(dir);
}

static void test_refused(void **state)
{
    char dir[] = "/tmp/imr-snippet-ref-XXXXXX", db_path[4200];
    char err[IMR_ERR_LEN];
    struct imr_snip_tok *tok = NULL;
    struct imr_snip *sn = NULL;
    sqlite3 *db = NULL;
    size_t i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(db_path, sizeof(db_path), "%s/t.db", dir);
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(imr_snip_tok_open(db, &tok, err), IMR_OK);
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        int rc = imr_snip_compile(tok, refused[i], cols, 4, &sn, err);

        if (rc != IMR_EINVAL)
            fail_msg("%s: compiled (rc %d)", refused[i], rc);
        assert_null(sn);
    }
    /* and what it does compile */
    assert_int_equal(imr_snip_compile(tok, "treatment : (\"pain\" *)", cols,
                                      4, &sn, err), IMR_OK);
    imr_snip_free(sn);
    imr_snip_tok_close(tok);
    sqlite3_close(db);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_real),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
