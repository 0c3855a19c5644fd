/* imr-searchd rendering: JSON bodies and the error object
 * {"error": {"code", "message"}}. */
#include "searchd.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

/* Appends J as compact JSON and a newline to BUF. 0 or -1 on OOM. */
int render_json(struct evbuffer *buf, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    int rc;

    if (s == NULL)
        return -1;
    rc = evbuffer_add(buf, s, strlen(s)) == 0 &&
         evbuffer_add(buf, "\n", 1) == 0 ? 0 : -1;
    free(s);
    return rc;
}

/* {"error": {"code": CODE, "message": MESSAGE}}; NULL on OOM. A message
 * that is not valid UTF-8 (it may quote the request, e.g. an id with a
 * %86 in it) has its non-ASCII bytes replaced by '?': JSON strings must
 * be UTF-8. */
json_t *render_error(const char *code, const char *message)
{
    json_t *e = json_pack("{s:{s:s, s:s}}", "error", "code", code,
                          "message", message);
    char *clean, *p;

    if (e != NULL || message == NULL || (clean = strdup(message)) == NULL)
        return e;
    for (p = clean; *p != '\0'; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
                  clean);
    free(clean);
    return e;
}

/* The reason phrase of an HTTP status we send. */
const char *render_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default:  return "Error";
    }
}
