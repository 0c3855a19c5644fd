/* libFuzzer target: imr-searchd's request handling (request bytes ->
 * response). The daemon's searchd/http.c is compiled in and its own
 * http_worker_init sets up an in-process evhttp on a listening socket
 * (libevent has no public call to hand it a socketpair; a Unix socket in
 * the abstract namespace, as TCP loopback ran out of ports in TIME_WAIT
 * after ~280,000 inputs); each input is sent on a fresh connection, the
 * event loop runs until the server closes, over a small index of the
 * sample letters. Never a 500. */
#include "../../searchd/http.c"
#include "fuzz_index.h"

#include <fcntl.h>
#include <sys/un.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The daemon's log functions, silenced (the access log would flood the
 * fuzzer's output). */
void log_init(int v) { (void)v; }
int log_verbose(void) { return 0; }
void log_debug(const char *fmt, ...) { (void)fmt; }
void log_info(const char *fmt, ...) { (void)fmt; }
void log_warnx(const char *fmt, ...) { (void)fmt; }
void log_warn(const char *fmt, ...) { (void)fmt; }
void log_access(struct access_buf *ab, int worker, const char *method,
                const char *path, int status, size_t bytes, double ms)
{
    (void)ab; (void)worker; (void)method; (void)path; (void)status;
    (void)bytes; (void)ms;
}
void log_access_flush(struct access_buf *ab) { (void)ab; }
void log_access_free(struct access_buf *ab) { (void)ab; }
void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

static struct server srv;
static struct worker wk;

static struct sockaddr_un addr;
static socklen_t addr_len;

static void setup(void)
{
    const char *db = fuzz_index_path();

    if (db == NULL)
        abort();
    memset(&srv, 0, sizeof(srv));
    srv.o.db = db;
    srv.o.threads = 1;
    srv.o.max_conns = 512;
    srv.o.timeout_s = 5;
    srv.o.query_ms = 2000;
    srv.o.max_uri = 8192;
    srv.o.max_response = 16 << 20;
    srv.started = time(NULL);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    /* abstract name (leading NUL): nothing on disk to clean up */
    snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
             "imr-fuzz-http-%d", (int)getpid());
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                           strlen(addr.sun_path + 1));
    srv.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&addr, addr_len) != 0 ||
        listen(srv.fd, 64) != 0)
        abort();
    evutil_make_socket_nonblocking(srv.fd);
    wk.srv = &srv;
    srv.w = &wk;
    wk.base = event_base_new();
    if (wk.base == NULL || http_worker_init(&wk) != 0)
        abort();
}

/* Checks every status line in the response OUT of LEN bytes. */
static void check_response(const char *out, size_t len)
{
    const char *p = out, *end = out + len;

    for (; p + 12 <= end; p++) {
        if (memcmp(p, "HTTP/1.", 7) == 0 && memcmp(p + 8, " 500", 4) == 0) {
            fprintf(stderr, "fuzz_http: a 500 answer\n%.*s\n", (int)len,
                    out);
            abort();
        }
    }
}

/* One input: raw bytes sent by a client that then half-closes; the
 * answer is read until the server closes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[1 << 16];
    size_t got = 0, sent = 0;
    int fd, rounds;

    if (wk.base == NULL)
        setup();
    if (size > 32768)
        return 0;
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        abort();
    if (connect(fd, (struct sockaddr *)&addr, addr_len) != 0) {
        perror("fuzz_http: connect");
        abort();
    }
    evutil_make_socket_nonblocking(fd);
    /* feed the request, run the loop, read until the server closes */
    for (rounds = 0; rounds < 20000; rounds++) {
        ssize_t n;

        if (sent < size) {
            n = write(fd, data + sent, size - sent);
            if (n > 0)
                sent += (size_t)n;
            if (sent == size)
                shutdown(fd, SHUT_WR);
        } else if (size == 0 && rounds == 0) {
            shutdown(fd, SHUT_WR);
        }
        event_base_loop(wk.base, EVLOOP_NONBLOCK);
        n = read(fd, out + got, sizeof(out) - 1 - got);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            break;
        if (n > 0) {
            got += (size_t)n;
            if (got == sizeof(out) - 1)
                got = 0;   /* keep reading; only status lines matter */
        }
    }
    /* drain: let evhttp notice the close and free the connection */
    close(fd);
    for (rounds = 0; rounds < 4; rounds++)
        event_base_loop(wk.base, EVLOOP_NONBLOCK);
    check_response(out, got);
    return 0;
}
