/* libFuzzer target: the client's reading of the server's JSON (search
 * results, a letter, an error body). client/main.c is compiled in with its
 * main renamed; the printing goes to /dev/null. */
#define main imr_client_main
int imr_client_main(int argc, char **argv);
#include "../../client/main.c"
#undef main

#include <fcntl.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: a response body; the first byte picks how it is read. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct response r;
    json_error_t je;
    json_t *res;

    if (!ready) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
        C_HL = "\033[1;33m";   /* the colour paths too */
        C_OFF = "\033[0m";
        ready = 1;
    }
    if (size < 1)
        return 0;
    memset(&r, 0, sizeof(r));
    r.body = (char *)(uintptr_t)(data + 1);
    r.len = size - 1;
    r.status = 400;
    switch (data[0] % 3) {
    case 0:
    case 1:
        res = json_loadb(r.body, r.len, 0, &je);
        if (res == NULL)
            return 0;
        if (data[0] % 3 == 0)
            print_hits(res);
        else
            print_letter(res);
        json_decref(res);
        break;
    default: {
        /* its one line goes to stderr: silenced for the call only, so
         * that sanitizer reports still show */
        int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);

        if (saved < 0 || devnull < 0 || dup2(devnull, STDERR_FILENO) < 0)
            abort();
        server_error(&r);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(devnull);
        break;
    }
    }
    fflush(stdout);
    return 0;
}
