/* imr-index: command line. `parse` prints the record of each letter as
 * JSON, `build` creates or updates an index, `stats` reports what an index
 * holds, `watch` keeps an index current with folders, `optimize` merges
 * its full-text segments. Exit status: 0 ok, 1 failure (or a rejected
 * file in parse), 2 usage error. */
#include "indexer.h"
#include "imr/imr.h"
#include "imr/index.h"
#include "imr/input.h"
#include "imr/parse.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_JOBS 256

static const char usage_main[] =
    "usage: imr-index COMMAND [OPTIONS] ...\n"
    "\n"
    "commands:\n"
    "  parse FILE...                  print each letter's record as JSON\n"
    "  build --db FILE [--jobs N] [--prune] PATH...\n"
    "                                 index letters (files and folders)\n"
    "  stats --db FILE [--json]       counts of what the index holds\n"
    "  watch --db FILE [--settle MS] DIR...\n"
    "                                 keep the index current with folders\n"
    "  optimize --db FILE             merge the full-text index's segments\n"
    "\n"
    "`imr-index COMMAND --help` describes one command.\n";

static const char usage_parse[] =
    "usage: imr-index parse FILE...\n"
    "\n"
    "Parses each IMR determination letter (a PDF, or pdftotext output\n"
    "with or without -layout; a DMHC open-data CSV gives one line per\n"
    "row, a DMHC case text one line) and prints its record as one\n"
    "compact JSON object per line, in the order given. A file that holds no determination\n"
    "gets one line \"imr-index: FILE: REASON\" on stderr; the other files\n"
    "are still printed and the exit status is then 1.\n";

static const char usage_build[] =
    "usage: imr-index build --db FILE [--jobs N] [--prune] [-v] PATH...\n"
    "\n"
    "Creates or updates the index FILE from the letters under each PATH\n"
    "(files, and folders walked recursively for *.txt, *.pdf, *.csv and\n"
    "extension-less files; hidden files and truth.jsonl / *.json sidecars\n"
    "are skipped). Files are read by content: PDFs (text extracted\n"
    "in-process; encrypted, damaged, image-only or huge ones are rejected\n"
    "with the reason), DMHC open-data CSVs (one letter per row, malformed\n"
    "rows reported with their line number and skipped), DMHC case texts\n"
    "and letters as text.\n"
    "Unchanged files (same content hash) are skipped, changed ones are\n"
    "indexed again, and rejected files are reported and recorded. The\n"
    "whole build is one transaction: an interrupted build leaves the\n"
    "previous index intact. A first build (FILE does not exist) writes\n"
    "FILE.new-PID beside it and renames it to FILE when done.\n"
    "When two files give the same record id, the\n"
    "file whose absolute path sorts later is kept and the other is\n"
    "recorded as a duplicate (with a warning).\n"
    "\n"
    "  --db FILE   the index (created when missing)\n"
    "  --jobs N    parser threads (default: the number of cores)\n"
    "  --prune     drop letters whose file no longer exists\n"
    "  -v          print every parse warning\n";

static const char usage_stats[] =
    "usage: imr-index stats --db FILE [--json]\n"
    "\n"
    "Prints the number of letters, items, citations and files of the\n"
    "index, and counts by decision, outcome, guideline, format and year.\n"
    "  --json      one JSON object instead of text\n";

/* Prints "imr-index CMD: MSG (see imr-index CMD --help)"; returns 2. */
static int usage_error(const char *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "imr-index%s%s: %s%s%s (see imr-index %s%s--help)\n",
            cmd ? " " : "", cmd ? cmd : "", msg, arg ? ": " : "",
            arg ? arg : "", cmd ? cmd : "", cmd ? " " : "");
    return 2;
}

