/* imr-index: internal header, sectioned per .c file. */
#ifndef IMR_INDEXER_H
#define IMR_INDEXER_H
#include <stddef.h>

#define INDEXER_MAX_FILE (64L * 1024 * 1024)  /* larger inputs: rejected */

/* walk.c */

/* One input file found by the walk. */
struct walk_file {
    char *path;        /* absolute, symlinks resolved */
};

/* The files to index, sorted by path (strcmp), without duplicates. */
struct walk_list {
    struct walk_file *v;
    size_t n;
    size_t cap;
};

/* Walks each of the N PATHS (files or folders, recursively) into LIST.
 * In folders it takes regular files named *.txt, *.pdf, *.csv or without
 * extension,
 * and skips hidden entries, truth.jsonl and JSON sidecars; a
 * file named on the command line is always taken. Returns 0, or -1 after
 * printing why (a path that does not exist, OOM). */
int walk_paths(char *const *paths, int n, struct walk_list *list);
/* 1 if a file called NAME found in a folder is an input to index (not
 * hidden, *.txt, *.pdf, *.csv or without extension, no sidecar). */
int walk_wanted(const char *name);
/* Frees the list's paths and array. */
void walk_list_free(struct walk_list *list);
/* Reads the whole regular file PATH (at most INDEXER_MAX_FILE bytes) into
 * *DATA (free(); NUL-terminated) and *LEN, with its mtime in *MTIME.
 * Returns 0, or -1 with the reason in ERR (IMR_ERR_LEN bytes). */
int walk_read_file(const char *path, char **data, size_t *len,
                   long long *mtime, char *err);

/* build.c */

/* Options of `imr-index build`. */
struct build_opts {
    const char *db;    /* --db */
    int jobs;          /* --jobs, >= 1 */
    int prune;         /* --prune */
    int verbose;       /* -v: print each parse warning */
};

/* Runs a build over the N PATHS. Returns the exit status: 0, or 1 when
 * the build failed (the index keeps its old state). */
int build_run(const struct build_opts *o, char *const *paths, int n);

/* watch.c */

/* Synchronises the index with the N folders DIRS, then follows them
 * (inotify) until SIGINT/SIGTERM: a complete new or changed file (closed
 * or moved in, then unchanged for SETTLE_MS) is indexed, a removed one
 * dropped, each change in its own transaction. Returns the exit status. */
int watch_run(const struct build_opts *o, char *const *dirs, int n,
              int settle_ms);

#endif
