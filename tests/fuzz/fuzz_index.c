/* Fuzz helpers: builds an index of the .txt letters of corpus/samples
 * once per process (in $TMPDIR) so that targets can run queries against
 * real data. */
#include "fuzz_index.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "imr/parse.h"
#include "imr/record.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[4096];
static int built;

static void cleanup(void)
{
    char p[4200];

    if (!built)
        return;
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    *strrchr(path, '/') = '\0';
    rmdir(path);
}

/* Reads FILE whole into *OUT (free()) of *LEN bytes; 0 or -1. */
static int slurp(const char *file, char **out, size_t *len)
{
    FILE *f = fopen(file, "rb");
    char *p = NULL;
    long n;

    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
        fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        fclose(f);
        return -1;
    }
    fclose(f);
    *out = p;
    *len = (size_t)n;
    return 0;
}

static int build(const char *samples)
{
    struct imr_index *ix = NULL;
    struct imr_record *rec = NULL;
    char err[IMR_ERR_LEN], file[4200];
    DIR *d = NULL;
    struct dirent *de;
    char *data = NULL;
    size_t len;
    int rc = -1, n = 0;

    if (imr_index_open(path, IMR_INDEX_RDWR, &ix, err) != IMR_OK ||
        imr_index_begin(ix, err) != IMR_OK)
        goto done;
    d = opendir(samples);
    if (d == NULL) {
        snprintf(err, sizeof(err), "cannot open %s", samples);
        goto done;
    }
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);

        if (nl < 5 || strcmp(de->d_name + nl - 4, ".txt") != 0)
            continue;
        snprintf(file, sizeof(file), "%s/%s", samples, de->d_name);
        if (slurp(file, &data, &len) != 0)
            continue;
        if (imr_parse_letter(data, len, file, &rec, err) == IMR_OK &&
            imr_index_put(ix, rec, NULL, err) == IMR_OK)
            n++;
        imr_record_free(rec);
        rec = NULL;
        free(data);
        data = NULL;
    }
    if (imr_index_commit(ix, err) != IMR_OK)
        goto done;
    rc = n > 0 ? 0 : -1;
    if (n == 0)
        snprintf(err, sizeof(err), "no letter indexed from %s", samples);
done:
    if (rc != 0)
        fprintf(stderr, "fuzz: cannot build the sample index: %s\n", err);
    if (d != NULL)
        closedir(d);
    imr_index_close(ix);
    return rc;
}

/* The index path; builds it the first time. */
const char *fuzz_index_path(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4000];

    if (built)
        return path;
    snprintf(dir, sizeof(dir), "%s/imr-fuzz-XXXXXX",
             tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz: mkdtemp");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/index.db", dir);
    built = 1;
    atexit(cleanup);
    if (build(IMR_SOURCE_DIR "/corpus/samples") != 0)
        return NULL;
    return path;
}
