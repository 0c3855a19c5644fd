#!/bin/bash
# Integration test of `imr-index watch` with a running imr-searchd: a new
# letter (and a real PDF moved in, when ../shared is present) becomes
# searchable within seconds, a file still being written is not indexed
# until it is closed, a removed letter disappears, and the daemon answers
# every request meanwhile (no restart, no failed request).
# Usage: watch.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
. "$SRC/tests/integ/search_common.inc"

IN=$TMP/in
DB=$TMP/watch.db
mkdir -p "$IN/sub" "$TMP/hold"
cp "$SRC"/corpus/samples/0*.txt "$IN/"
cp "$SRC"/corpus/samples/1[0-5]*.txt "$IN/sub/"
NEW=$SRC/corpus/samples/20-frp-upheld-sections-2016.txt
PART=$SRC/corpus/samples/19-soma-mpr-upheld-layout.txt
NEW_ID=$("$IDX" parse "$NEW" | jq -r .id)
PART_ID=$("$IDX" parse "$PART" | jq -r .id)
GONE=$IN/01-frp-upheld-layout.txt
GONE_ID=$("$IDX" parse "$GONE" | jq -r .id)
[ -n "$NEW_ID" ] && [ -n "$PART_ID" ] && [ -n "$GONE_ID" ] ||
    die "cannot read the sample ids"

"$IDX" watch --db "$DB" --settle 300 "$IN" >"$TMP/watch.out" \
    2>"$TMP/watch.err" &
WPID=$!
PIDS+=("$WPID")
for i in $(seq 200); do
    grep -q "watching" "$TMP/watch.err" && break
    kill -0 "$WPID" 2>/dev/null || { cat "$TMP/watch.err"; die "watch exited"; }
    sleep 0.05
done
grep -q "watching" "$TMP/watch.err" || die "watch did not start"
start_daemon "$DB" "$TMP/sd.log" --threads 2
URL=http://127.0.0.1:$PORT

# total_of QUERY: the daemon's total for QUERY (or "ERR").
total_of() {
    curl -s -G --data-urlencode "q=$1" "$URL/v1/search" |
        jq -r '.total // "ERR"' 2>/dev/null || echo ERR
}
# wait_total QUERY N: waits up to 10 s for the total N ("+": any but 0);
# prints the seconds it took.
wait_total() {
    local t0 i t
    t0=$(date +%s.%N)
    for i in $(seq 200); do
        t=$(total_of "$1")
        if [ "$2" = + ]; then
            case $t in 0|ERR) t=no ;; *) t=+ ;; esac
        fi
        [ "$t" = "$2" ] && {
            echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-4
            return 0
        }
        sleep 0.05
    done
    return 1
}

# A reader hammering the daemon for the whole test; it counts failures.
(
    bad=0 n=0
    while [ ! -e "$TMP/stop" ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' \
               "$URL/v1/search?q=upheld&limit=3")
        n=$((n + 1))
        [ "$code" = 200 ] || bad=$((bad + 1))
    done
    echo "$n $bad" >"$TMP/reader"
) &
PIDS+=($!)

[ "$(total_of "case:$GONE_ID")" != 0 ] || fail "initial sync missed $GONE_ID"
[ "$(total_of "case:$NEW_ID")" = 0 ] || fail "$NEW_ID indexed too early"

# A new letter appears.
cp "$NEW" "$IN/"
if s=$(wait_total "case:$NEW_ID" +); then
    pass "new letter searchable after ${s}s"
else
    fail "new letter $NEW_ID not indexed within 10 s"
fi

# A file being written: half now, kept open past the settle time.
half=$(( $(wc -c <"$PART") / 2 ))
exec 3>"$IN/sub/partial.txt"
head -c "$half" "$PART" >&3
sleep 1.5
[ "$(total_of "case:$PART_ID")" = 0 ] ||
    fail "a file still being written was indexed"
sqlite3 "$DB" "SELECT count(*) FROM files WHERE path LIKE '%partial.txt'" \
    | grep -qx 0 || fail "a file still being written has a files row"
tail -c +"$((half + 1))" "$PART" >&3
exec 3>&-
if s=$(wait_total "case:$PART_ID" +); then
    pass "file indexed ${s}s after it was closed, not before"
else
    fail "completed file $PART_ID not indexed within 10 s"
fi

# A real PDF, downloaded elsewhere and moved in.
PDF=$(ls "$SHARED"/corpus-real/dwc-imrcrawler/*.pdf 2>/dev/null | head -1)
if [ -n "$PDF" ]; then
    PDF_ID=$(basename "$PDF" .pdf)
    cp "$PDF" "$TMP/hold/x.pdf"
    mv "$TMP/hold/x.pdf" "$IN/sub/$PDF_ID.pdf"
    if s=$(wait_total "case:$PDF_ID" +); then
        pass "PDF moved in searchable after ${s}s"
    else
        fail "PDF $PDF_ID not indexed"
    fi
else
    echo "SKIPPED: the real-PDF step ($SHARED/corpus-real absent)"
fi

# A letter disappears.
rm "$GONE"
if s=$(wait_total "case:$GONE_ID" 0); then
    pass "removed letter gone after ${s}s"
else
    fail "removed letter $GONE_ID still in the index after 10 s"
fi

touch "$TMP/stop"
for i in $(seq 100); do [ -s "$TMP/reader" ] && break; sleep 0.05; done
read -r n bad <"$TMP/reader"
if [ "$bad" = 0 ] && [ "$n" -gt 10 ]; then
    pass "daemon answered all $n requests during the changes"
else
    fail "$bad of $n requests failed"
fi
kill -TERM "$WPID"
wait "$WPID"
[ $? = 0 ] || fail "watch did not exit 0 on SIGTERM"
grep -q "stopped" "$TMP/watch.err" || fail "watch did not say it stopped"

[ "$FAILS" = 0 ] || { cat "$TMP/watch.err"; exit 1; }
echo "watch: all checks passed"
