/* A growable byte buffer with length and capacity (always NUL-terminated).
 * Appends use a sticky error: after a failed allocation every further append
 * is a no-op and imr_buf_error() reports IMR_ENOMEM. */
#ifndef IMR_BUF_H
#define IMR_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct imr_buf {
    char *p;       /* the bytes, NUL-terminated once anything was added */
    size_t n;      /* bytes used, not counting the NUL */
    size_t cap;    /* bytes allocated */
    int rc;        /* IMR_OK, or IMR_ENOMEM after a failed allocation */
};

#define IMR_BUF_INIT {NULL, 0, 0, 0}

void imr_buf_add(struct imr_buf *b, const char *s, size_t len);
void imr_buf_adds(struct imr_buf *b, const char *s);
void imr_buf_addc(struct imr_buf *b, char c);
void imr_buf_addf(struct imr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void imr_buf_addvf(struct imr_buf *b, const char *fmt, va_list ap);
void imr_buf_reset(struct imr_buf *b);       /* n = 0, keeps memory */
void imr_buf_free(struct imr_buf *b);        /* releases memory */
int imr_buf_error(const struct imr_buf *b);  /* IMR_OK or IMR_ENOMEM */
/* Hands the bytes to the caller (free()); "" if empty; NULL on error.
 * The buffer is left empty. */
char *imr_buf_take(struct imr_buf *b);

#endif
