/* The ranked candidates of queries answered in one index state, by query
 * text (lib/rank_memo.h): a small array under a mutex, searched in order
 * (at most IMR_RANK_MEMO_MAX keys, a few microseconds beside the
 * milliseconds a ranking takes); the least recently used entries go
 * first when a new one needs room. */
#include "rank_memo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rank_ent {
    char *key;
    struct imr_ranked r;
    unsigned long long used;  /* the memo's clock at its last use */
};

struct imr_rank_memo {
    pthread_mutex_t mu;
    struct rank_ent ent[IMR_RANK_MEMO_MAX];
    size_t n;
    size_t bytes;             /* of the entries: keys and candidates */
    unsigned long long clock;
};

struct imr_rank_memo *imr_rank_memo_new(void)
{
    struct imr_rank_memo *m = calloc(1, sizeof(*m));

    if (m != NULL && pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void imr_ranked_clear(struct imr_ranked *r)
{
    free(r->score);
    free(r->k);
    memset(r, 0, sizeof(*r));
}

/* Bytes an entry of KEY and N candidates takes. */
static size_t ent_bytes(const char *key, size_t n)
{
    return strlen(key) + 1 + n * (sizeof(double) + sizeof(uint32_t));
}

/* Drops entry I of M (under its mutex); the last one takes its place. */
static void ent_drop(struct imr_rank_memo *m, size_t i)
{
    struct rank_ent *e = &m->ent[i];

    m->bytes -= ent_bytes(e->key, e->r.n);
    free(e->key);
    imr_ranked_clear(&e->r);
    *e = m->ent[--m->n];
    memset(&m->ent[m->n], 0, sizeof(m->ent[m->n]));
}

void imr_rank_memo_free(struct imr_rank_memo *m)
{
    if (m == NULL)
        return;
    while (m->n > 0)
        ent_drop(m, m->n - 1);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* The entry of KEY in M, or -1 (under its mutex). */
static long ent_find(const struct imr_rank_memo *m, const char *key)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        if (strcmp(m->ent[i].key, key) == 0)
            return (long)i;
    return -1;
}

int imr_rank_memo_get(struct imr_rank_memo *m, const char *key, long bound,
                      struct imr_ranked *out)
{
    struct rank_ent *e;
    long i;
    int found = 0;

    memset(out, 0, sizeof(*out));
    if (m == NULL || key == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    if ((i = ent_find(m, key)) >= 0 && m->ent[i].r.bound == bound) {
        e = &m->ent[i];
        e->used = ++m->clock;
        out->score = malloc(e->r.n * sizeof(*out->score) + 1);
        out->k = malloc(e->r.n * sizeof(*out->k) + 1);
        if (out->score != NULL && out->k != NULL) {
            memcpy(out->score, e->r.score, e->r.n * sizeof(*out->score));
            memcpy(out->k, e->r.k, e->r.n * sizeof(*out->k));
            out->n = e->r.n;
            out->bound = e->r.bound;
            found = 1;
        }
    }
    pthread_mutex_unlock(&m->mu);
    if (!found)
        imr_ranked_clear(out);
    return found;
}

void imr_rank_memo_put(struct imr_rank_memo *m, const char *key,
                       struct imr_ranked *r)
{
    size_t bytes, i, lru;
    char *k;
    long at;

    if (m == NULL || key == NULL ||
        (bytes = ent_bytes(key, r->n)) > IMR_RANK_MEMO_BYTES ||
        (k = strdup(key)) == NULL) {
        imr_ranked_clear(r);
        return;
    }
    pthread_mutex_lock(&m->mu);
    if ((at = ent_find(m, key)) >= 0)
        ent_drop(m, (size_t)at);
    while (m->n > 0 && (m->n == IMR_RANK_MEMO_MAX ||
                        m->bytes + bytes > IMR_RANK_MEMO_BYTES)) {
        for (lru = 0, i = 1; i < m->n; i++)
            if (m->ent[i].used < m->ent[lru].used)
                lru = i;
        ent_drop(m, lru);
    }
    m->ent[m->n].key = k;
    m->ent[m->n].r = *r;
    m->ent[m->n].used = ++m->clock;
    m->n++;
    m->bytes += bytes;
    pthread_mutex_unlock(&m->mu);
    memset(r, 0, sizeof(*r));
}

size_t imr_rank_memo_bytes(struct imr_rank_memo *m, size_t *queries)
{
    size_t n = 0;

    if (queries != NULL)
        *queries = 0;
    if (m == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    n = sizeof(*m) + m->bytes;
    if (queries != NULL)
        *queries = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}
