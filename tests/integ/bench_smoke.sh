#!/bin/bash
# Smoke test of bench/run: the whole benchmark pipeline at a tiny size
# (2,000 letters, --quick: one round, 2 s per wrk phase), so CI proves it
# works. It checks that every phase measured something, not the targets.
# Usage: bench_smoke.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$BUILD/bench/imr-bench-query" ] ||
    skip "the bench programs are not built (-DIMR_BUILD_BENCH=ON)"
for t in python3 sqlite3; do
    command -v "$t" >/dev/null || skip "$t is absent"
done
[ -x /usr/bin/time ] || skip "/usr/bin/time (Debian package time) is absent"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/imr-integ-bench.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT

start=$(date +%s)
"$SRC/bench/run" --count 2000 --quick --build "$BUILD" --work "$TMP/w" \
    --results "$TMP/results" --no-doc > "$TMP/report.md" 2> "$TMP/log" ||
    { tail -20 "$TMP/log"; fail "bench/run failed"; }
echo "bench/run --count 2000 --quick took $(( $(date +%s) - start )) s"
json=$(ls "$TMP"/results/*-2000.json 2>/dev/null | head -1)
[ -n "$json" ] || fail "no results JSON"
grep -q '| target | measured | goal | met |' "$TMP/report.md" ||
    fail "no target table in the report"

python3 - "$json" <<'PY' || fail "results JSON incomplete"
import json, shutil, sys
r = json.load(open(sys.argv[1]))
ix = r["indexing"]
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
need(r["letters"] == 2000, "letters")
need(ix["raw_text_bytes"] > 1000000, "raw text bytes")
need(ix["items"] and ix["items"] >= 2000, "items")
need(ix["imr"]["secs"] > 0 and ix["imr"]["letters_per_s"] > 0, "imr speed")
need(ix["imr"]["peak_rss_kb"] > 0, "peak RSS")
need(ix["imr"]["index_bytes"] > 0 and ix["raw_fts5"]["index_bytes"] > 0,
     "index sizes")
need(ix["raw_fts5"]["secs"] > 0, "raw FTS5 load time")
q = r["queries"]
need(q["queries"] >= 200, "at least 200 queries in the mix")
for c in ("citation", "treatment_decision", "diagnosis", "free_text",
          "rare_term", "common_term", "boilerplate", "facets", "deep_page"):
    v = q["classes"].get(c)
    need(v and v["imr"]["p50"] > 0 and v["imr_hits"]["p99"] > 0, "class " + c)
need(q["classes"]["rare_term"]["raw"]["p50"] > 0, "raw FTS5 latencies")
need(q["mix"]["raw_cli"] and q["mix"]["raw_cli"]["n"] > 0, "sqlite3 CLI")
need(q["qps_single_thread"] > 0, "in-process QPS")
if shutil.which("rg"):
    need(q["mix"]["rg"] and q["mix"]["rg"]["p50"] > 0, "rg baseline")
if shutil.which("wrk"):
    h = r["http"]
    for name in ("search", "health", "hello"):
        for c in ("1", "32", "128"):
            w = h.get(name, {}).get(c)
            need(w and w["qps"] > 0, "wrk %s %s" % (name, c))
    need(h["search"]["32"]["non_2xx"] == 0, "search answered 200")
    need(h["listen_ms"] > 0, "listen time")
    need(h["rss_anon_kb"]["max"], "daemon RSS samples")
need(len(r["targets"]) >= 10, "targets")
if errors:
    print("missing or zero: " + ", ".join(errors))
    sys.exit(1)
print("ok: results JSON has every phase")
PY
echo "ok: bench/run smoke"