static int cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    int c, i, status = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_parse, stdout);
            return 0;
        }
        return usage_error("parse", "unknown option", argv[optind - 1]);
    }
    if (optind >= argc)
        return usage_error("parse", "no FILE given", NULL);
    for (i = optind; i < argc; i++) {
        struct imr_record *rec = NULL;
        struct imr_input in;
        char err[IMR_ERR_LEN] = "", *data = NULL, *line = NULL;
        size_t k;
        long long mtime;
        json_t *js = NULL;
        size_t len;
        int rc;

        if (walk_read_file(argv[i], &data, &len, &mtime, err) != 0) {
            fprintf(stderr, "imr-index: %s: %s\n", argv[i], err);
            status = 1;
            continue;
        }
        rc = imr_input_parse(data, len, argv[i], &in, err);
        free(data);
        if (rc != IMR_OK) {
            fprintf(stderr, "imr-index: %s: %s\n", argv[i],
                    err[0] ? err : imr_strerror(rc));
            status = 1;
            if (rc == IMR_ENOMEM)
                return 1;
            continue;
        }
        for (k = 0; k < in.n_skipped; k++)
            fprintf(stderr, "imr-index: %s: %s: skipped\n", argv[i],
                    in.skipped[k]);
        for (k = 0; k < in.n_recs; k++) {
            rec = in.recs[k];
            js = imr_record_to_json(rec, 0);
            line = js != NULL ? json_dumps(js, JSON_COMPACT) : NULL;
            json_decref(js);
            if (line == NULL) {
                fprintf(stderr, "imr-index: %s: out of memory\n", argv[i]);
                imr_input_free(&in);
                return 1;
            }
            puts(line);
            free(line);
        }
        imr_input_free(&in);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "imr-index: stdout: %s\n", strerror(errno));
        return 1;
    }
    return status;
}

static int cmd_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"prune", no_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    struct build_opts o;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int c;

    memset(&o, 0, sizeof(o));
    o.jobs = cores < 1 ? 1 : cores > MAX_JOBS ? MAX_JOBS : (int)cores;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:j:pvh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.db = optarg;
            break;
        case 'j':
            if (imr_parse_int(optarg, 1, MAX_JOBS, &o.jobs) != 0)
                return usage_error("build", "--jobs wants 1 to 256",
                                   optarg);
            break;
        case 'p':
            o.prune = 1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'h':
            fputs(usage_build, stdout);
            return 0;
        default:
            return usage_error("build", "bad option", argv[optind - 1]);
        }
    }
    if (o.db == NULL)
        return usage_error("build", "--db FILE is required", NULL);
    if (optind >= argc)
        return usage_error("build", "no PATH given", NULL);
    return build_run(&o, argv + optind, argc - optind);
}

static const char usage_watch[] =
    "usage: imr-index watch --db FILE [--settle MS] DIR...\n"
    "\n"
    "Builds the index FILE from the folders DIR (with --prune), then\n"
    "follows them with inotify until interrupted: a letter that appears\n"
    "or changes is indexed once it is complete (closed after writing or\n"
    "moved in, and unchanged for MS milliseconds, default 500), one that\n"
    "disappears is dropped. Each change is its own short transaction, so\n"
    "a running imr-searchd sees it without a restart. Files still being\n"
    "written (a download in progress) are not indexed until complete.\n"
    "  --db FILE     the index (created when missing)\n"
    "  --settle MS   quiet time before a changed file is read (0-60000)\n";

static int cmd_watch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"settle", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    struct build_opts o;
    int c, settle = 500;

    memset(&o, 0, sizeof(o));
    o.jobs = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.db = optarg;
            break;
        case 's':
            if (imr_parse_int(optarg, 0, 60000, &settle) != 0)
                return usage_error("watch", "--settle wants 0 to 60000",
                                   optarg);
            break;
        case 'h':
            fputs(usage_watch, stdout);
            return 0;
        default:
            return usage_error("watch", "bad option", argv[optind - 1]);
        }
    }
    if (o.db == NULL)
        return usage_error("watch", "--db FILE is required", NULL);
    if (optind >= argc)
        return usage_error("watch", "no DIR given", NULL);
    return watch_run(&o, argv + optind, argc - optind, settle);
}

/* Prints one "by ..." block of the stats. */
static void print_counts(const char *title,
                         const struct imr_index_count *v, size_t n)
{
    size_t i;

    printf("%s:\n", title);
    if (n == 0)
        printf("  (none)\n");
    for (i = 0; i < n; i++)
        printf("  %-32s %10lld\n", v[i].key, v[i].n);
}

/* The options of a command on an existing index: --db FILE, and --json
 * when AS_JSON is not NULL. Returns -1 to go on with *DB set, else the
 * exit status (0 after --help, 2 on a usage error, 1 when FILE does not
 * exist). */
