/* imr-search: the command-line client of imr-searchd. It sends the query
 * over HTTP (libevent's client) and prints the hits for people, or the
 * server's JSON unchanged with --json. Exit codes: 0 success (also no
 * hits), 2 usage, 3 server unreachable, 4 the server answered an error. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imr/buf.h"

#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_SERVER 4
#define DEFAULT_SERVER "http://127.0.0.1:8077"

struct opts {
    const char *server;
    int json;
    long limit;          /* -1: server default */
    long offset;
    const char *sort;
    int color;
};

struct response {
    struct event_base *base;
    int done;
    int status;           /* 0: no answer */
    char *body;
    size_t len;
    char errmsg[256];
};

static const char *C_BOLD = "", *C_DIM = "", *C_RED = "", *C_GREEN = "",
                  *C_HL = "", *C_OFF = "";

static void usage(FILE *f)
{
    fprintf(f,
        "usage: imr-search [--server URL] [--json] [--limit N] [--offset N]\n"
        "                  [--sort relevance|date] QUERY...\n"
        "       imr-search [--server URL] [--json] show ID\n"
        "Searches IMR determinations through imr-searchd, e.g.\n"
        "  imr-search upheld FRP denials citing MTUS p.49\n"
        "The server is --server, else $IMR_SERVER, else " DEFAULT_SERVER ".\n"
        "See docs/query-language.md for the query language.\n"
        "Exit: 0 ok (also no hits), 2 usage, 3 server unreachable,\n"
        "4 the server answered with an error.\n");
}

static void on_error(enum evhttp_request_error e, void *arg)
{
    struct response *r = arg;

    snprintf(r->errmsg, sizeof(r->errmsg), "%s",
             e == EVREQ_HTTP_TIMEOUT ? "timed out" :
             e == EVREQ_HTTP_EOF ? "connection closed" :
             e == EVREQ_HTTP_INVALID_HEADER ? "invalid reply" :
             e == EVREQ_HTTP_BUFFER_ERROR ? "connection failed" :
             e == EVREQ_HTTP_DATA_TOO_LONG ? "reply too long" :
             "request cancelled");
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct response *r = arg;
    struct evbuffer *in;

    r->done = 1;
    /* the connection is kept alive: stop waiting once the reply is in */
    event_base_loopbreak(r->base);
    if (req == NULL || evhttp_request_get_response_code(req) == 0) {
        if (r->errmsg[0] == '\0')
            snprintf(r->errmsg, sizeof(r->errmsg), "connection failed");
        return;
    }
    r->status = evhttp_request_get_response_code(req);
    in = evhttp_request_get_input_buffer(req);
    r->len = evbuffer_get_length(in);
    r->body = malloc(r->len + 1);
    if (r->body == NULL) {
        r->status = 0;
        snprintf(r->errmsg, sizeof(r->errmsg), "out of memory");
        return;
    }
    evbuffer_remove(in, r->body, r->len);
    r->body[r->len] = '\0';
}

/* GETs PATH_QUERY from SERVER into *R. Returns 0 or an exit code. */
static int http_get(const char *server, const char *path_query,
                    struct response *r)
{
    struct evhttp_uri *u = evhttp_uri_parse(server);
    struct event_base *base = NULL;
    struct evhttp_connection *conn = NULL;
    struct evhttp_request *req;
    struct imr_buf full = IMR_BUF_INIT;
    const char *host, *prefix, *scheme;
    int port, rc = 0;

