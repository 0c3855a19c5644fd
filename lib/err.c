/* Error codes and messages shared by every libimr module. */
#include "imr/imr.h"

#include <stdarg.h>
#include <stdio.h>

const char *imr_strerror(int rc)
{
    switch (rc) {
    case IMR_OK:         return "ok";
    case IMR_ENOMEM:     return "out of memory";
    case IMR_EINVAL:     return "invalid input";
    case IMR_EIO:        return "input/output error";
    case IMR_ENOTLETTER: return "not an IMR determination";
    case IMR_EDB:        return "index database error";
    case IMR_ENOTFOUND:  return "not found";
    case IMR_ELIMIT:     return "limit exceeded";
    case IMR_EBUSY:      return "index busy";
    case IMR_ESCHEMA:    return "index schema version mismatch";
    default:             return "unknown error";
    }
}

int imr_seterr(char *err, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return rc;
    va_start(ap, fmt);
    vsnprintf(err, IMR_ERR_LEN, fmt, ap);
    va_end(ap);
    return rc;
}
