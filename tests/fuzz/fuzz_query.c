/* libFuzzer target: the query language (string -> plan -> FTS5 MATCH text
 * and interpretation) and the search over a small index of the sample
 * letters, so the SQL built from any plan is exercised too. */
#include "fuzz_index.h"
#include "imr/imr.h"
#include "imr/query.h"
#include "imr/search.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct imr_search *ix;

/* One input: a query string (NUL-terminated copy). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imr_search_opts o = {5, 0, IMR_SORT_RELEVANCE, 1, 1, 2000};
    struct imr_query *q = NULL;
    struct imr_query_error qe;
    char err[IMR_ERR_LEN];
    char *text = NULL, *fts = NULL, *neg = NULL;
    json_t *j = NULL, *res = NULL;
    int rc;

    if (size > IMR_QUERY_MAX_LEN)
        return 0;
    if (ix == NULL) {
        const char *p = fuzz_index_path();

        if (p == NULL || imr_search_open(p, &ix, err) != IMR_OK) {
            fprintf(stderr, "fuzz_query: no index\n");
            abort();
        }
    }
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (imr_query_parse(text, &q, &qe, err) != IMR_OK) {
        size_t tl = strlen(text);

        if (qe.pos > tl || qe.len > tl - qe.pos)
            abort();   /* the error span must lie inside the query */
        goto done;
    }
    if (imr_query_fts(q, &fts, &neg) != IMR_OK)
        goto done;
    /* a parsed query always has an interpretation: NULL means jansson
     * refused a string (invalid UTF-8 let through), which the daemon
     * would answer with a 500 */
    j = imr_query_interpretation(q);
    if (j == NULL) {
        fprintf(stderr, "fuzz_query: no interpretation\n");
        abort();
    }
    if (size > 0 && (data[0] & 1))
        o.sort = IMR_SORT_DATE;
    rc = imr_search_run(ix, q, &o, &res, err);
    if ((rc == IMR_OK && res == NULL) || rc == IMR_ENOMEM) {
        fprintf(stderr, "fuzz_query: search: %s\n", err);
        abort();
    }
done:
    json_decref(res);
    json_decref(j);
    free(fts);
    free(neg);
    imr_query_free(q);
    free(text);
    return 0;
}
