/* Fuzz helpers: a small index of the sample letters, built once per
 * process in a temporary directory. */
#ifndef FUZZ_INDEX_H
#define FUZZ_INDEX_H

/* Path of the index of corpus/samples (built on the first call), or NULL
 * when it cannot be built (a message on stderr). */
const char *fuzz_index_path(void);

#endif
