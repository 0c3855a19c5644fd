/* imr-searchd logging: one line per event on stderr, with a UTC time
 * stamp; the access log has one line per request, gathered per worker
 * and written at most ACCESS_FLUSH_MS later (searchd.h). */
#include "searchd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ACCESS_BUF_SIZE (64 * 1024)

static int verbose;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void vlog(const char *level, const char *fmt, va_list ap,
                 const char *tail)
{
    char ts[32], msg[1024];
    struct tm tm;
    time_t now = time(NULL);

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "%s imr-searchd %s: %s%s%s\n", ts, level, msg,
            tail ? ": " : "", tail ? tail : "");
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}

/* Sets the level: VERBOSE > 0 also logs debug lines. */
void log_init(int v)
{
    verbose = v;
}

/* 1 when debug lines are logged. */
int log_verbose(void)
{
    return verbose > 0;
}

/* Logs a debug line (only with -v). */
void log_debug(const char *fmt, ...)
{
    va_list ap;

    if (verbose <= 0)
        return;
    va_start(ap, fmt);
    vlog("debug", fmt, ap, NULL);
    va_end(ap);
}

/* Logs an information line. */
void log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("info", fmt, ap, NULL);
    va_end(ap);
}

/* Logs a warning. */
void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("warning", fmt, ap, NULL);
    va_end(ap);
}

/* Logs a warning followed by strerror(errno). */
void log_warn(const char *fmt, ...)
{
    va_list ap;
    int e = errno;

    va_start(ap, fmt);
    vlog("warning", fmt, ap, strerror(e));
    va_end(ap);
}

/* Logs an error and exits 1; for startup only. */
void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("fatal", fmt, ap, NULL);
    va_end(ap);
    exit(1);
}

/* Writes the N bytes at P to stderr (whole, despite EINTR and short
 * writes); called with log_mu held. */
static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(STDERR_FILENO, p, n);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;         /* nowhere to report a failing log */
        p += k;
        n -= (size_t)k;
    }
}

/* Writes out AB's pending access-log lines. */
void log_access_flush(struct access_buf *ab)
{
    if (ab->n == 0)
        return;
    pthread_mutex_lock(&log_mu);
    fflush(stderr);
    write_all(ab->p, ab->n);
    pthread_mutex_unlock(&log_mu);
    ab->n = 0;
}

/* Writes out and frees AB. */
void log_access_free(struct access_buf *ab)
{
    log_access_flush(ab);
    free(ab->p);
    ab->p = NULL;
    ab->cap = 0;
}

/* The access log: method, path (no query string), status, bytes, ms.
 * The line joins the worker's buffer AB (written by log_access_flush);
 * without memory for one it is written at once. */
void log_access(struct access_buf *ab, int worker, const char *method,
                const char *path, int status, size_t bytes, double ms)
{
    char ts[32], line[1024];
    struct tm tm;
    time_t now = time(NULL);
    int len;

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    len = snprintf(line, sizeof(line), "%s imr-searchd access: w%d %s %s "
                   "%d %zuB %.2fms\n", ts, worker, method, path, status,
                   bytes, ms);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof(line)) {      /* a cut path: keep the \n */
        len = (int)sizeof(line) - 1;
        line[len - 1] = '\n';
    }
    if (ab->p == NULL && (ab->p = malloc(ACCESS_BUF_SIZE)) != NULL)
        ab->cap = ACCESS_BUF_SIZE;
    if (ab->p == NULL) {
        pthread_mutex_lock(&log_mu);
        fflush(stderr);
        write_all(line, (size_t)len);
        pthread_mutex_unlock(&log_mu);
        return;
    }
    if (ab->n + (size_t)len > ab->cap)
        log_access_flush(ab);
    memcpy(ab->p + ab->n, line, (size_t)len);
    ab->n += (size_t)len;
}
