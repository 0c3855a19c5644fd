/* Internal: the probe of the small open-addressed tables keyed by text
 * (the memos of lib/phrase_rows.c and lib/tally_memo.c): FNV-1a, then
 * linear probing; a table is kept at most half full, so a probe always
 * ends. */
#ifndef IMR_STR_SLOT_H
#define IMR_STR_SLOT_H
#include <stddef.h>

/* The index of KEY among the N slots of SIZE bytes each at SLOTS, each
 * a struct whose first member is its key (char *, NULL when the slot is
 * empty): where KEY is, else the empty slot it would take. */
size_t imr_str_slot(const void *slots, size_t n, size_t size,
                    const char *key);

#endif