    memset(r, 0, sizeof(*r));
    if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL) {
        fprintf(stderr, "imr-search: bad server URL \"%s\" (expected "
                "http://HOST:PORT)\n", server);
        rc = EXIT_USAGE;
        goto done;
    }
    scheme = evhttp_uri_get_scheme(u);
    if (scheme != NULL && strcmp(scheme, "http") != 0) {
        fprintf(stderr, "imr-search: only http:// servers are supported "
                "(got \"%s\")\n", server);
        rc = EXIT_USAGE;
        goto done;
    }
    port = evhttp_uri_get_port(u);
    if (port < 0)
        port = 80;
    prefix = evhttp_uri_get_path(u);
    if (prefix != NULL && prefix[0] != '\0' && strcmp(prefix, "/") != 0) {
        size_t pl = strlen(prefix);

        imr_buf_add(&full, prefix, prefix[pl - 1] == '/' ? pl - 1 : pl);
    }
    imr_buf_adds(&full, path_query);
    base = event_base_new();
    if (base == NULL || imr_buf_error(&full) != 0) {
        fprintf(stderr, "imr-search: out of memory\n");
        rc = EXIT_UNREACHABLE;
        goto done;
    }
    r->base = base;
    conn = evhttp_connection_base_new(base, NULL, host, (unsigned short)port);
    req = conn ? evhttp_request_new(on_done, r) : NULL;
    if (req == NULL) {
        fprintf(stderr, "imr-search: cannot reach %s: out of memory\n",
                server);
        rc = EXIT_UNREACHABLE;
        goto done;
    }
    evhttp_connection_set_timeout(conn, 60);
    evhttp_request_set_error_cb(req, on_error);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Accept",
                      "application/json");
    if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, full.p) != 0) {
        fprintf(stderr, "imr-search: cannot reach %s\n", server);
        rc = EXIT_UNREACHABLE;
        goto done;
    }
    event_base_dispatch(base);
    if (r->status == 0) {
        fprintf(stderr, "imr-search: cannot reach the server at %s: %s\n",
                server, r->errmsg[0] ? r->errmsg : "no answer");
        rc = EXIT_UNREACHABLE;
    }
done:
    if (conn != NULL)
        evhttp_connection_free(conn);
    if (base != NULL)
        event_base_free(base);
    if (u != NULL)
        evhttp_uri_free(u);
    imr_buf_free(&full);
    return rc;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* S, or "unknown" when the letter did not give it (empty). */
static const char *or_unknown(const char *s)
{
    return s[0] != '\0' ? s : "unknown";
}

/* Prints the snippet with [ ] turned into colour on a terminal. */
static void print_snippet(const char *s)
{
    printf("   ");
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r')
            putchar(' ');
        else if (*s == '[' && C_HL[0])
            fputs(C_HL, stdout);
        else if (*s == ']' && C_HL[0])
            fputs(C_OFF, stdout);
        else
            putchar(*s);
    }
    printf("\n");
}

static void print_citations(const json_t *cites)
{
    const json_t *c, *p;
    size_t i, k;

    if (json_array_size(cites) == 0)
        return;
    printf("   Citations: ");
    json_array_foreach(cites, i, c) {
        const json_t *pages = json_object_get(c, "pages");
        const char *by = str(c, "by");

        printf("%s%s", i ? "; " : "", str(c, "guideline"));
        if (json_is_string(json_object_get(c, "chapter")))
            printf(" ch. %s", str(c, "chapter"));
        json_array_foreach(pages, k, p) {
            long a = (long)json_integer_value(json_array_get(p, 0));
            long b = (long)json_integer_value(json_array_get(p, 1));

            printf(k == 0 ? (json_array_size(pages) > 1 || a != b ?
                             " pp." : " p.") : ",");
            if (a == b)
                printf("%ld", a);
            else
                printf("%ld-%ld", a, b);
        }
        printf(" %s(%s)%s", C_DIM, strcmp(by, "reviewer") == 0 ?
               "reviewer" : "claims administrator", C_OFF);
    }
    printf("\n");
}

