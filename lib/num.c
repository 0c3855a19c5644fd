/* Parsing of whole decimal numbers given on command lines, with a range
 * check (never atoi): shared by imr-index and imr-searchd. */
#include "imr/imr.h"

#include <errno.h>
#include <stdlib.h>

int imr_parse_int(const char *s, long min, long max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return IMR_EINVAL;
    *out = (int)v;
    return IMR_OK;
}
