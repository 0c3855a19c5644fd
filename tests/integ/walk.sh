#!/bin/bash
# Integration test of the walk of `imr-index build` (indexer/walk.c): every
# letter under the folders given is found, nested or extension-less, and
# recorded under its resolved path; a link to a file is followed (and
# recorded where it points), a link to a folder is not, a dangling link
# and hidden files are skipped; a root given through a link or as a
# relative path with "." and ".." gives the same paths.
# Usage: walk.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
IDX=$(cd "$BUILD" && pwd)/indexer/imr-index

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$IDX" ] || skip "imr-index is not built ($IDX)"
command -v sqlite3 >/dev/null || skip "the sqlite3 command (Debian package sqlite3) is absent"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/imr-integ-walk.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT
T=$(realpath "$TMP")
S=$SRC/corpus/samples
mkdir -p "$T/root/a/b" "$T/outside" "$T/outside_dir"
cp "$S/01-frp-upheld-layout.txt" "$T/root/a/one.txt"
cp "$S/05-norco-flexeril-prilosec-2016.txt" "$T/root/a/b/two"
cp "$S/07-mri-acoem-cp1252.txt" "$T/outside/three.txt"
cp "$S/10-pt-aquatic-page-headers.txt" "$T/outside_dir/four.txt"
cp "$S/06-esi-facet-crlf.txt" "$T/root/.hidden.txt"
ln -s "$T/outside/three.txt" "$T/root/link_file.txt"
ln -s "$T/outside_dir" "$T/root/link_dir"
ln -s "$T/nowhere.txt" "$T/root/dangling.txt"
ln -s "$T/root" "$T/rootlink"

want=$(printf '%s\n' "$T/outside/three.txt" "$T/root/a/b/two" \
       "$T/root/a/one.txt" | sort)
check() {   # check DB WHAT
    got=$(sqlite3 "$1" "SELECT path FROM files ORDER BY path") ||
        fail "$2: files table"
    [ "$got" = "$want" ] ||
        fail "$2: recorded paths
$got
expected
$want"
    [ "$(sqlite3 "$1" "SELECT count(*) FROM files WHERE status =
         'indexed'")" = 3 ] || fail "$2: not every file indexed"
    pass "$2: 3 letters, resolved paths, links to folders not followed"
}

"$IDX" build --db "$T/a.db" "$T/root" > "$T/a.out" 2>&1 ||
    fail "build: $(cat "$T/a.out")"
check "$T/a.db" "the root itself"
"$IDX" build --db "$T/b.db" "$T/rootlink" > "$T/b.out" 2>&1 ||
    fail "build through a link: $(cat "$T/b.out")"
check "$T/b.db" "the root through a link"
(cd "$T/root/a" && "$IDX" build --db "$T/c.db" "./b/../.." > "$T/c.out" 2>&1) ||
    fail "build from a relative path: $(cat "$T/c.out")"
check "$T/c.db" "the root as ./b/../.."
# a second run finds the same files unchanged
"$IDX" build --db "$T/a.db" "$T/rootlink/" > "$T/d.out" 2>&1 ||
    fail "re-run: $(cat "$T/d.out")"
grep -q " 3 unchanged" "$T/d.out" || fail "re-run: $(cat "$T/d.out")"
check "$T/a.db" "a re-run through the link"
exit 0
