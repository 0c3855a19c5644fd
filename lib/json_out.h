/* Internal: compact JSON text of a Jansson value, the bytes
 * json_dumps(J, JSON_COMPACT | JSON_ENSURE_ASCII) writes, made several
 * times faster (runs of plain ASCII are copied at once). The result cache
 * and the tally memo keep every answer in this form (lib/search.c), and
 * the daemon sends it as it is; imr_json_compact_utf8 writes the records
 * the indexer packs. */
#ifndef IMR_JSON_OUT_H
#define IMR_JSON_OUT_H
#include <jansson.h>

/* The text of J, an object or an array (malloc); NULL for anything else,
 * a string that is not UTF-8, or out of memory, where json_dumps gives
 * NULL too. */
char *imr_json_compact(const json_t *j);

/* The same with the code points above 0x7F left as they are: the bytes
 * json_dumps(J, JSON_COMPACT) writes (the parse record packed with each
 * letter, lib/index.c). */
char *imr_json_compact_utf8(const json_t *j);

#endif
