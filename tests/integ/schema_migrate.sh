#!/bin/bash
# Integration test of index schema versions (docs/schema.md): a schema 4
# index packs its letters with a zstd dictionary trained from its first
# letters; an index of schema version 3 or 2 (for 2: no dictionary table)
# is read as it is by the read-only programs and migrated by `imr-index
# build`, its old letters still readable next to the new ones (the zlib
# letters those versions wrote are tested in tests/unit/test_index_pack.c:
# here the old letters are this version's, packed without a dictionary);
# an index of schema version 1 (made here from a current index by
# dropping the version 2 columns) is refused by the read-only programs
# with the exact command to run, and migrated in place, letters kept, by
# `imr-index build`; an index of an unknown newer version is refused.
# Usage: schema_migrate.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skip.
set -u
BUILD=$1
SRC=$2
IDX=$BUILD/indexer/imr-index
SD=$BUILD/searchd/imr-searchd

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$IDX" ] || skip "imr-index is not built ($IDX)"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is absent"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/imr-integ-schema.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/old.db
mkdir -p "$TMP/a" "$TMP/b" "$TMP/few"
cp "$SRC"/corpus/samples/0*.txt "$TMP/a/"
cp "$SRC"/corpus/samples/1*.txt "$TMP/b/"
cp "$SRC"/corpus/samples/0[1-5]*.txt "$TMP/few/"

# meta.schema_version of DB.
version() {
    sqlite3 "$1" "SELECT value FROM meta WHERE key = 'schema_version'"
}
# The stored letter ID (text and record) as imr-searchd serves it.
show() { # DB ID PORT
    curl -s "http://127.0.0.1:$3/v1/determinations/$2"
}
# Starts imr-searchd on DB; sets SDPID and PORT.
start_sd() {
    "$SD" --db "$1" --listen 127.0.0.1:0 > /dev/null 2> "$TMP/sd.err" &
    SDPID=$!
    trap 'kill -9 $SDPID 2>/dev/null; rm -rf "$TMP"' EXIT
    PORT=
    for i in $(seq 100); do
        PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
               "$TMP/sd.err" | head -1)
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    [ -n "$PORT" ] || fail "imr-searchd did not start: $(cat "$TMP/sd.err")"
}

# Schema 4: the dictionary is trained from the first letters of the
# build, stored once, and every letter names it.
D4=$TMP/v4.db
"$IDX" build --db "$D4" "$TMP/a" > /dev/null 2>&1 || fail "build v4"
[ "$(version "$D4")" = 4 ] ||
    fail "a new index is not schema 4"
[ "$(sqlite3 "$D4" "SELECT count(*) || ' ' || (length(data) > 1000)
    FROM pack_dicts")" = "1 1" ] || fail "no dictionary in a new index"
[ "$(sqlite3 "$D4" "SELECT count(*) FROM determinations
    WHERE substr(text, 1, 4) <> CAST('IMRS' AS BLOB)
       OR substr(text, 5, 4) = x'00000000'")" = 0 ] ||
    fail "letters packed without the dictionary"
pass "schema 4: letters packed with the index's own dictionary"

# Schema 3 differs by its letters' format only: read as it is, migrated
# by a build.
sqlite3 "$D4" "UPDATE meta SET value = '3' WHERE key = 'schema_version'" ||
    fail "making a schema 3 index"
"$IDX" stats --db "$D4" > "$TMP/s3.out" 2>&1 ||
    fail "stats refused a schema 3 index: $(cat "$TMP/s3.out")"
"$IDX" build --db "$D4" "$TMP/b" > /dev/null 2> "$TMP/b3.err" ||
    fail "build did not migrate schema 3: $(cat "$TMP/b3.err")"
[ "$(version "$D4")" = 4 ] || fail "schema_version not 4 after migrating 3"
pass "schema 3: read as it is, migrated to 4 by a build"

# Schema 2: an index of fewer letters than a dictionary needs, without
# the dictionaries table, as the previous version wrote it.
D2=$TMP/v2.db
"$IDX" build --db "$D2" "$TMP/few" > /dev/null 2>&1 || fail "build few"
sqlite3 "$D2" "DROP TABLE pack_dicts;
  UPDATE meta SET value = '2' WHERE key = 'schema_version';" ||
    fail "making a schema 2 index"
[ "$(sqlite3 "$D2" "SELECT count(*) FROM determinations
    WHERE substr(text, 5, 4) <> x'00000000'")" = 0 ] ||
    fail "a small index used a dictionary"
old_id=$(sqlite3 "$D2" "SELECT ext_id FROM determinations ORDER BY id LIMIT 1")
"$IDX" stats --db "$D2" > "$TMP/s2.out" 2>&1 ||
    fail "stats refused a schema 2 index: $(cat "$TMP/s2.out")"
