/* imr-searchd logging: one line per event on stderr, with a UTC time
 * stamp; the access log has one line per request. */
#include "searchd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The access log: method, path (no query string), status, bytes, ms. */
void log_access(int worker, const char *method, const char *path,
                int status, size_t bytes, double ms)
{
    char ts[32];
    struct tm tm;
    time_t now = time(NULL);

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "%s imr-searchd access: w%d %s %s %d %zuB %.2fms\n",
            ts, worker, method, path, status, bytes, ms);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}
