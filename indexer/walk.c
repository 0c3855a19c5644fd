/* imr-index: the walk over files and folders, and reading one file. */
#include "indexer.h"
#include "imr/imr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 64

/* Appends a copy of PATH. Returns 0 or -1 on OOM. */
static int list_add(struct walk_list *l, const char *path)
{
    struct walk_file *nv;
    char *copy = strdup(path);

    if (copy == NULL)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;

        if ((nv = realloc(l->v, cap * sizeof(*nv))) == NULL) {
            free(copy);
            return -1;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++].path = copy;
    return 0;
}

/* 1 if a file called NAME inside a folder is a letter to index. */
static int wanted_name(const char *name)
{
    const char *dot;

    if (name[0] == '.')
        return 0;
    if (strcmp(name, "truth.jsonl") == 0)
        return 0;
    dot = strrchr(name, '.');
    if (dot == NULL)
        return 1;
    return strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".pdf") == 0 ||
           strcasecmp(dot, ".csv") == 0;
}

/* 1 if NAME found in a folder is an input to index (indexer.h). */
int walk_wanted(const char *name)
{
    return wanted_name(name);
}

/* Adds the resolved path of the file PATH; 0 or -1 after a message. */
static int add_file(struct walk_list *l, const char *path)
{
    char real[PATH_MAX];

    if (realpath(path, real) == NULL) {
        fprintf(stderr, "imr-index: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (list_add(l, real) != 0) {
        fprintf(stderr, "imr-index: out of memory\n");
        return -1;
    }
    return 0;
}

/* Walks folder DIR, a resolved path (realpath's: its subfolders are
 * walked as DIR/NAME, never through a link, so they are resolved too).
 * Symbolic links to files are followed, links to folders are not (no
 * cycles). A plain file's path DIR/NAME is then already the one realpath
 * would give: only links are resolved, and the file type readdir gives
 * spares an lstat per file (100k letters: the walk, before any letter is
 * parsed, took 0.6 s, mostly realpath's readlink calls). Returns 0 or -1
 * after a message. */
static int walk_dir(struct walk_list *l, const char *dir, int depth)
{
    DIR *d = NULL;
    struct dirent *de;
    struct stat st;
    char *path = NULL;
    const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" :
                      "/";
    size_t cap = 0, need;
    int rc = 0, is_dir, is_reg;

    if (depth > WALK_MAX_DEPTH) {
        fprintf(stderr, "imr-index: %s: folders nested too deep\n", dir);
        return -1;
    }
    if ((d = opendir(dir)) == NULL) {
        fprintf(stderr, "imr-index: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        need = strlen(dir) + strlen(de->d_name) + 2;
        if (need > cap) {
            char *np = realloc(path, need);

            if (np == NULL) {
                fprintf(stderr, "imr-index: out of memory\n");
                rc = -1;
                break;
            }
            path = np;
            cap = need;
        }
        snprintf(path, cap, "%s%s%s", dir, sep, de->d_name);
        is_dir = de->d_type == DT_DIR;
        is_reg = de->d_type == DT_REG;
        if (!is_dir && !is_reg) {   /* a link, or a type not given */
            if (lstat(path, &st) != 0) {
                fprintf(stderr, "imr-index: %s: %s\n", path,
                        strerror(errno));
                rc = -1;
                break;
            }
            is_dir = S_ISDIR(st.st_mode);
            is_reg = S_ISREG(st.st_mode);
            if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 &&
                S_ISREG(st.st_mode) && wanted_name(de->d_name)) {
                rc = add_file(l, path);    /* resolved */
                continue;
            }
        }
        if (is_dir)
            rc = walk_dir(l, path, depth + 1);
        else if (is_reg && wanted_name(de->d_name) &&
                 list_add(l, path) != 0) {
            fprintf(stderr, "imr-index: out of memory\n");
            rc = -1;
        }
    }
    if (rc == 0 && errno != 0) {
        fprintf(stderr, "imr-index: %s: %s\n", dir, strerror(errno));
        rc = -1;
    }
    free(path);
    closedir(d);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct walk_file *)a)->path,
                  ((const struct walk_file *)b)->path);
}

int walk_paths(char *const *paths, int n, struct walk_list *list)
{
    struct stat st;
    size_t i, j;
    int k;

    for (k = 0; k < n; k++) {
        if (stat(paths[k], &st) != 0) {
            fprintf(stderr, "imr-index: %s: %s\n", paths[k],
                    strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            char real[PATH_MAX];

            if (realpath(paths[k], real) == NULL) {
                fprintf(stderr, "imr-index: %s: %s\n", paths[k],
                        strerror(errno));
                return -1;
            }
            if (walk_dir(list, real, 0) != 0)
                return -1;
        } else if (S_ISREG(st.st_mode)) {
            if (add_file(list, paths[k]) != 0)
                return -1;
        } else {
            fprintf(stderr, "imr-index: %s: not a file or folder\n",
                    paths[k]);
            return -1;
        }
    }
    if (list->n == 0)
        return 0;
    qsort(list->v, list->n, sizeof(*list->v), cmp_file);
    for (i = 1, j = 1; i < list->n; i++) {
        if (strcmp(list->v[i].path, list->v[j - 1].path) == 0)
            free(list->v[i].path);
        else
            list->v[j++] = list->v[i];
    }
    list->n = j;
    return 0;
}

void walk_list_free(struct walk_list *list)
{
    size_t i;

    for (i = 0; i < list->n; i++)
        free(list->v[i].path);
    free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}

int walk_read_file(const char *path, char **data, size_t *len,
                   long long *mtime, char *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    int fd;

    *data = NULL;
    *len = 0;
    *mtime = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        imr_seterr(err, IMR_EIO, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        imr_seterr(err, IMR_EIO, "cannot stat: %s", strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        imr_seterr(err, IMR_EIO, "not a regular file");
        goto fail;
    }
    if (st.st_size > INDEXER_MAX_FILE) {
        imr_seterr(err, IMR_ELIMIT, "file too large (%lld bytes, limit"
                   " %ld)", (long long)st.st_size, INDEXER_MAX_FILE);
        goto fail;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        imr_seterr(err, IMR_ENOMEM, "out of memory");
        goto fail;
    }
    /* Read what is there now; the file may have shrunk since fstat. */
    while (got < (size_t)st.st_size &&
           (r = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            imr_seterr(err, IMR_EIO, "read error: %s", strerror(errno));
            goto fail;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    close(fd);
    *data = buf;
    *len = got;
    *mtime = (long long)st.st_mtime;
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}
