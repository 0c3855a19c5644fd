#!/bin/bash
# Integration test of `imr-index build/stats/parse`: a corpus of the
# samples (+ a generated corpus when imr-corpus is built) with bad files
# mixed in; incremental re-runs, a changed file, a duplicate id, --prune;
# and a kill -9 in the middle of a large build.
# Usage: index_build.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
IDX=$BUILD/indexer/imr-index
GEN=$BUILD/corpus/imr-corpus

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$IDX" ] || skip "imr-index is not built ($IDX)"
command -v sqlite3 >/dev/null || skip "the sqlite3 command (Debian package sqlite3) is absent"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/imr-integ-index.XXXXXX") || fail "mktemp"
BG=
cleanup() {
    [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

C=$TMP/corpus
DB=$TMP/index.db
mkdir -p "$C/samples" "$C/bad"
n_samples=0
for f in "$SRC"/corpus/samples/*; do
    [ -f "$f" ] || continue
    cp "$f" "$C/samples/"
    n_samples=$((n_samples + 1))
done
if [ -x "$GEN" ]; then
    "$GEN" generate --count 300 --seed 1 --out "$C/gen" >/dev/null 2>&1 ||
        fail "imr-corpus generate"
else
    echo "NOTICE: imr-corpus is not built: no generated letters"
fi
[ "$n_samples" -gt 0 ] || [ -x "$GEN" ] ||
    skip "corpus/samples is empty and imr-corpus is not built"

# Bad files: empty, binary, unrelated text; and files the walk must skip.
: > "$C/bad/empty.txt"
head -c 3000 /dev/urandom > "$C/bad/binary"
printf 'Shopping list\n\neggs\nflour\nthree lemons\n' > "$C/bad/unrelated.txt"
cp "$C/bad/unrelated.txt" "$C/.hidden.txt"
echo '{"id": "x"}' > "$C/bad/notes.json"

q() { sqlite3 "$DB" "$1"; }
summary_field() {   # summary_field FILE WORD -> the number before WORD
    sed -n "s/.* \([0-9][0-9]*\) $2[,;].*/\1/p" "$1" | head -n1
}

# Expected letters: the distinct ids `imr-index parse` gives the good files.
GOOD=$(find "$C/samples" "$C/gen" -type f \( -name '*.txt' -o ! -name '*.*' \) \
       ! -name '.*' 2>/dev/null | sort)
n_good=$(echo "$GOOD" | grep -c .)
echo "$GOOD" | tr '\n' '\0' | xargs -0 "$IDX" parse > "$TMP/parse.jsonl" \
    2> "$TMP/parse.err" || { cat "$TMP/parse.err"; fail "parse of good letters"; }
[ "$(grep -c . "$TMP/parse.jsonl")" -eq "$n_good" ] ||
    fail "parse printed $(grep -c . "$TMP/parse.jsonl") lines for $n_good files"
want=$(sed -E 's/^\{"id":"([^"]*)".*/\1/' "$TMP/parse.jsonl" | sort -u | wc -l)
pass "$n_good good letters, $want distinct ids"

# parse: a bad file gives one stderr line and exit status 1, good ones print.
one_good=$(echo "$GOOD" | head -n1)
"$IDX" parse "$one_good" "$C/bad/empty.txt" > "$TMP/p.out" 2> "$TMP/p.err"
[ $? -eq 1 ] || fail "parse with an empty file should exit 1"
[ "$(grep -c . "$TMP/p.out")" -eq 1 ] || fail "parse should print the good file"
[ "$(grep -c . "$TMP/p.err")" -eq 1 ] && grep -q "empty.txt: " "$TMP/p.err" ||
    fail "parse should name the empty file: $(cat "$TMP/p.err")"
"$IDX" build > /dev/null 2> "$TMP/u.err"
[ $? -eq 2 ] && [ "$(grep -c . "$TMP/u.err")" -eq 1 ] ||
    fail "build without --db should be a usage error (exit 2, one line)"
"$IDX" build --help | grep -q -- "--prune" || fail "build --help"
pass "parse and usage errors"

# 1. First build.
"$IDX" build --db "$DB" --jobs 2 "$C" > "$TMP/b1.out" 2> "$TMP/b1.err" ||
    { cat "$TMP/b1.err"; fail "first build"; }
cat "$TMP/b1.out"
for bad in empty.txt binary unrelated.txt; do
    grep -q "/bad/$bad: ." "$TMP/b1.err" || fail "$bad not reported"
done
[ "$(summary_field "$TMP/b1.out" rejected)" = 3 ] || fail "3 rejected expected"
[ "$(q "SELECT count(*) FROM determinations")" = "$want" ] ||
    fail "letters: $(q "SELECT count(*) FROM determinations"), want $want"
[ "$(q "SELECT count(*) FROM files WHERE status = 'rejected'")" = 3 ] ||
    fail "rejected files rows"
[ "$(q "SELECT count(*) FROM files
        WHERE reason IS NULL AND status = 'rejected'")" = 0 ] ||
    fail "rejected files need a reason"
[ "$(q "SELECT count(*) FROM files WHERE path LIKE '%hidden%'
        OR path LIKE '%.json' OR path LIKE '%truth%'")" = 0 ] ||
    fail "hidden or sidecar files were indexed"
fts_ok() {   # every item has FTS rows, and FTS5 agrees with its content
    [ "$(q "SELECT count(*) FROM items
            WHERE id NOT IN (SELECT id FROM item_fts_docsize)")" = 0 ] ||
        fail "items missing from item_fts ($1)"
    [ "$(q "INSERT INTO item_fts(item_fts, rank)
            VALUES('integrity-check', 1); SELECT 'ok'")" = ok ] ||
        fail "FTS integrity-check ($1)"
}
fts_ok "first build"
segs() { q "SELECT count(DISTINCT segid) FROM item_fts_idx"; }
[ "$(segs)" = 1 ] || fail "first build left $(segs) FTS5 segments, want 1"
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
[ "$(q "PRAGMA journal_mode")" = wal ] || fail "journal_mode is not WAL"
pass "first build: $want letters, 3 rejected"

# A page inside a cited range: the index finds the same items the parse
# output holds (MTUS p.49, as in "citing MTUS p.49").
if command -v jq >/dev/null && [ "$n_good" = "$want" ]; then
    from_parse=$(jq -c '.id as $id | .items[] | select(any(.citations[];
        .guideline == "MTUS" and any(.pages[]; .[0] <= 49 and .[1] >= 49)))
        | [$id, .n]' "$TMP/parse.jsonl" | sort -u | wc -l)
    from_index=$(q "SELECT count(DISTINCT item_id) FROM citation_pages
        WHERE guideline = 'MTUS' AND page_from <= 49 AND page_to >= 49")
    [ "$from_parse" = "$from_index" ] ||
        fail "MTUS p.49: $from_index items in the index, $from_parse parsed"
    pass "MTUS p.49: $from_index items, as parsed"
else
    echo "NOTICE: jq absent (or duplicate ids): page check against parse skipped"
fi

# stats, text and JSON.
"$IDX" stats --db "$DB" > "$TMP/s.out" || fail "stats"
grep -q "^letters $want," "$TMP/s.out" || fail "stats letters: $(head -3 "$TMP/s.out")"
grep -q "items by decision" "$TMP/s.out" || fail "stats by decision"
grep -q "letters by decision year" "$TMP/s.out" || fail "stats by year"
"$IDX" stats --db "$DB" --json > "$TMP/s.json" || fail "stats --json"
grep -q "\"letters\":$want," "$TMP/s.json" || fail "stats --json letters"
grep -q '"rejected":3,' "$TMP/s.json" || fail "stats --json rejected"
items=$(q "SELECT count(*) FROM items")
grep -q "\"items\":$items," "$TMP/s.json" || fail "stats --json items"
pass "stats"

# optimize: nothing to merge after the first build; usage errors.
"$IDX" optimize --db "$DB" > "$TMP/o.out" || fail "optimize"
grep -q "one segment already" "$TMP/o.out" || fail "optimize: $(cat "$TMP/o.out")"
"$IDX" optimize > /dev/null 2>&1; [ $? = 2 ] || fail "optimize without --db: not 2"
"$IDX" optimize --db "$TMP/none.db" 2> "$TMP/o.err" && fail "optimize of no file"
grep -q "build it with" "$TMP/o.err" || fail "optimize of no file: $(cat "$TMP/o.err")"
pass "optimize"

# 2. Re-run: everything unchanged.
n_files=$(q "SELECT count(*) FROM files")
"$IDX" build --db "$DB" "$C" > "$TMP/b2.out" 2> "$TMP/b2.err" || fail "re-run"
cat "$TMP/b2.out"
[ "$(summary_field "$TMP/b2.out" parsed)" = 0 ] || fail "re-run parsed files"
[ "$(summary_field "$TMP/b2.out" unchanged)" = "$n_files" ] ||
    fail "re-run: all $n_files should be unchanged"
[ ! -s "$TMP/b2.err" ] || fail "re-run printed: $(cat "$TMP/b2.err")"
pass "re-run: $n_files unchanged"

# 3. Touch one file (same content: unchanged), modify another (re-indexed).
f1=$(echo "$GOOD" | sed -n 1p)
f2=$(echo "$GOOD" | sed -n 2p)
touch -d '2020-01-01' "$f1"
printf '\n\n' >> "$f2"
f2real=$(realpath "$f2")
old_det=$(q "SELECT det_id FROM files WHERE path = '$f2real'")
old_hash=$(q "SELECT hash FROM files WHERE path = '$f2real'")
"$IDX" build --db "$DB" "$C" > "$TMP/b3.out" 2> "$TMP/b3.err" || fail "build 3"
cat "$TMP/b3.out"
[ "$(summary_field "$TMP/b3.out" parsed)" = 1 ] || fail "one file re-indexed"
[ "$(q "SELECT hash FROM files WHERE path = '$f2real'")" != "$old_hash" ] ||
    fail "hash of the modified file"
[ "$(q "SELECT det_id FROM files WHERE path = '$f2real'")" != "$old_det" ] ||
    fail "the modified file keeps its old letter row"
[ "$(q "SELECT count(*) FROM determinations WHERE id = $old_det")" = 0 ] ||
    fail "old letter row of the modified file remains"
[ "$(q "SELECT count(*) FROM determinations")" = "$want" ] || fail "letters after change"
fts_ok "after a change"
pass "touched file unchanged, modified file re-indexed"

# 4. Same record id from a second file: the later path is kept.
dupsrc=$(grep -n '"case_number":"' "$TMP/parse.jsonl" | head -n1 | cut -d: -f1)
if [ -n "$dupsrc" ]; then
    src=$(echo "$GOOD" | sed -n "${dupsrc}p")
    srcreal=$(realpath "$src")
    id=$(sed -n "${dupsrc}p" "$TMP/parse.jsonl" | sed -E 's/^\{"id":"([^"]*)".*/\1/')
    cp "$src" "$C/zz-copy.txt"
    "$IDX" build --db "$DB" "$C" > "$TMP/b4.out" 2> "$TMP/b4.err" || fail "build 4"
    grep -q "same id $id" "$TMP/b4.err" || fail "duplicate id not reported"
    [ "$(q "SELECT source FROM determinations WHERE ext_id = '$id'")" = "$C/zz-copy.txt" ] ||
        fail "the later path should hold id $id"
    [ "$(q "SELECT status FROM files WHERE path = '$srcreal'")" = duplicate ] ||
        fail "the earlier file should be a duplicate"
    [ "$(q "SELECT count(*) FROM determinations")" = "$want" ] || fail "letters after duplicate"
    # The kept copy changes its id: the earlier file takes the id back in
    # the same build.
    sed -i "s/$id/CM99-0000001/g" "$C/zz-copy.txt"
    "$IDX" build --db "$DB" "$C" > "$TMP/b4b.out" 2> "$TMP/b4b.err" || fail "build 4b"
    if [ "$(q "SELECT count(*) FROM determinations WHERE ext_id = 'CM99-0000001'")" = 1 ]; then
        [ "$(q "SELECT source FROM determinations WHERE ext_id = '$id'")" = "$srcreal" ] ||
            fail "when the copy changes id, $src should hold id $id again"
        [ "$(q "SELECT count(*) FROM determinations")" = $((want + 1)) ] ||
            fail "letters after the copy changed id"
        pass "the kept copy changed id: $src holds $id again"
    fi
    rm "$C/zz-copy.txt"
    "$IDX" build --db "$DB" --prune "$C" > "$TMP/b5.out" 2> "$TMP/b5.err" || fail "build 5"
    [ "$(q "SELECT count(*) FROM determinations")" = "$want" ] || fail "letters after pruning the copy"
    [ "$(q "SELECT source FROM determinations WHERE ext_id = '$id'")" = "$srcreal" ] ||
        fail "after pruning the copy, $src should hold id $id again"
    [ "$(q "SELECT status FROM files WHERE path = '$srcreal'")" = indexed ] ||
        fail "the original should be indexed again"
    pass "duplicate id $id: later path kept, earlier restored after prune"
fi

# 5. Delete one letter file and --prune it.
f3=$(echo "$GOOD" | sed -n 3p)
f3real=$(realpath "$f3")
id3=$(q "SELECT d.ext_id FROM files f JOIN determinations d ON d.id = f.det_id WHERE f.path = '$f3real'")
[ -n "$id3" ] || fail "no letter for $f3"
rm "$f3"
"$IDX" build --db "$DB" "$C" > "$TMP/b6.out" 2>&1 || fail "build 6"
[ "$(q "SELECT count(*) FROM determinations WHERE ext_id = '$id3'")" = 1 ] ||
    fail "without --prune the letter of a gone file stays"
"$IDX" build --db "$DB" --prune "$C" > "$TMP/b7.out" 2> "$TMP/b7.err" || fail "build 7"
cat "$TMP/b7.out"
[ "$(summary_field "$TMP/b7.out" pruned)" = 1 ] || fail "one file pruned"
grep -q "gone" "$TMP/b7.err" || fail "pruned file not reported"
[ "$(q "SELECT count(*) FROM determinations WHERE ext_id = '$id3'")" = 0 ] ||
    fail "pruned letter still indexed"
[ "$(q "SELECT count(*) FROM files WHERE path = '$f3real'")" = 0 ] || fail "pruned files row"
[ "$(q "SELECT count(*) FROM determinations")" = $((want - 1)) ] || fail "letters after prune"
fts_ok "after prune"
pass "prune"

# 6. A rejected file that becomes a letter is indexed.
cp "$f2" "$C/bad/empty.txt"    # same id as f2: empty.txt sorts later
"$IDX" build --db "$DB" "$C" > "$TMP/b8.out" 2> "$TMP/b8.err" || fail "build 8"
[ "$(q "SELECT status FROM files WHERE path = '$C/bad/empty.txt'")" != rejected ] ||
    fail "a fixed file stays rejected"
pass "rejected file fixed"

# 7. kill -9 in the middle of a large build leaves the old state.
if [ ! -x "$GEN" ]; then
    echo "SKIPPED: kill -9 sub-check: imr-corpus is not built"
    exit 0
fi
K=$TMP/big
"$GEN" generate --count 6000 --seed 7 --out "$K" >/dev/null 2>&1 || fail "generate 6000"
before=$(q "SELECT count(*) FROM determinations")
"$IDX" build --db "$DB" --jobs 1 "$C" "$K" > "$TMP/k.out" 2>&1 &
BG=$!
sleep 1
"$IDX" stats --db "$DB" --json > "$TMP/k.json" || fail "stats during a build"
grep -q "\"letters\":$before," "$TMP/k.json" || fail "a reader during a build should see the old state"
if kill -9 "$BG" 2>/dev/null; then
    wait "$BG" 2>/dev/null
    BG=
    [ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity after kill -9"
    [ "$(q "SELECT count(*) FROM determinations")" = "$before" ] ||
        fail "after kill -9 the index should hold the old $before letters"
    "$IDX" stats --db "$DB" > /dev/null || fail "stats after kill -9"
    pass "kill -9 mid-build: old state ($before letters)"
else
    wait "$BG"
    BG=
    echo "NOTICE: the build finished within 1 s; kill -9 sub-check not exercised"
fi
"$IDX" build --db "$DB" "$C" "$K" > "$TMP/k2.out" 2>&1 || fail "build after kill"
# Every letter of both corpora, by distinct id (the corpora may share ids).
find "$C" "$K" -type f \( -name '*.txt' -o ! -name '*.*' \) ! -name '.*' -print0 |
    xargs -0 "$IDX" parse 2>/dev/null |
    sed -E 's/^\{"id":"([^"]*)".*/\1/' | sort -u > "$TMP/all.ids"
[ "$(q "SELECT count(*) FROM determinations")" = "$(grep -c . "$TMP/all.ids")" ] ||
    fail "rebuild after kill: $(q "SELECT count(*) FROM determinations") letters, want $(grep -c . "$TMP/all.ids")"
pass "rebuild after kill -9"

# A small build into the larger index adds a segment; optimize merges it.
# (The changed copy's path sorts after the corpus's, so it is the one
# kept for its id.)
one=$(find "$C" -type f -name '*.txt' | head -1)
mkdir -p "$TMP/zz"
sed 's/^/ /' "$one" > "$TMP/zz/changed.txt"
"$IDX" build --db "$DB" "$TMP/zz/changed.txt" > "$TMP/small.out" 2>&1 ||
    fail "small build"
grep -q "^imr-index: 1 files: [1-9][0-9]* parsed," "$TMP/small.out" ||
    fail "small build: $(cat "$TMP/small.out")"
before=$(segs)
[ "$before" -ge 2 ] || fail "a small build left $before segment(s), want 2 or more"
"$IDX" optimize --db "$DB" > "$TMP/o2.out" || fail "optimize after a small build"
grep -q "$before full-text segments merged into one" "$TMP/o2.out" ||
    fail "optimize: $(cat "$TMP/o2.out")"
[ "$(segs)" = 1 ] || fail "optimize left $(segs) segments"
fts_ok "optimize"
pass "optimize after a small build: $before segments -> 1"

# 8. A first build writes a new file beside the index, without a journal,
# and moves it into place when committed (IMR_INDEX_FRESH): the result is
# an index in WAL mode like the others, with no file left beside it; a
# first build stopped by SIGTERM leaves no index and no file; of two
# first builds of one index, the one that commits second fails and the
# first one's index stays whole.
F=$TMP/fresh/index.db
mkdir -p "$TMP/fresh"
"$IDX" build --db "$F" --jobs 2 "$C" > "$TMP/f1.out" 2> "$TMP/f1.err" ||
    { cat "$TMP/f1.err"; fail "first build of a new index"; }
fq() { sqlite3 "$F" "$1"; }
[ "$(fq "PRAGMA journal_mode")" = wal ] ||
    fail "a new index should be in WAL mode, is $(fq "PRAGMA journal_mode")"
[ "$(fq "PRAGMA integrity_check")" = ok ] || fail "integrity of a new index"
ids_in() {   # distinct letter ids in folder $1
    find "$1" -type f \( -name '*.txt' -o ! -name '*.*' \) ! -name '.*' -print0 |
        xargs -0 "$IDX" parse 2>/dev/null |
        sed -E 's/^\{"id":"([^"]*)".*/\1/' | sort -u | grep -c .
}
cn=$(ids_in "$C")
[ "$(fq "SELECT count(*) FROM determinations")" = "$cn" ] ||
    fail "new index: $(fq "SELECT count(*) FROM determinations") letters, want $cn"
[ "$(ls -A "$TMP/fresh")" = index.db ] ||
    fail "files left beside a new index: $(ls -A "$TMP/fresh" | tr '\n' ' ')"
"$IDX" build --db "$F" "$C" > "$TMP/f2.out" 2>&1 || fail "second build"
grep -q " 0 parsed," "$TMP/f2.out" ||
    fail "second build of a new index: $(cat "$TMP/f2.out")"
pass "first build: a new file moved into place, WAL mode, nothing left beside it"

G=$TMP/fresh2/index.db
mkdir -p "$TMP/fresh2"
"$IDX" build --db "$G" --jobs 1 "$K" > /dev/null 2>&1 &
BG=$!
sleep 1
if kill -TERM "$BG" 2>/dev/null; then
    wait "$BG" 2>/dev/null
    BG=
    [ -z "$(ls -A "$TMP/fresh2")" ] ||
        fail "a first build stopped by SIGTERM left: $(ls -A "$TMP/fresh2" | tr '\n' ' ')"
    pass "first build stopped by SIGTERM: no index, no file left"
else
    wait "$BG"
    BG=
    echo "NOTICE: the first build finished within 1 s; SIGTERM sub-check not exercised"
fi

# Two first builds: the large one starts first; the small one, started
# while it runs, commits first (it holds only the samples).
H=$TMP/fresh3/index.db
mkdir -p "$TMP/fresh3"
"$IDX" build --db "$H" --jobs 1 "$K" > "$TMP/h1.out" 2> "$TMP/h1.err" &
BG=$!
sleep 0.5
"$IDX" build --db "$H" --jobs 1 "$C" > "$TMP/h2.out" 2> "$TMP/h2.err"
st2=$?
wait "$BG"
st1=$?
BG=
[ $((st1 + st2)) -eq 1 ] ||
    fail "two first builds: exit statuses $st1 and $st2, want one failure"
grep -q "was created by another process during this build" \
    "$TMP/h1.err" "$TMP/h2.err" ||
    fail "the losing first build should say why: $(cat "$TMP/h1.err" "$TMP/h2.err")"
[ "$(sqlite3 "$H" "PRAGMA integrity_check")" = ok ] ||
    fail "integrity after two first builds"
# the winner's letters: the samples' (the small build) or the large corpus's
if [ "$st2" -eq 0 ]; then w=$cn; else w=$(ids_in "$K"); fi
[ "$(sqlite3 "$H" "SELECT count(*) FROM determinations")" = "$w" ] ||
    fail "two first builds: the index holds $(sqlite3 "$H" "SELECT count(*) FROM determinations") letters, want the winner's $w"
[ "$(ls -A "$TMP/fresh3" | grep -vc '^index.db\(-wal\|-shm\)\?$')" = 0 ] ||
    fail "files left after two first builds: $(ls -A "$TMP/fresh3" | tr '\n' ' ')"
pass "two first builds of one index: one fails with the reason, the other's index is whole"
exit 0
