/* imr-corpus: the command line. `imr-corpus generate --count N --seed S
 * --out DIR [--jobs J]` writes N letters in shards of 1000
 * (DIR/000/CM15-0000001.txt ...) and DIR/truth.jsonl, one record per
 * letter in file order. */
#include "gen.h"
#include "imr/imr.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHARD 1000
#define MAX_JOBS 64

struct opts {
    unsigned long long count;
    unsigned long long seed;
    const char *out;
    int jobs;
    int quiet;
};

/* What one worker made. */
struct tally {
    unsigned long long letters, items, upheld, overturned;
    int rc;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: imr-corpus generate --count N --seed S --out DIR "
        "[--jobs J] [--quiet]\n"
        "  Writes N synthetic IMR determination letters (pdftotext text,\n"
        "  three formats, realistic noise) to DIR/NNN/<case>.txt in shards\n"
        "  of %d, and DIR/truth.jsonl with the record of each letter.\n"
        "  The same seed always gives the same bytes.\n"
        "  --jobs J   worker processes (default 2, at most %d)\n"
        "  --quiet    no summary on stderr\n", SHARD, MAX_JOBS);
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "imr-corpus: %s%s%s (try --help)\n", msg,
            arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int parse_ull(const char *s, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const char *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0)
        return -1;
    if (write_all(fd, p, n) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Makes the letters of shards K, K+jobs, ... ; each shard's truth goes to
 * DIR/.parts/NNN.jsonl. */
static int worker(const struct opts *o, int k, struct tally *t)
{
    struct imr_buf text = IMR_BUF_INIT, truth = IMR_BUF_INIT;
    unsigned long long shard, nshards = (o->count + SHARD - 1) / SHARD, i;
    char path[4096], rel[64], cn[16];
    int rc = IMR_OK;

    for (shard = (unsigned long long)k; shard < nshards && rc == IMR_OK;
         shard += (unsigned long long)o->jobs) {
        unsigned long long end = (shard + 1) * SHARD;

        if (end > o->count)
            end = o->count;
        snprintf(path, sizeof(path), "%s/%03llu", o->out, shard);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "imr-corpus: cannot create %s: %s\n", path,
                    strerror(errno));
            return IMR_EIO;
        }
        imr_buf_reset(&truth);
        for (i = shard * SHARD; i < end; i++) {
            struct imr_record *rec = NULL;
            json_t *j;
            char *line;
            size_t n;

            gen_case_number(o->seed, i, cn);
            snprintf(rel, sizeof(rel), "%03llu/%s.txt", shard, cn);
            imr_buf_reset(&text);
            if ((rc = gen_letter(o->seed, i, rel, &text, &rec)) != IMR_OK)
                break;
            snprintf(path, sizeof(path), "%s/%s", o->out, rel);
            if (write_file(path, text.p, text.n) != 0) {
                fprintf(stderr, "imr-corpus: cannot write %s: %s\n", path,
                        strerror(errno));
                imr_record_free(rec);
                rc = IMR_EIO;
                break;
            }
            t->letters++;
            t->items += rec->n_items;
            for (n = 0; n < rec->n_items; n++) {
                if (rec->items[n].decision == IMR_DECISION_UPHELD)
                    t->upheld++;
                else
                    t->overturned++;
            }
            j = imr_record_to_json(rec, 0);
            imr_record_free(rec);
            line = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
            json_decref(j);
            if (line == NULL) {
                rc = IMR_ENOMEM;
                break;
            }
            imr_buf_adds(&truth, line);
            imr_buf_addc(&truth, '\n');
            free(line);
        }
        if (rc == IMR_OK && (rc = imr_buf_error(&truth)) == IMR_OK) {
            snprintf(path, sizeof(path), "%s/.parts/%03llu.jsonl", o->out,
                     shard);
            if (write_file(path, truth.p ? truth.p : "", truth.n) != 0) {
                fprintf(stderr, "imr-corpus: cannot write %s: %s\n", path,
                        strerror(errno));
                rc = IMR_EIO;
            }
        }
    }
    if (rc == IMR_ENOMEM)
        fprintf(stderr, "imr-corpus: out of memory\n");
    imr_buf_free(&text);
    imr_buf_free(&truth);
    return rc;
}

