/* Internal: compact JSON text of a Jansson value, the bytes
 * json_dumps(J, JSON_COMPACT | JSON_ENSURE_ASCII) writes, made several
 * times faster (runs of plain ASCII are copied at once). The result cache
 * and the tally memo keep every answer in this form (lib/search.c), and
 * the daemon sends it as it is. */
#ifndef IMR_JSON_OUT_H
#define IMR_JSON_OUT_H
#include <jansson.h>

/* The text of J, an object or an array (malloc); NULL for anything else,
 * a string that is not UTF-8, or out of memory, where json_dumps gives
 * NULL too. */
char *imr_json_compact(const json_t *j);

#endif
