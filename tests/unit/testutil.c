/* Helpers shared by the cmocka tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto done;
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        goto done;
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
        goto done;
    }
    buf[size] = '\0';
    if (len != NULL)
        *len = (size_t)size;
done:
    fclose(f);
    return buf;
}

char *tu_shared_path(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", IMR_SHARED_DIR, rel);
    return buf;
}

char *tu_source_path(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", IMR_SOURCE_DIR, rel);
    return buf;
}

int tu_shared_present(const char *subdir, const char *what)
{
    char path[4096];
    struct stat st;

    tu_shared_path(path, sizeof(path), subdir);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    fprintf(stderr, "SKIPPED: %s: %s is absent (../shared is not beside "
            "this clone)\n", what, path);
    return 0;
}

long long tu_match_count(sqlite3 *db, const char *m)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM item_fts WHERE "
                           "item_fts MATCH ?1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
