/* The counts of queries answered in one index state, by query text
 * (lib/tally_memo.h): an open-addressed hash table under a mutex, at most
 * half full, emptied when it reaches its bound of queries or bytes. */
#include "tally_memo.h"
#include "str_slot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TALLY_SLOTS (2 * IMR_TALLY_MEMO_MAX)

struct tally_ent {
    char *key;                /* NULL: empty slot */
    struct imr_tally t;
};

struct imr_tally_memo {
    pthread_mutex_t mu;
    struct tally_ent slot[TALLY_SLOTS];
    size_t n;
    size_t text_bytes;        /* keys and facets, with their NULs */
};

struct imr_tally_memo *imr_tally_memo_new(void)
{
    struct imr_tally_memo *m = calloc(1, sizeof(*m));

    if (m != NULL && pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

/* Bytes of text E holds. */
static size_t ent_bytes(const struct tally_ent *e)
{
    return strlen(e->key) + 1 +
           (e->t.facets != NULL ? strlen(e->t.facets) + 1 : 0);
}

/* Empties M (under its mutex). */
static void tally_clear(struct imr_tally_memo *m)
{
    size_t i;

    for (i = 0; i < TALLY_SLOTS; i++) {
        free(m->slot[i].key);
        free(m->slot[i].t.facets);
        m->slot[i].key = NULL;
        m->slot[i].t.facets = NULL;
    }
    m->n = 0;
    m->text_bytes = 0;
}

void imr_tally_memo_free(struct imr_tally_memo *m)
{
    if (m == NULL)
        return;
    tally_clear(m);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* The slot of KEY in M: where it is, else the empty one it would take
 * (never full: at most half the slots are used). */
static struct tally_ent *tally_slot(struct imr_tally_memo *m,
                                    const char *key)
{
    return &m->slot[imr_str_slot(m->slot, TALLY_SLOTS, sizeof(m->slot[0]),
                                 key)];
}

int imr_tally_memo_get(struct imr_tally_memo *m, const char *key,
                       int with_facets, struct imr_tally *out)
{
    const struct tally_ent *e;
    int found = 0;

    if (m == NULL || key == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    e = tally_slot(m, key);
    if (e->key != NULL && (!with_facets || e->t.facets != NULL)) {
        out->total = e->t.total;
        out->seen = e->t.seen;
        out->facets = with_facets ? strdup(e->t.facets) : NULL;
        found = !with_facets || out->facets != NULL;
    }
    pthread_mutex_unlock(&m->mu);
    return found;
}

void imr_tally_memo_put(struct imr_tally_memo *m, const char *key,
                        const struct imr_tally *t)
{
    struct tally_ent *e, ne;
    size_t bytes;

    if (m == NULL || key == NULL)
        return;
    ne.key = strdup(key);
    ne.t = *t;
    ne.t.facets = t->facets != NULL ? strdup(t->facets) : NULL;
    if (ne.key == NULL || (t->facets != NULL && ne.t.facets == NULL)) {
        free(ne.key);
        free(ne.t.facets);
        return;
    }
    bytes = ent_bytes(&ne);
    pthread_mutex_lock(&m->mu);
    e = tally_slot(m, key);
    if (e->key != NULL) {
        /* counts with facets replace those without, in place (a slot
         * emptied would break the probe sequences through it) */
        size_t old = ent_bytes(e);

        if (e->t.facets == NULL && ne.t.facets != NULL &&
            m->text_bytes - old + bytes <= IMR_TALLY_MEMO_BYTES) {
            free(e->key);
            free(e->t.facets);
            *e = ne;
            m->text_bytes = m->text_bytes - old + bytes;
            ne.key = NULL;
            ne.t.facets = NULL;
        }
    } else if (bytes <= IMR_TALLY_MEMO_BYTES) {
        if (m->n >= IMR_TALLY_MEMO_MAX ||
            m->text_bytes + bytes > IMR_TALLY_MEMO_BYTES) {
            tally_clear(m);
            e = tally_slot(m, key);
        }
        *e = ne;
        m->n++;
        m->text_bytes += bytes;
        ne.key = NULL;
        ne.t.facets = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    free(ne.key);
    free(ne.t.facets);
}

size_t imr_tally_memo_count(struct imr_tally_memo *m)
{
    size_t n;

    if (m == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    n = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

size_t imr_tally_memo_bytes(struct imr_tally_memo *m)
{
    size_t n;

    if (m == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    n = sizeof(*m) + m->text_bytes;
    pthread_mutex_unlock(&m->mu);
    return n;
}
