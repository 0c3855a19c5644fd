#!/bin/bash
# Faults: kill -9 of `imr-index build` at random moments (the index always
# opens read-only and answers as the old or the new state), rebuilding and
# swapping the index under a steady load on imr-searchd (no failed request,
# answers switch), disk full while indexing (a 3 MB tmpfs: a clean error,
# the old index intact; skipped with a notice when mount is not permitted),
# and the daemon over a missing or corrupt index (503 index_unavailable
# until a valid index appears; --check exits 1). IMR_FAULT_RUNS sets the
# number of kill -9 runs (default 6; scripts/reliability uses more).
# Prints "FIGURE:" lines for docs/reliability.md.
# Usage: faults.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
. "$SRC/tests/integ/search_common.inc"
[ -x "$GEN" ] || skip "imr-corpus is not built ($GEN)"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is absent"
command -v python3 >/dev/null || skip "python3 is absent"
RUNS=${IMR_FAULT_RUNS:-6}

q() { sqlite3 "$1" "$2"; }
"$GEN" generate --count 3000 --seed 11 --out "$TMP/new" --quiet >/dev/null ||
    die "imr-corpus generate"
mkdir -p "$TMP/old"
cp "$SRC"/corpus/samples/*.txt "$TMP/old/"
OLD=$TMP/old.db
"$IDX" build --db "$OLD" "$TMP/old" >/dev/null 2>&1 || die "old build"
n_old=$(q "$OLD" "SELECT count(*) FROM determinations")
i_old=$(q "$OLD" "SELECT count(*) FROM items")
FULL=$TMP/full.db
cp "$OLD" "$FULL"
t0=$(date +%s%N)
"$IDX" build --db "$FULL" --jobs 2 "$TMP/old" "$TMP/new" >/dev/null 2>&1 ||
    die "full build"
t_ms=$((($(date +%s%N) - t0) / 1000000))
n_new=$(q "$FULL" "SELECT count(*) FROM determinations")
i_new=$(q "$FULL" "SELECT count(*) FROM items")
[ "$n_new" -gt "$n_old" ] || die "the new state has no more letters"
pass "old state $n_old letters, new state $n_new (a build takes $t_ms ms)"

# --- kill -9 at random moments ---------------------------------------------
seen_old=0 seen_new=0 seen_bad=0
for run in $(seq "$RUNS"); do
    db=$TMP/k.db
    rm -f "$db" "$db-wal" "$db-shm"
    cp "$OLD" "$db"
    # up to twice the build time: some kills land after the commit
    delay=$((RANDOM % (2 * t_ms + 200)))
    "$IDX" build --db "$db" --jobs 2 "$TMP/old" "$TMP/new" >/dev/null 2>&1 &
    bp=$!
    PIDS+=("$bp")
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$bp" 2>/dev/null
    wait "$bp" 2>/dev/null
    # the daemon's read-only open comes first (it must recover the WAL)
    if ! "$SD" --db "$db" --check >/dev/null 2>"$TMP/check.err"; then
        seen_bad=$((seen_bad + 1))
        fail "run $run (kill after ${delay} ms): read-only open: $(cat "$TMP/check.err")"
        continue
    fi
    n=$(q "$db" "SELECT count(*) FROM determinations")
    ic=$(q "$db" "PRAGMA integrity_check")
    fts=$(q "$db" "INSERT INTO item_fts(item_fts, rank)
                   VALUES('integrity-check', 1); SELECT 'ok'" 2>&1)
    if [ "$ic" != ok ] || [ "$fts" != ok ]; then
        seen_bad=$((seen_bad + 1))
        fail "run $run: integrity $ic, fts $fts"
    elif [ "$n" = "$n_old" ]; then
        seen_old=$((seen_old + 1))
    elif [ "$n" = "$n_new" ]; then
        seen_new=$((seen_new + 1))
    else
        seen_bad=$((seen_bad + 1))
        fail "run $run (kill after ${delay} ms): $n letters (old $n_old, new $n_new)"
    fi
done
echo "FIGURE: kill9 | runs $RUNS | old $seen_old | new $seen_new | other $seen_bad"
[ $seen_bad -eq 0 ] && pass "kill -9 x $RUNS: old $seen_old, new $seen_new, never half"

# --- rebuild and swap under a steady load ---------------------------------
# The daemon serves a symlink: renaming a new file over a live WAL
# database is unsafe (the new file would be read with the old file's -wal
# and -shm, which keep their names; see docs/reliability.md), while
# SQLite resolves the symlink, so each generation keeps its own -wal.
mkdir -p "$TMP/gen1" "$TMP/gen2"
cp "$OLD" "$TMP/gen1/index.db"
LIVE=$TMP/live.db
ln -s "$TMP/gen1/index.db" "$LIVE"
start_daemon "$LIVE" "$TMP/d.log" --threads 2
U=http://127.0.0.1:$PORT
python3 - "$U" "$TMP/load.out" "$TMP/stop" <<'PY' &
import sys, threading, time, urllib.request, json
url, out, stopfile = sys.argv[1], sys.argv[2], sys.argv[3]
import os
stop = time.time() + 180      # at the latest; normally the stop file
lock = threading.Lock()
stats = {'req': 0, 'fail': 0, 'totals': []}
def worker():
    while time.time() < stop and not os.path.exists(stopfile):
        try:
            with urllib.request.urlopen(url + '/v1/search?q=&limit=1&facets=0',
                                        timeout=10) as r:
                body = json.load(r)
                ok = r.status == 200
                total = body.get('total')
        except Exception as e:
            ok, total = False, repr(e)
        with lock:
            stats['req'] += 1
            if not ok:
                stats['fail'] += 1
            if not stats['totals'] or stats['totals'][-1] != total:
                stats['totals'].append(total)
ts = [threading.Thread(target=worker) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, 'w') as f:
    f.write('%d %d %s\n' % (stats['req'], stats['fail'],
                            ','.join(map(str, stats['totals']))))
PY
lp=$!
# until_total N: waits up to 10 s for the daemon to answer with N items
until_total() {
    local i
    for i in $(seq 100); do
        [ "$(curl -s "$U/v1/search?q=&limit=0&facets=0" | jq .total)" = "$1" ] &&
            return 0
        sleep 0.1
    done
    return 1
}
sleep 2
# 1. in place: an incremental build of the live file (one transaction)
"$IDX" build --db "$LIVE" --jobs 2 "$TMP/old" "$TMP/new" >/dev/null 2>&1 ||
    fail "in-place rebuild under load"
until_total "$i_new" || fail "the in-place build is not served"
sleep 2
# 2. swap: a fresh index of the old letters only in a new directory, then
#    the symlink replaced atomically (rename of a new link over it)
"$IDX" build --db "$TMP/gen2/index.db" "$TMP/old" >/dev/null 2>&1 ||
    fail "swap build"
ln -s "$TMP/gen2/index.db" "$TMP/live.new"
mv -T "$TMP/live.new" "$LIVE"
until_total "$i_old" || fail "the swapped index is not served"
sleep 2
touch "$TMP/stop"
wait "$lp"
read -r nreq nfail totals < "$TMP/load.out"
echo "FIGURE: hotswap | requests $nreq | failed $nfail | totals seen $totals"
[ "$nfail" = 0 ] || { grep -v ' access: ' "$TMP/d.log" | sort | uniq -c |
    sort -rn | head -5; fail "$nfail of $nreq requests failed during the swaps"; }
# answers (hits = items) switched: old -> new (in place) -> old (swap);
# each worker thread reopens on its own within a second, so the two
# states may alternate for up to a second around each switch
bad_total=$(echo "$totals" | tr ',' '\n' | grep -vxE "$i_old|$i_new" | head -1)
[ -z "$bad_total" ] || fail "an answer from neither state: $bad_total"
case ",$totals," in
  ",$i_old,"*"$i_new,"*"$i_old,") pass "answers switched old -> new (in place) -> old (symlink swap) ($nreq requests, 0 failed)" ;;
  *) fail "answers did not switch as expected: $totals (old $i_old, new $i_new items)" ;;
esac
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null

# --- disk full -------------------------------------------------------------
MNT=$TMP/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=3m tmpfs "$MNT" 2>/dev/null; then
    cp "$OLD" "$MNT/idx.db"
    before=$(q "$MNT/idx.db" "SELECT count(*) FROM determinations")
    "$IDX" build --db "$MNT/idx.db" --jobs 2 "$TMP/new" > "$TMP/full.out" \
        2> "$TMP/full.err"
    rc=$?
    after=$(q "$MNT/idx.db" "SELECT count(*) FROM determinations")
    ic=$(q "$MNT/idx.db" "PRAGMA integrity_check")
    msg=$(grep -iE 'full|space' "$TMP/full.err" | head -1)
    [ -n "$msg" ] || msg=$(grep -v '^ *$' "$TMP/full.err" | tail -1)
    umount "$MNT"
    echo "FIGURE: diskfull | exit $rc | letters before $before after $after | integrity $ic | $msg"
    [ $rc -ne 0 ] || fail "a build on a full disk exited 0"
    [ "$after" = "$before" ] && [ "$ic" = ok ] ||
        fail "the old index changed on a full disk ($before -> $after, $ic)"
    echo "$msg" | grep -qiE 'full|space' || fail "no clear disk-full error: $msg"
    pass "disk full: exit $rc, '$msg', old index intact"
else
    echo "NOTICE: disk-full test skipped: mounting a tmpfs is not permitted"
    echo "FIGURE: diskfull | skipped (mount not permitted)"
fi

# --- missing and corrupt index ---------------------------------------------
M=$TMP/missing.db
"$SD" --db "$M" --check >/dev/null 2>&1 && fail "--check over a missing index exits 0"
start_daemon "$M" "$TMP/m.log"
code=$(curl -s -o "$TMP/m.body" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/search?q=x")
[ "$code" = 503 ] && [ "$(jq -r .error.code "$TMP/m.body")" = index_unavailable ] ||
    fail "missing index: $code $(cat "$TMP/m.body")"
cp "$OLD" "$M.tmp" && mv "$M.tmp" "$M"
ok=0
for i in $(seq 30); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/health")
    [ "$code" = 200 ] && { ok=1; break; }
    sleep 0.1
done
[ $ok = 1 ] || fail "the index appeared but the daemon still answers $code"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
echo "FIGURE: missing | 503 index_unavailable, --check exit 1, 200 after the index appeared"
X=$TMP/corrupt.db
head -c 65536 /dev/urandom > "$X"
"$SD" --db "$X" --check >/dev/null 2>&1 && fail "--check over a corrupt index exits 0"
start_daemon "$X" "$TMP/x.log"
code=$(curl -s -o "$TMP/x.body" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/search?q=x")
[ "$code" = 503 ] || fail "corrupt index: $code $(cat "$TMP/x.body")"
# a truncated real index
cp "$FULL" "$X.tmp"; truncate -s 50000 "$X.tmp"; mv "$X.tmp" "$X"
sleep 1.2
code=$(curl -s -o "$TMP/x.body" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/search?q=mtus")
[ "$code" = 503 ] || [ "$code" = 200 ] ||
    fail "truncated index: $code $(cat "$TMP/x.body")"
kill -0 "$DPID" || fail "the daemon died over a corrupt index"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
echo "FIGURE: corrupt | random bytes: 503, --check exit 1; truncated index: $code"
pass "missing/corrupt index: 503 index_unavailable, --check exits non-zero"

san_check
[ $FAILS -eq 0 ] || { echo "$FAILS failures"; exit 1; }
echo "all fault checks passed"
