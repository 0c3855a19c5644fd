/* Helpers shared by the cmocka tests: reading files and finding ../shared. */
#ifndef IMR_TESTUTIL_H
#define IMR_TESTUTIL_H
#include <sqlite3.h>
#include <stddef.h>

/* Reads the whole file PATH into a new NUL-terminated buffer (free()).
 * Returns NULL if it cannot be read; *len gets the size in bytes. */
char *tu_read_file(const char *path, size_t *len);

/* Returns 1 if ../shared/SUBDIR exists. Otherwise prints a visible
 * "SKIPPED: ... absent" notice naming WHAT and returns 0. */
int tu_shared_present(const char *subdir, const char *what);

/* Joins IMR_SHARED_DIR and REL into BUF of SIZE bytes; returns BUF. */
char *tu_shared_path(char *buf, size_t size, const char *rel);

/* Joins IMR_SOURCE_DIR and REL into BUF of SIZE bytes; returns BUF. */
char *tu_source_path(char *buf, size_t size, const char *rel);

/* The rows of item_fts in DB matching MATCH string M, or -1 when the
 * statement fails. */
long long tu_match_count(sqlite3 *db, const char *m);
#endif
