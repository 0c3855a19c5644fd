/* imr-bench-hello: the HTTP ceiling of bench/run. A static libevent evhttp
 * server built like imr-searchd (N threads, each with its own event base
 * and evhttp on one shared listening socket, keep-alive) that answers
 * every GET with the same JSON body of a given size and does nothing
 * else. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/thread.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_THREADS 64

static char *body;
static size_t body_len;

static void reply_cb(struct evhttp_request *req, void *arg)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(req);

    (void)arg;
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    evbuffer_add_reference(out, body, body_len, NULL, NULL);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void *run(void *arg)
{
    event_base_dispatch(arg);
    return NULL;
}

/* Options, the socket, the threads; runs until killed. */
int main(int argc, char **argv)
{
    pthread_t tid[MAX_THREADS];
    struct event_base *base[MAX_THREADS];
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int threads = 2, port = 0, fd, one = 1, i, a;
    long bytes = 2048;

    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--port") == 0)
            port = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--threads") == 0)
            threads = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--bytes") == 0)
            bytes = atol(argv[a + 1]);
        else
            break;
    }
    if (a < argc || threads < 1 || threads > MAX_THREADS || bytes < 2 ||
        bytes > 64L * 1024 * 1024) {
        fputs("usage: imr-bench-hello [--port P] [--threads N] "
              "[--bytes B]\n  serves a static JSON body of B bytes on "
              "127.0.0.1:P; prints the port\n", stderr);
        return 2;
    }
    body_len = (size_t)bytes;
    body = malloc(body_len);
    if (body == NULL)
        return 1;
    /* {"x":"xxxx...x"} padded to exactly BYTES with the final newline */
    memset(body, 'x', body_len);
    if (body_len >= 9) {
        memcpy(body, "{\"x\":\"", 6);
        memcpy(body + body_len - 3, "\"}\n", 3);
    }
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("imr-bench-hello: listen");
        return 1;
    }
    evutil_make_socket_nonblocking(fd);
    printf("%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (i = 0; i < threads; i++) {
        struct evhttp *h;

        base[i] = event_base_new();
        h = base[i] != NULL ? evhttp_new(base[i]) : NULL;
        if (h == NULL || evhttp_accept_socket(h, fd) != 0)
            return 1;
        evhttp_set_gencb(h, reply_cb, NULL);
    }
    for (i = 0; i < threads; i++)
        if (pthread_create(&tid[i], NULL, run, base[i]) != 0)
            return 1;
    for (i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    return 0;
}
