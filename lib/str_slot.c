/* The probe of the tables keyed by text; see lib/str_slot.h. */
#include "str_slot.h"

#include <string.h>

size_t imr_str_slot(const void *slots, size_t n, size_t size,
                    const char *key)
{
    const unsigned char *base = slots;
    unsigned long h = 2166136261u;        /* FNV-1a */
    const unsigned char *p;
    const char *k;
    size_t i;

    for (p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    for (i = h % n;
         (k = *(char *const *)(const void *)(base + i * size)) != NULL &&
         strcmp(k, key) != 0;
         i = (i + 1) % n)
        ;
    return i;
}