static void print_hits(const json_t *res)
{
    const json_t *hits = json_object_get(res, "hits"), *h, *d, *rb;
    const json_t *in = json_object_get(res, "interpretation");
    long total = (long)json_integer_value(json_object_get(res, "total"));
    long offset = (long)json_integer_value(json_object_get(res, "offset"));
    size_t i, k;

    json_array_foreach(hits, i, h) {
        const char *dec = str(h, "decision");
        const json_t *score = json_object_get(h, "score");
        const char *cn = str(h, "case_number");

        printf("%s%ld. %s%s  item %ld  %s%s%s", C_BOLD, offset + (long)i + 1,
               cn[0] ? cn : str(h, "id"), C_OFF,
               (long)json_integer_value(json_object_get(h, "item")),
               strcmp(dec, "upheld") == 0 ? C_RED :
               strcmp(dec, "overturned") == 0 ? C_GREEN : "",
               strcmp(dec, "upheld") == 0 ? "UPHELD" :
               strcmp(dec, "overturned") == 0 ? "OVERTURNED" : "UNKNOWN",
               C_OFF);
        if (json_is_string(json_object_get(h, "decision_date")))
            printf("  decided %s", str(h, "decision_date"));
        if (json_is_number(score))
            printf("  %sscore %.2f%s", C_DIM, json_number_value(score),
                   C_OFF);
        if (cn[0] && strcmp(cn, str(h, "id")) != 0)
            printf("  %s[%s]%s", C_DIM, str(h, "id"), C_OFF);
        printf("\n   Treatment: %s\n", str(h, "treatment"));
        print_citations(json_object_get(h, "citations"));
        if (json_array_size(json_object_get(h, "diagnoses")) > 0) {
            printf("   Diagnoses: ");
            json_array_foreach(json_object_get(h, "diagnoses"), k, d)
                printf("%s%s", k ? "; " : "", json_string_value(d));
            printf("\n");
        }
        if (json_is_string(json_object_get(h, "snippet")))
            print_snippet(str(h, "snippet"));
        if (json_array_size(json_object_get(h, "why")) > 0) {
            printf("   %sWhy:%s ", C_DIM, C_OFF);
            json_array_foreach(json_object_get(h, "why"), k, d)
                printf("%s%s", k ? "; " : "", json_string_value(d));
            printf("\n");
        }
        printf("\n");
    }
    printf("%sInterpretation:%s %s\n", C_BOLD, C_OFF, str(in, "summary"));
    if (json_array_size(hits) == 0)
        printf("%ld hits\n", total);
    else
        printf("%ld hit%s (showing %ld-%ld, by %s)\n", total,
               total == 1 ? "" : "s", offset + 1,
               offset + (long)json_array_size(hits), str(res, "sort"));
    if ((rb = json_object_get(res, "rank_bound")) != NULL)
        printf("%sRanked:%s %s (%" JSON_INTEGER_FORMAT " of %"
               JSON_INTEGER_FORMAT "); total and facets count every match\n",
               C_DIM, C_OFF, str(rb, "order"),
               json_integer_value(json_object_get(rb, "ranked")),
               json_integer_value(json_object_get(rb, "of")));
}

static void print_letter(const json_t *rec)
{
    const json_t *items = json_object_get(rec, "items"), *it, *dates;
    size_t i;

    dates = json_object_get(rec, "dates");
    printf("%s%s%s  (%s)\n", C_BOLD, str(rec, "id"), C_OFF,
           str(rec, "format"));
    printf("Decided %s  injured %s  received %s  outcome %s\n",
           or_unknown(str(dates, "decision")),
           or_unknown(str(dates, "injury")),
           or_unknown(str(dates, "received")),
           or_unknown(str(rec, "outcome")));
    json_array_foreach(items, i, it) {
        printf("\n%sItem %ld:%s %s: %s\n", C_BOLD,
               (long)json_integer_value(json_object_get(it, "n")), C_OFF,
               str(it, "treatment"), str(it, "decision"));
        print_citations(json_object_get(it, "citations"));
    }
    printf("\n%s\n", str(rec, "text"));
}

/* Reports a non-200 answer on one line; returns EXIT_SERVER. */
static int server_error(const struct response *r)
{
    json_error_t je;
    json_t *j = json_loadb(r->body, r->len, 0, &je);
    const json_t *e = json_object_get(j, "error");

    if (e != NULL)
        fprintf(stderr, "imr-search: server error %d (%s): %s\n", r->status,
                str(e, "code"), str(e, "message"));
    else
        fprintf(stderr, "imr-search: server error %d\n", r->status);
    json_decref(j);
    return EXIT_SERVER;
}

