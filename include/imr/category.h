/* The DWC treatment taxonomy (category > subcategory) of a disputed item,
 * from the project's data file data/categories.tsv compiled into libimr. */
#ifndef IMR_CATEGORY_H
#define IMR_CATEGORY_H

/* Classifies the item text TREATMENT. Sets *CATEGORY and *SUBCATEGORY to
 * static strings ("Pharmaceuticals", "Opioids"); "Other"/NULL when nothing
 * matches. Returns IMR_OK, or IMR_ENOMEM if the table could not be
 * loaded. Thread-safe. */
int imr_category_classify(const char *treatment, const char **category,
                          const char **subcategory);

/* Checks that data/categories.tsv loaded and every line is well formed
 * (three TAB-separated columns, a lower-case pattern). Returns IMR_OK,
 * IMR_EINVAL naming the first bad line in ERR, or IMR_ENOMEM. */
int imr_category_check(char *err);

#endif
