/* imr-index watch: keeps an index current with folders (inotify).
 *
 * At start the folders are synchronised once (a build with --prune).
 * Then every letter file that appears or changes is indexed when it is
 * complete: it was closed after writing (IN_CLOSE_WRITE) or moved in
 * (IN_MOVED_TO), and its size and mtime did not change for --settle
 * milliseconds. A file still being written (a download in progress) is
 * never indexed half-way. A file that disappears is dropped (a build of
 * no files with --prune, so a duplicate of it takes over). Every change
 * is one build of its own: one short transaction that readers such as a
 * running imr-searchd see on their next query. */
#include "indexer.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MASK (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | \
                    IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_ATTRIB)
#define WATCH_MAX_DEPTH 64

/* A watched folder. */
struct wdir {
    int wd;
    char *path;
};

/* A file changed and not yet indexed. */
struct pending {
    char *path;
    int closed;            /* closed after writing, or moved in */
    long long size, mtime_ns;
    double last;           /* time of the last event or stat change */
};

/* The watcher's state. */
struct watcher {
    int fd;
    struct wdir *dirs;
    size_t n_dirs, cap_dirs;
    struct pending *pend;
    size_t n_pend, cap_pend;
    int need_prune;        /* a file or folder went away */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds a watch on DIR and its sub-folders; with QUEUE the files found
 * are queued as complete candidates (they still have to settle). 0 or
 * -1 (OOM). */
static int add_tree(struct watcher *w, const char *dir, int depth,
                    int queue);

/* Queues PATH as changed (CLOSED: the writer is done with it). */
static int pend_touch(struct watcher *w, const char *path, int closed)
{
    size_t i;
    struct pending *p;

    for (i = 0; i < w->n_pend; i++) {
        if (strcmp(w->pend[i].path, path) == 0) {
            w->pend[i].closed = closed;
            w->pend[i].last = mono_s();
            return 0;
        }
    }
    if (w->n_pend == w->cap_pend) {
        w->cap_pend = w->cap_pend * 2 + 16;
        p = realloc(w->pend, w->cap_pend * sizeof(*p));
        if (p == NULL)
            return -1;
        w->pend = p;
    }
    p = &w->pend[w->n_pend];
    memset(p, 0, sizeof(*p));
    if ((p->path = strdup(path)) == NULL)
        return -1;
    p->closed = closed;
    p->size = -1;
    p->last = mono_s();
    w->n_pend++;
    return 0;
}

/* Forgets the pending entry I. */
static void pend_drop(struct watcher *w, size_t i)
{
    free(w->pend[i].path);
    w->pend[i] = w->pend[--w->n_pend];
}

static void pend_forget(struct watcher *w, const char *path)
{
    size_t i;

    for (i = 0; i < w->n_pend; i++)
        if (strcmp(w->pend[i].path, path) == 0) {
            pend_drop(w, i);
            return;
        }
}

static const char *dir_of(const struct watcher *w, int wd)
{
    size_t i;

    for (i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].wd == wd)
            return w->dirs[i].path;
    return NULL;
}

static int add_tree(struct watcher *w, const char *dir, int depth,
                    int queue)
{
    DIR *d;
    struct dirent *de;
    struct stat st;
    char path[PATH_MAX];
    int wd;
    size_t i;

    if (depth > WATCH_MAX_DEPTH)
        return 0;
    wd = inotify_add_watch(w->fd, dir, WATCH_MASK | IN_ONLYDIR);
    if (wd < 0) {
        fprintf(stderr, "imr-index watch: %s: %s\n", dir, strerror(errno));
        return 0;
    }
    for (i = 0; i < w->n_dirs && w->dirs[i].wd != wd; i++)
        ;
    if (i == w->n_dirs) {
        if (w->n_dirs == w->cap_dirs) {
            struct wdir *nv;

            w->cap_dirs = w->cap_dirs * 2 + 8;
            nv = realloc(w->dirs, w->cap_dirs * sizeof(*nv));
            if (nv == NULL)
                return -1;
            w->dirs = nv;
        }
        w->dirs[i].wd = wd;
        if ((w->dirs[i].path = strdup(dir)) == NULL)
            return -1;
        w->n_dirs++;
    }
    if ((d = opendir(dir)) == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
            (int)sizeof(path))
            continue;   /* a path longer than PATH_MAX cannot be opened */
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (add_tree(w, path, depth + 1, queue) != 0) {
                closedir(d);
                return -1;
            }
        } else if (queue && S_ISREG(st.st_mode) &&
                   walk_wanted(de->d_name) && pend_touch(w, path, 1) != 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

/* Applies the events in BUF (LEN bytes). 0 or -1 (OOM). */
static int handle_events(struct watcher *w, const char *buf, ssize_t len)
{
    const struct inotify_event *ev;
    const char *p;
    char path[PATH_MAX];

    for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
        const char *dir;

        ev = (const struct inotify_event *)(const void *)p;
        if (ev->mask & IN_Q_OVERFLOW) {
            w->need_prune = 2;     /* resynchronise everything */
            continue;
        }
        if ((dir = dir_of(w, ev->wd)) == NULL || ev->len == 0 ||
            ev->name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ev->name);
        if (ev->mask & IN_ISDIR) {
            if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
                if (add_tree(w, path, 1, 1) != 0)
                    return -1;
            } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                w->need_prune = w->need_prune ? w->need_prune : 1;
            }
            continue;
        }
        if (!walk_wanted(ev->name))
            continue;
        if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
            pend_forget(w, path);
            w->need_prune = w->need_prune ? w->need_prune : 1;
        } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
            if (pend_touch(w, path, 1) != 0)
                return -1;
        } else if (ev->mask & (IN_CREATE | IN_MODIFY)) {
            if (pend_touch(w, path, 0) != 0)
                return -1;
        }
    }
    return 0;
}