if [ -x "$SD" ] && command -v curl >/dev/null; then
    start_sd "$D2"
    show "$D2" "$old_id" "$PORT" | grep -q '"text": *"' ||
        fail "imr-searchd cannot show $old_id of a schema 2 index"
    kill -9 $SDPID 2>/dev/null; wait $SDPID 2>/dev/null
fi
pass "read-only programs read a schema 2 index as it is"
"$IDX" build --db "$D2" "$TMP/b" > /dev/null 2> "$TMP/b2.err" ||
    fail "build did not migrate schema 2: $(cat "$TMP/b2.err")"
[ "$(version "$D2")" = 4 ] ||
    fail "schema_version not 4 after migrating 2"
[ "$(sqlite3 "$D2" "SELECT count(*) FROM pack_dicts")" = 1 ] ||
    fail "no dictionary trained from the new letters"
new_id=$(sqlite3 "$D2" "SELECT ext_id FROM determinations
    WHERE substr(text, 1, 4) = CAST('IMRS' AS BLOB)
      AND substr(text, 5, 4) <> x'00000000' LIMIT 1")
[ -n "$new_id" ] || fail "new letters not packed with the dictionary"
if [ -x "$SD" ] && command -v curl >/dev/null; then
    start_sd "$D2"
    for id in "$old_id" "$new_id"; do
        show "$D2" "$id" "$PORT" | grep -q '"text": *"' ||
            fail "imr-searchd cannot show $id after migrating"
    done
    kill -9 $SDPID 2>/dev/null; wait $SDPID 2>/dev/null
fi
pass "build migrates schema 2 to 4; old and new letters both read back"

"$IDX" build --db "$DB" "$TMP/a" > /dev/null 2>&1 || fail "build"
n_before=$(sqlite3 "$DB" "SELECT count(*) FROM determinations")
[ "$n_before" -gt 0 ] || fail "no letters"

# Turn it into a schema 1 index: the tables and meta of version 1.
sqlite3 "$DB" "DROP TABLE pack_dicts;
  DROP INDEX det_program; DROP INDEX det_type;
  DROP INDEX det_source;
  ALTER TABLE determinations DROP COLUMN type;
  ALTER TABLE determinations DROP COLUMN age_range;
  ALTER TABLE determinations DROP COLUMN diag_category;
  ALTER TABLE determinations DROP COLUMN diag_subcategory;
  UPDATE meta SET value = '1' WHERE key = 'schema_version';" ||
    fail "making a schema 1 index"

"$IDX" stats --db "$DB" > /dev/null 2> "$TMP/stats.err" &&
    fail "stats read a schema 1 index without a word"
grep -q "index schema version 1, this program needs 4: run \`imr-index build --db $DB PATH...\` once" \
    "$TMP/stats.err" || fail "stats message: $(cat "$TMP/stats.err")"
if [ -x "$SD" ] && command -v curl >/dev/null; then
    # imr-searchd answers 503 until the index is usable, and says why.
    start_sd "$DB"
    grep -q "schema version 1, this program needs 4: run .*answering 503" \
        "$TMP/sd.err" || fail "imr-searchd message: $(cat "$TMP/sd.err")"
    code=$(curl -s -o /dev/null -w '%{http_code}' \
           "http://127.0.0.1:$PORT/v1/search?q=upheld")
    [ "$code" = 503 ] || fail "imr-searchd answered $code on schema 1"
fi
pass "read-only programs refuse schema 1 and say what to run"

"$IDX" build --db "$DB" "$TMP/b" > /dev/null 2> "$TMP/b.err" ||
    fail "build did not migrate: $(cat "$TMP/b.err")"
if [ -n "${PORT:-}" ]; then
    for i in $(seq 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' \
               "http://127.0.0.1:$PORT/v1/search?q=upheld")
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    [ "$code" = 200 ] || fail "imr-searchd still answers $code after migration"
    pass "the running imr-searchd serves the migrated index"
fi
[ "$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'schema_version'")" = 4 ] ||
    fail "schema_version not 4 after the build"
sqlite3 "$DB" "SELECT type, age_range FROM determinations LIMIT 1" \
    > /dev/null || fail "no version 2 columns"
n_after=$(sqlite3 "$DB" "SELECT count(*) FROM determinations
    WHERE source LIKE '$TMP/a/%'")
[ "$n_after" = "$n_before" ] || fail "letters lost: $n_before -> $n_after"
"$IDX" stats --db "$DB" | grep -q "schema 4" || fail "stats after migrate"
pass "build migrates a schema 1 index in place, keeping its $n_before letters"

sqlite3 "$DB" "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
"$IDX" build --db "$DB" "$TMP/b" > /dev/null 2> "$TMP/new.err" &&
    fail "build wrote into a schema 99 index"
grep -q "index schema version 99, this program needs 4" "$TMP/new.err" ||
    fail "schema 99 message: $(cat "$TMP/new.err")"
pass "an index of a newer schema is refused"
echo "schema_migrate: all checks passed"