static int index_opts(const char *cmd, const char *usage, int argc,
                      char **argv, const char **db, int *as_json)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    int c;

    *db = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            *db = optarg;
            break;
        case 'J':
            if (as_json == NULL)
                return usage_error(cmd, "bad option", argv[optind - 1]);
            *as_json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return usage_error(cmd, "bad option", argv[optind - 1]);
        }
    }
    if (*db == NULL)
        return usage_error(cmd, "--db FILE is required", NULL);
    if (optind < argc)
        return usage_error(cmd, "unexpected argument", argv[optind]);
    if (access(*db, F_OK) != 0) {
        fprintf(stderr, "imr-index: %s: %s (build it with `imr-index build"
                " --db %s PATH...`)\n", *db, strerror(errno), *db);
        return 1;
    }
    return -1;
}

static int cmd_stats(int argc, char **argv)
{
    struct imr_index_stats *st = NULL;
    struct imr_index *ix = NULL;
    const char *db = NULL;
    char err[IMR_ERR_LEN] = "";
    int as_json = 0, status;

    status = index_opts("stats", usage_stats, argc, argv, &db, &as_json);
    if (status >= 0)
        return status;
    status = 1;
    if (imr_index_open(db, IMR_INDEX_RDONLY, &ix, err) != IMR_OK ||
        imr_index_stats(ix, &st, err) != IMR_OK) {
        fprintf(stderr, "imr-index: %s\n", err);
        goto done;
    }
    if (as_json) {
        json_t *js = imr_index_stats_json(st);
        char *s = js ? json_dumps(js, JSON_COMPACT) : NULL;

        json_decref(js);
        if (s == NULL) {
            fprintf(stderr, "imr-index: out of memory\n");
            goto done;
        }
        puts(s);
        free(s);
    } else {
        printf("index %s (schema %d, updated %s)\n", db, st->schema_version,
               st->updated_at ? st->updated_at : "never");
        printf("letters %lld, items %lld, citations %lld\n", st->letters,
               st->items, st->citations);
        printf("files %lld: %lld rejected, %lld duplicate\n", st->files,
               st->rejected, st->duplicates);
        print_counts("items by decision", st->by_decision,
                     st->n_by_decision);
        print_counts("letters by outcome", st->by_outcome,
                     st->n_by_outcome);
        print_counts("items by guideline cited", st->by_guideline,
                     st->n_by_guideline);
        print_counts("letters by format", st->by_format, st->n_by_format);
        print_counts("letters by decision year", st->by_year,
                     st->n_by_year);
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    imr_index_stats_free(st);
    imr_index_close(ix);
    return status;
}

static const char usage_optimize[] =
    "usage: imr-index optimize --db FILE\n"
    "\n"
    "Merges the full-text index's segments into one, so that each query\n"
    "term is looked up once instead of once per segment. A build that\n"
    "adds a quarter of the index or more does this itself; run it after\n"
    "many small builds, or on an index built before it did. Readers go\n"
    "on meanwhile; while another imr-index writes, it reports the index\n"
    "busy.\n";

static int cmd_optimize(int argc, char **argv)
{
    struct imr_index *ix = NULL;
    const char *db = NULL;
    char err[IMR_ERR_LEN] = "";
    long long segments = 0;
    int status;

    status = index_opts("optimize", usage_optimize, argc, argv, &db, NULL);
    if (status >= 0)
        return status;
    status = 1;
    if (imr_index_open(db, IMR_INDEX_RDWR, &ix, err) != IMR_OK ||
        imr_index_merge_fts(ix, &segments, err) != IMR_OK) {
        fprintf(stderr, "imr-index: %s\n", err);
        goto done;
    }
    if (segments > 1)
        printf("imr-index: %s: %lld full-text segments merged into one\n",
               db, segments);
    else
        printf("imr-index: %s: the full-text index is one segment"
               " already\n", db);
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    imr_index_close(ix);
    return status;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (cmd == NULL)
        return usage_error(NULL, "no COMMAND given", NULL);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "parse") == 0)
        return cmd_parse(argc - 1, argv + 1);
    if (strcmp(cmd, "build") == 0)
        return cmd_build(argc - 1, argv + 1);
    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(argc - 1, argv + 1);
    if (strcmp(cmd, "watch") == 0)
        return cmd_watch(argc - 1, argv + 1);
    if (strcmp(cmd, "optimize") == 0)
        return cmd_optimize(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command", cmd);
}
