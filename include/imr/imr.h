/* libimr: common definitions (error codes, limits) shared by every module. */
#ifndef IMR_IMR_H
#define IMR_IMR_H

#define IMR_OK         0
#define IMR_ENOMEM    -1   /* out of memory */
#define IMR_EINVAL    -2   /* bad input: the message says why */
#define IMR_EIO       -3   /* a file could not be read or written */
#define IMR_ENOTLETTER -4  /* the input holds no IMR determination */
#define IMR_EDB       -5   /* SQLite reported an error */
#define IMR_ENOTFOUND -6   /* no such record */
#define IMR_ELIMIT    -7   /* a size or complexity limit was exceeded */
#define IMR_EBUSY     -8   /* the index is locked or being replaced */
#define IMR_ESCHEMA   -9   /* the index was built by another schema version */

#define IMR_ERR_LEN 256    /* size of the optional err buffers callers pass */

/* Returns a static, human-readable name for an IMR_E* code. */
const char *imr_strerror(int rc);

/* Fills ERR (IMR_ERR_LEN bytes, may be NULL) like snprintf; returns RC so
 * callers can write "return imr_seterr(err, IMR_EINVAL, ...)". */
int imr_seterr(char *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses the whole string S as a decimal integer in [MIN, MAX] (which
 * must fit in an int). IMR_OK with *OUT set, or IMR_EINVAL (garbage,
 * trailing characters, out of range); *OUT is unchanged then. */
int imr_parse_int(const char *s, long min, long max, int *out);

#endif
