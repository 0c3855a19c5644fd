/* Growable byte buffer; see include/imr/buf.h. */
#include "imr/buf.h"
#include "imr/imr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct imr_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->rc != IMR_OK)
        return b->rc;
    if (extra > (size_t)-1 / 2 - b->n)
        return b->rc = IMR_ENOMEM;
    need = b->n + extra + 1;
    if (need <= b->cap)
        return IMR_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        return b->rc = IMR_ENOMEM;
    b->p = p;
    b->cap = cap;
    return IMR_OK;
}

void imr_buf_add(struct imr_buf *b, const char *s, size_t len)
{
    if (grow(b, len) != IMR_OK)
        return;
    if (len > 0)
        memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void imr_buf_adds(struct imr_buf *b, const char *s)
{
    imr_buf_add(b, s, strlen(s));
}

void imr_buf_addc(struct imr_buf *b, char c)
{
    /* the cleaners add a byte at a time: room for it and the NUL is the
     * common case */
    if (b->rc == IMR_OK && b->n + 2 <= b->cap) {
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
        return;
    }
    imr_buf_add(b, &c, 1);
}

void imr_buf_addvf(struct imr_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int len;

    if (b->rc != IMR_OK)
        return;
    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0 || grow(b, (size_t)len) != IMR_OK)
        return;
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    b->n += (size_t)len;
}

void imr_buf_addf(struct imr_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    imr_buf_addvf(b, fmt, ap);
    va_end(ap);
}

void imr_buf_reset(struct imr_buf *b)
{
    b->n = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void imr_buf_free(struct imr_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->rc = IMR_OK;
}

int imr_buf_error(const struct imr_buf *b)
{
    return b->rc;
}

char *imr_buf_take(struct imr_buf *b)
{
    char *p;

    if (b->rc != IMR_OK) {
        imr_buf_free(b);
        return NULL;
    }
    if (b->p == NULL)
        return strdup("");
    p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}
