/* libFuzzer target: the citation normaliser (a guideline statement -> the
 * citations of an item) and the page-list parser. The first byte picks
 * who made the statement. */
#include "imr/cite.h"
#include "imr/imr.h"
#include "imr/record.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: first byte = the author, the rest = the statement. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imr_record *rec = NULL;
    struct imr_item *item = NULL;
    struct imr_citation c;
    char err[IMR_ERR_LEN];
    char *text = NULL;
    enum imr_by by;
    size_t i;

    if (size < 1 || size > 65536)
        return 0;
    by = data[0] & 1 ? IMR_BY_REVIEWER : IMR_BY_CLAIMS_ADMINISTRATOR;
    text = malloc(size);
    rec = imr_record_new();
    if (text == NULL || rec == NULL ||
        imr_record_add_item(rec, &item) != IMR_OK)
        goto done;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    imr_cite_parse(text, by, item, err);
    for (i = 0; i < item->n_citations; i++)
        (void)imr_cite_acoem_chapter(&item->citations[i]);
    memset(&c, 0, sizeof(c));
    imr_pages_parse(text, &c);
    free(c.pages);
done:
    imr_record_free(rec);
    free(text);
    return 0;
}