/* Concatenates the shard parts into DIR/truth.jsonl and removes them. */
static int merge(const struct opts *o)
{
    unsigned long long shard, nshards = (o->count + SHARD - 1) / SHARD;
    char path[4096], part[4096];
    char *buf = malloc(1 << 20);
    FILE *out = NULL;
    int rc = IMR_OK;

    snprintf(path, sizeof(path), "%s/truth.jsonl", o->out);
    if (buf == NULL || (out = fopen(path, "wb")) == NULL) {
        fprintf(stderr, "imr-corpus: cannot write %s\n", path);
        rc = IMR_EIO;
        goto done;
    }
    for (shard = 0; shard < nshards && rc == IMR_OK; shard++) {
        FILE *in;
        size_t n;

        snprintf(part, sizeof(part), "%s/.parts/%03llu.jsonl", o->out,
                 shard);
        if ((in = fopen(part, "rb")) == NULL) {
            fprintf(stderr, "imr-corpus: missing %s\n", part);
            rc = IMR_EIO;
            break;
        }
        while ((n = fread(buf, 1, 1 << 20, in)) > 0)
            if (fwrite(buf, 1, n, out) != n)
                rc = IMR_EIO;
        fclose(in);
        unlink(part);
    }
    if (fclose(out) != 0)
        rc = IMR_EIO;
    out = NULL;
    snprintf(part, sizeof(part), "%s/.parts", o->out);
    rmdir(part);
    if (rc != IMR_OK)
        fprintf(stderr, "imr-corpus: cannot write %s\n", path);
done:
    if (out != NULL)
        fclose(out);
    free(buf);
    return rc;
}

static int generate(const struct opts *o)
{
    struct tally sum = {0, 0, 0, 0, 0};
    pid_t pids[MAX_JOBS];
    int fds[MAX_JOBS], k, rc = IMR_OK, jobs = o->jobs;
    char path[4096];
    struct timespec t0, t1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (mkdir(o->out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "imr-corpus: cannot create %s: %s\n", o->out,
                strerror(errno));
        return 1;
    }
    snprintf(path, sizeof(path), "%s/.parts", o->out);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "imr-corpus: cannot create %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    if ((unsigned long long)jobs > (o->count + SHARD - 1) / SHARD)
        jobs = (int)((o->count + SHARD - 1) / SHARD);
    if (jobs < 1)
        jobs = 1;
    fflush(NULL);
    for (k = 0; k < jobs; k++) {
        int p[2];

        if (pipe(p) != 0 || (pids[k] = fork()) < 0) {
            fprintf(stderr, "imr-corpus: cannot start worker: %s\n",
                    strerror(errno));
            jobs = k;
            rc = IMR_EIO;
            break;
        }
        if (pids[k] == 0) {
            struct tally t = {0, 0, 0, 0, 0};

            close(p[0]);
            t.rc = worker(o, k, &t);
            if (write_all(p[1], (const char *)&t, sizeof(t)) != 0)
                _exit(1);
            _exit(t.rc == IMR_OK ? 0 : 1);
        }
        close(p[1]);
        fds[k] = p[0];
    }
    for (k = 0; k < jobs; k++) {
        struct tally t;
        int status;

        if (read(fds[k], &t, sizeof(t)) != (ssize_t)sizeof(t))
            t.rc = IMR_EIO;
        close(fds[k]);
        waitpid(pids[k], &status, 0);
        if (t.rc != IMR_OK || !WIFEXITED(status) || WEXITSTATUS(status))
            rc = IMR_EIO;
        else {
            sum.letters += t.letters;
            sum.items += t.items;
            sum.upheld += t.upheld;
            sum.overturned += t.overturned;
        }
    }
    if (rc == IMR_OK)
        rc = merge(o);
    if (rc != IMR_OK)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!o->quiet)
        fprintf(stderr, "imr-corpus: %llu letters, %llu items, %llu upheld"
                " (%.1f%%), %llu overturned, %.2f s, in %s\n", sum.letters,
                sum.items, sum.upheld, sum.items ? 100.0 * (double)
                sum.upheld / (double)sum.items : 0.0, sum.overturned,
                (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, o->out);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    struct opts o = {0, 1, NULL, 2, 0};
    int c, have_count = 0;
    unsigned long long v;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "generate") != 0)
        return bad_usage(argc < 2 ? "missing command" : "unknown command",
                         argc < 2 ? "generate" : argv[1]);
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:s:o:j:qh", longopts, NULL))
           != -1) {
        switch (c) {
        case 'n':
            if (parse_ull(optarg, 100000000ULL, &o.count) != 0)
                return bad_usage("--count wants a number up to 100000000",
                                 optarg);
            have_count = 1;
            break;
        case 's':
            if (parse_ull(optarg, ~0ULL, &o.seed) != 0)
                return bad_usage("--seed wants a non-negative integer",
                                 optarg);
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'j':
            if (parse_ull(optarg, MAX_JOBS, &v) != 0 || v == 0)
                return bad_usage("--jobs wants a number from 1 to 64",
                                 optarg);
            o.jobs = (int)v;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_usage("unknown or incomplete option",
                             argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument", argv[optind]);
    if (!have_count || o.out == NULL)
        return bad_usage("generate needs --count N and --out DIR", NULL);
    return generate(&o);
}