/* Options, one request, the output; exit 0/2/3/4. */
int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"server", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'l'},
        {"offset", required_argument, NULL, 'o'},
        {"sort", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    struct opts o = {NULL, 0, -1, -1, NULL, 0};
    struct imr_buf q = IMR_BUF_INIT, path = IMR_BUF_INIT;
    struct response r;
    json_error_t je;
    json_t *res = NULL;
    char *enc = NULL, *end;
    int c, i, rc = 0, show = 0;

    while ((c = getopt_long(argc, argv, "+s:jl:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            o.server = optarg;
            break;
        case 'j':
            o.json = 1;
            break;
        case 'l':
        case 'o':
            errno = 0;
            *(c == 'l' ? &o.limit : &o.offset) = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || end == optarg ||
                (c == 'l' ? o.limit : o.offset) < 0 ||
                (c == 'l' && o.limit > 1000)) {
                fprintf(stderr, "imr-search: --%s needs a number%s\n",
                        c == 'l' ? "limit" : "offset",
                        c == 'l' ? " from 0 to 1000" : " >= 0");
                return EXIT_USAGE;
            }
            break;
        case 'S':
            if (strcmp(optarg, "relevance") != 0 &&
                strcmp(optarg, "date") != 0) {
                fprintf(stderr, "imr-search: --sort is relevance or "
                        "date\n");
                return EXIT_USAGE;
            }
            o.sort = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "imr-search: no query given (try --help)\n");
        return EXIT_USAGE;
    }
    for (i = optind; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
            fprintf(stderr, "imr-search: options go before the query "
                    "(found %s after it)\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (o.server == NULL)
        o.server = getenv("IMR_SERVER");
    if (o.server == NULL || *o.server == '\0')
        o.server = DEFAULT_SERVER;
    if (isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
        (getenv("TERM") == NULL || strcmp(getenv("TERM"), "dumb") != 0)) {
        C_BOLD = "\033[1m";
        C_DIM = "\033[2m";
        C_RED = "\033[31m";
        C_GREEN = "\033[32m";
        C_HL = "\033[1;33m";
        C_OFF = "\033[0m";
    }
    if (strcmp(argv[optind], "show") == 0) {
        if (argc - optind != 2) {
            fprintf(stderr, "imr-search: show needs exactly one ID\n");
            return EXIT_USAGE;
        }
        show = 1;
        enc = evhttp_uriencode(argv[optind + 1], -1, 0);
        imr_buf_adds(&path, "/v1/determinations/");
        imr_buf_adds(&path, enc ? enc : "");
    } else {
        for (i = optind; i < argc; i++) {
            if (i > optind)
                imr_buf_addc(&q, ' ');
            imr_buf_adds(&q, argv[i]);
        }
        enc = evhttp_uriencode(q.p ? q.p : "", -1, 0);
        imr_buf_adds(&path, "/v1/search?q=");
        imr_buf_adds(&path, enc ? enc : "");
        if (o.limit >= 0)
            imr_buf_addf(&path, "&limit=%ld", o.limit);
        if (o.offset >= 0)
            imr_buf_addf(&path, "&offset=%ld", o.offset);
        if (o.sort != NULL)
            imr_buf_addf(&path, "&sort=%s", o.sort);
        if (!o.json)
            imr_buf_adds(&path, "&facets=0");   /* not printed */
    }
    if (enc == NULL || imr_buf_error(&path) != 0 || imr_buf_error(&q) != 0) {
        fprintf(stderr, "imr-search: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    rc = http_get(o.server, path.p, &r);
    if (rc != 0)
        goto done;
    if (o.json) {
        fwrite(r.body, 1, r.len, stdout);
        if (r.status != 200)
            rc = server_error(&r);
        goto done_body;
    }
    if (r.status != 200) {
        rc = server_error(&r);
        goto done_body;
    }
    res = json_loadb(r.body, r.len, 0, &je);
    if (res == NULL) {
        fprintf(stderr, "imr-search: the server's answer is not JSON: %s\n",
                je.text);
        rc = EXIT_SERVER;
        goto done_body;
    }
    if (show)
        print_letter(res);
    else
        print_hits(res);
done_body:
    free(r.body);
done:
    json_decref(res);
    free(enc);
    imr_buf_free(&q);
    imr_buf_free(&path);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "imr-search: cannot write the output\n");
        rc = 1;
    }
    return rc;
}
