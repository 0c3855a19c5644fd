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

/* {"error": {"code": CODE, "message": MESSAGE}}; NULL on OOM. */
json_t *render_error(const char *code, const char *message)
{
    return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
                     message);
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