/* Indexes the pending files that are complete and settled, and prunes
 * the index when files went away. Returns 0, 1 when a build failed (it
 * is retried in a later round) or -1 on OOM. */
static int flush_ready(struct watcher *w, const struct build_opts *o,
                       double settle)
{
    struct build_opts one = *o;
    double now = mono_s();
    struct stat st;
    size_t i = 0;
    int status = 0;

    while (i < w->n_pend) {
        struct pending *p = &w->pend[i];
        long long mt;
        char *path;

        if (!p->closed) {
            i++;
            continue;
        }
        if (stat(p->path, &st) != 0 || !S_ISREG(st.st_mode)) {
            pend_drop(w, i);     /* gone again: the delete event prunes */
            continue;
        }
        mt = (long long)st.st_mtim.tv_sec * 1000000000LL +
             st.st_mtim.tv_nsec;
        if (st.st_size != p->size || mt != p->mtime_ns) {
            p->size = st.st_size;
            p->mtime_ns = mt;
            p->last = now;
            i++;
            continue;
        }
        if (now - p->last < settle) {
            i++;
            continue;
        }
        path = p->path;
        p->path = NULL;
        pend_drop(w, i);
        fprintf(stderr, "imr-index watch: %s changed\n", path);
        one.prune = 0;
        if (build_run(&one, &path, 1) != 0) {
            /* e.g. another writer held the index: try again later */
            fprintf(stderr, "imr-index watch: %s: will retry\n", path);
            status = 1;
            if (pend_touch(w, path, 1) != 0) {
                free(path);
                return -1;
            }
            i = w->n_pend;     /* not again in this round */
        }
        free(path);
    }
    if (w->need_prune) {
        char *const *none = NULL;

        fprintf(stderr, "imr-index watch: files went away, pruning\n");
        one.prune = 1;
        if (build_run(&one, none, 0) != 0)
            status = 1;        /* need_prune stays: retried next round */
        else
            w->need_prune = 0;
    }
    fflush(stdout);
    return status;
}

/* Follows DIRS until SIGINT/SIGTERM (see indexer.h). Returns the exit
 * status: 0 when stopped by a signal, 1 on failure. */
int watch_run(const struct build_opts *o, char *const *dirs, int n,
              int settle_ms)
{
    struct watcher w;
    struct build_opts first = *o;
    struct sigaction sa;
    char buf[64 * 1024]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    char real[PATH_MAX];
    int i, status = 1;

    memset(&w, 0, sizeof(w));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if ((w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
        fprintf(stderr, "imr-index watch: inotify: %s\n", strerror(errno));
        return 1;
    }
    /* Watch first, then synchronise: nothing written meanwhile is
     * missed (it is queued and indexed again, unchanged files skip). */
    for (i = 0; i < n; i++) {
        struct stat st;

        if (realpath(dirs[i], real) == NULL || stat(real, &st) != 0 ||
            !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "imr-index watch: %s: not a folder\n",
                    dirs[i]);
            goto done;
        }
        if (add_tree(&w, real, 0, 0) != 0)
            goto oom;
    }
    first.prune = 1;
    if (build_run(&first, dirs, n) != 0)
        goto done;
    fprintf(stderr, "imr-index watch: watching %d folder%s (%zu with"
            " sub-folders); Ctrl-C stops\n", n, n == 1 ? "" : "s",
            w.n_dirs);
    fflush(stdout);
    while (!stop_flag) {
        struct pollfd pfd = { w.fd, POLLIN, 0 };
        int r = poll(&pfd, 1, 100);
        ssize_t len;

        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "imr-index watch: poll: %s\n", strerror(errno));
            goto done;
        }
        while ((len = read(w.fd, buf, sizeof(buf))) > 0)
            if (handle_events(&w, buf, len) != 0)
                goto oom;
        if (w.need_prune == 2) {
            /* Events were lost: synchronise the folders again. */
            w.need_prune = 0;
            if (build_run(&first, dirs, n) != 0)
                fprintf(stderr, "imr-index watch: resync failed\n");
        }
        if (flush_ready(&w, o, settle_ms / 1000.0) < 0)
            goto oom;
    }
    fprintf(stderr, "imr-index watch: stopped\n");
    status = 0;
    goto done;
oom:
    fprintf(stderr, "imr-index watch: out of memory\n");
done:
    close(w.fd);
    for (i = 0; (size_t)i < w.n_dirs; i++)
        free(w.dirs[i].path);
    free(w.dirs);
    while (w.n_pend > 0)
        pend_drop(&w, w.n_pend - 1);
    free(w.pend);
    return status;
}
