/* libFuzzer target: the letter parser (bytes of one letter -> record ->
 * the JSON of `imr-index parse`). */
#include "imr/imr.h"
#include "imr/parse.h"
#include "imr/record.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: parse it and render the record with its text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imr_record *rec = NULL;
    char err[IMR_ERR_LEN];
    json_t *j = NULL;
    char *s = NULL;

    if (imr_parse_letter((const char *)data, size, "fuzz/letter.txt", &rec,
                         err) != IMR_OK)
        return 0;
    j = imr_record_to_json(rec, 1);
    if (j != NULL)
        s = json_dumps(j, JSON_COMPACT);
    free(s);
    json_decref(j);
    imr_record_free(rec);
    return 0;
}
