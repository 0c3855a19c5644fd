#!/bin/bash
# An index grown a letter at a time (as `imr-index watch` grows it, too
# few letters per build to train a compression dictionary on) trains its
# dictionary from its own newest letters once it holds enough of them;
# the letters packed before and after it read back whole through
# imr-searchd.
# Usage: index_grow.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
. "$SRC/tests/integ/search_common.inc"
[ -x "$GEN" ] || skip "imr-corpus is not built ($GEN)"
command -v sqlite3 >/dev/null || skip "sqlite3 (Debian package sqlite3) is absent"

N=262           # IMR_INDEX_DICT_GROW_SAMPLES (256) and a few more
"$GEN" generate --count $N --seed 17 --out "$TMP/c" --quiet >/dev/null ||
    die "imr-corpus generate"
DB=$TMP/grow.db
find "$TMP/c" -name '*.txt' | sort > "$TMP/list"
[ "$(wc -l < "$TMP/list")" = $N ] || die "expected $N letters"
i=0
while read -r f; do
    "$IDX" build --db "$DB" "$f" >/dev/null 2>"$TMP/b.err" ||
        die "build of $f: $(cat "$TMP/b.err")"
    i=$((i + 1))
    if [ $i = 255 ]; then
        [ "$(sqlite3 "$DB" 'SELECT count(*) FROM pack_dicts')" = 0 ] &&
            pass "no dictionary with 255 letters" ||
            fail "a dictionary before 256 letters"
    fi
done < "$TMP/list"
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM pack_dicts')" = 1 ] &&
    pass "dictionary trained once the index held 256 letters" ||
    fail "no dictionary after $N single-letter builds"
# "IMRS" and a dictionary id that is not 0 (lib/index.c)
nd=$(sqlite3 "$DB" "SELECT count(*) FROM determinations WHERE
                    hex(substr(text, 1, 4)) = hex('IMRS') AND
                    substr(text, 5, 4) <> x'00000000'")
[ "$nd" -ge 5 ] && pass "$nd later letters packed with it" ||
    fail "letters after training not packed with the dictionary ($nd)"

start_daemon "$DB" "$TMP/d.log"
U=http://127.0.0.1:$PORT
bad=0
for id in $(sqlite3 "$DB" "SELECT ext_id FROM determinations ORDER BY id
                           DESC LIMIT 8; SELECT ext_id FROM determinations
                           ORDER BY id LIMIT 4"); do
    t=$(curl -sf "$U/v1/determinations/$id" | jq -r '.text // empty')
    # the whole letter: (a letter missing page 1 has no case number left
    # in its text, so the check is its length and its rationale)
    if [ "${#t}" -lt 500 ] || ! grep -qi 'necessary' <<<"$t"; then
        bad=$((bad + 1))
        echo "letter $id did not read back (${#t} bytes)"
    fi
done
[ $bad = 0 ] && pass "letters before and after the dictionary read back" ||
    fail "$bad letters did not read back"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
san_check
[ $FAILS -eq 0 ] || { echo "$FAILS failures"; exit 1; }
echo "all index growth checks passed"
