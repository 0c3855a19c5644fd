#!/bin/bash
# Integration test of imr-searchd under change and load: SIGHUP, a replaced
# index file and an in-place imr-index build beside a live daemon while
# clients query it (no request may fail), 503 until the index exists,
# concurrent clients getting consistent answers, SIGTERM draining.
# Usage: search_daemon.sh BUILD_DIR SOURCE_DIR SHARED_DIR. 77 = skipped.
set -u
BUILD=$1 SRC=$2 SHARED=$3
. "$(dirname "$0")/search_common.inc"

C=$TMP/corpus
mkdir -p "$C/base" "$C/new1" "$C/new2" "$C/new3"
cp "$SRC"/corpus/samples/* "$C/base/" 2>/dev/null
has_seed && cp "$SHARED"/corpus-seed/* "$C/base/"
if [ -x "$GEN" ]; then
    "$GEN" generate --count 300 --seed 3 --out "$C/base/gen" >/dev/null 2>&1 ||
        die "imr-corpus generate"
    rm -f "$C/base/gen/truth.jsonl"
fi
# new letters: a sample letter under a case number nobody else has
tmpl=$(grep -l '^Case Number:' "$SRC"/corpus/samples/* 2>/dev/null | head -1)
[ -n "$tmpl" ] || skip "no sample letter with a Case Number: header"
for k in 1 2 3; do
    sed "s/CM1[0-9]-[0-9]\{7\}/CM99-000000$k/g" "$tmpl" >"$C/new$k/l$k.txt"
done
LIVE=$TMP/live.db
"$IDX" build --db "$LIVE" "$C/base" >"$TMP/idx.log" 2>&1 ||
    { tail -3 "$TMP/idx.log"; die "imr-index build"; }

# 503 while the index cannot be opened, then it appears
start_daemon "$TMP/later.db" "$TMP/sd-later.log" --threads 2
UL=http://127.0.0.1:$PORT
c=$(curl -s -o "$TMP/body" -w '%{http_code}' "$UL/v1/health")
[ "$c" = 503 ] && [ "$(jq -r .error.code "$TMP/body")" = index_unavailable ] &&
    pass "503 JSON while the index is missing" || fail "missing index: $c"
c=$(curl -s -o /dev/null -w '%{http_code}' "$UL/v1/search?q=FRP")
[ "$c" = 503 ] && pass "search 503 while the index is missing" ||
    fail "search on missing index: $c"
cp "$LIVE" "$TMP/later.db"
ok=
for i in $(seq 40); do
    c=$(curl -s -o /dev/null -w '%{http_code}' "$UL/v1/search?q=FRP")
    [ "$c" = 200 ] && { ok=1; break; }
    sleep 0.1
done
[ -n "$ok" ] && pass "the index is picked up once it exists" ||
    fail "index never picked up"
kill -TERM "$DPID"; wait "$DPID"

# --rank-bound: a result larger than the bound is ranked over its newest
# matches only, and says so; total and facets stay whole. The store that
# does it is built in the background: the first answers may come from
# SQL (exact ranking), so ask until it is ready (a new limit each time:
# an answer is cached with its options).
start_daemon "$LIVE" "$TMP/sd-rb.log" --threads 1 --rank-bound 3
UR=http://127.0.0.1:$PORT
for i in $(seq 50); do
    r=$(curl -s "$UR/v1/search?q=necessary&limit=$((i + 1))")
    [ "$(jq '.rank_bound.ranked // 0' <<<"$r")" = 3 ] && break
    sleep 0.1
done
tot=$(jq .total <<<"$r")
[ "$tot" -gt 3 ] && [ "$(jq '.rank_bound.ranked' <<<"$r")" = 3 ] &&
    [ "$(jq '.rank_bound.of' <<<"$r")" = "$tot" ] &&
    pass "--rank-bound 3: $tot matches, 3 ranked, the answer says so" ||
    fail "--rank-bound: $r"
"$CL" --server "$UR" --limit 1 necessary | grep -q '^Ranked: ' &&
    pass "the client shows the bound" || fail "client: no Ranked: line"
kill -TERM "$DPID"; wait "$DPID"
start_daemon "$LIVE" "$TMP/sd-rb0.log" --threads 1 --rank-bound 0
UR=http://127.0.0.1:$PORT
for i in $(seq 20); do
    r=$(curl -s "$UR/v1/search?q=necessary&limit=2")
    sleep 0.1
done
[ "$(jq 'has("rank_bound")' <<<"$r")" = false ] &&
    [ "$(jq .total <<<"$r")" = "$tot" ] &&
    pass "--rank-bound 0 ranks every match" || fail "--rank-bound 0: $r"
kill -TERM "$DPID"; wait "$DPID"

start_daemon "$LIVE" "$TMP/sd.log" --threads 4
U=http://127.0.0.1:$PORT

# clients that query without pause until told to stop
loop() {   # N: writes "requests failures" to $TMP/loop.N
    local n=0 bad=0 q
    while [ ! -e "$TMP/stop" ]; do
        for q in 'upheld FRP citing MTUS p.49' 'Norco' 'decision:overturned'\
                 'MTUS p.31' 'case:CM99-0000001'; do
            if ! "$CL" --server "$U" --json --limit 5 "$q" >/dev/null \
                 2>>"$TMP/loop.err"; then
                bad=$((bad + 1))
            fi
            n=$((n + 1))
        done
    done
    echo "$n $bad" >"$TMP/loop.$1"
}
for k in 1 2 3 4; do loop $k & done
visible() {   # CASE: waits up to 4 s for the case to be searchable
    local i
    for i in $(seq 40); do
        [ "$(search "$U" "case:$1" | jq .total)" = 1 ] && return 0
        sleep 0.1
    done
    return 1
}
sleep 0.5
# 1. rebuild into a new file, move it over the old one, SIGHUP
"$IDX" build --db "$TMP/next.db" "$C/base" "$C/new1" >/dev/null 2>&1 ||
    fail "rebuild 1"
mv "$TMP/next.db" "$LIVE"
kill -HUP "$DPID"
visible CM99-0000001 && pass "SIGHUP: the rebuilt index is served" ||
    fail "SIGHUP: new letter not visible"
# 2. replace the file again without a signal: noticed within a second
"$IDX" build --db "$TMP/next.db" "$C/base" "$C/new1" "$C/new2" \
    >/dev/null 2>&1 || fail "rebuild 2"
mv "$TMP/next.db" "$LIVE"
visible CM99-0000002 && pass "a replaced index file is reopened" ||
    fail "replaced file not noticed"
# 3. an incremental build in place beside the live daemon
"$IDX" build --db "$LIVE" "$C/base" "$C/new1" "$C/new2" "$C/new3" \
    >/dev/null 2>&1 || fail "in-place build"
visible CM99-0000003 && pass "an in-place imr-index build is seen" ||
    fail "in-place build not visible"
sleep 0.3
touch "$TMP/stop"
wait $(jobs -p | grep -v "^$DPID\$") 2>/dev/null
total=0 failed=0
for k in 1 2 3 4; do
    read -r n b <"$TMP/loop.$k" || die "loop $k did not report"
    total=$((total + n)); failed=$((failed + b))
done
if [ "$failed" = 0 ] && [ "$total" -gt 0 ]; then
    pass "$total requests during three index changes, none failed"
else
    fail "$failed of $total requests failed: $(head -3 "$TMP/loop.err")"
fi
grep -q 'reopened (SIGHUP)' "$TMP/sd.log" && pass "SIGHUP logged" ||
    fail "no SIGHUP reopen in the log"

# concurrent clients get the same answers
ref=$(search "$U" 'FRP citing MTUS p.49' --limit 20 | jq -c '[.total,
      [.hits[] | [.id, .item]]]')
for k in $(seq 8); do
    ( for i in $(seq 10); do
          search "$U" 'FRP citing MTUS p.49' --limit 20 | jq -c '[.total,
              [.hits[] | [.id, .item]]]'
      done >"$TMP/par.$k" ) &
done
wait $(jobs -p | grep -v "^$DPID\$") 2>/dev/null
bad=0
for k in $(seq 8); do
    [ "$(sort -u "$TMP/par.$k")" = "$ref" ] || bad=$((bad + 1))
    [ "$(wc -l <"$TMP/par.$k")" = 10 ] || bad=$((bad + 1))
done
[ $bad = 0 ] && pass "80 concurrent searches, identical answers" ||
    fail "$bad concurrent clients saw different answers"

# SIGTERM while requests are in flight: each completes or is refused
for k in $(seq 20); do
    ( "$CL" --server "$U" --json --limit 50 MTUS >"$TMP/term.$k" 2>&1
      echo $? >"$TMP/term.$k.rc" ) &
done
sleep 0.05
kill -TERM "$DPID"
wait "$DPID"
rc=$?
wait $(jobs -p) 2>/dev/null
[ $rc = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"
bad=0 done_=0
for k in $(seq 20); do
    r=$(cat "$TMP/term.$k.rc")
    case $r in
        0) jq -e .total "$TMP/term.$k" >/dev/null || bad=$((bad + 1))
           done_=$((done_ + 1)) ;;
        3) ;;
        *) bad=$((bad + 1)) ;;
    esac
done
[ $bad = 0 ] && pass "SIGTERM: $done_ in-flight requests completed," \
    "the rest refused, none cut" || fail "SIGTERM: $bad broken replies"
PIDS=()
[ $FAILS = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all search daemon checks passed"
