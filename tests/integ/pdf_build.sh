#!/bin/bash
# Integration test of PDF and DMHC inputs in `imr-index build`: good PDFs
# (written here by hand, plus real letters from ../shared when present)
# are indexed with --jobs 1 and 2 alike; a truncated, a garbage, an
# encrypted and an image-only PDF are rejected with their reasons while
# the build goes on; a DMHC CSV gives one letter per row, its malformed
# rows reported with line numbers; a changed CSV replaces its rows.
# Usage: pdf_build.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
IDX=$BUILD/indexer/imr-index

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$IDX" ] || skip "imr-index is not built ($IDX)"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is absent"
command -v jq >/dev/null || skip "jq is absent"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/imr-integ-pdf.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT
C=$TMP/in
mkdir -p "$C"

# mkpdf OUT OBJ...: a PDF whose objects are the arguments (1 = catalog),
# with a correct xref table. ENCRYPT=N adds /Encrypt N 0 R.
mkpdf() {
    local out=$1 i=1 off
    shift
    printf '%%PDF-1.4\n' > "$out"
    local offs=()
    for o in "$@"; do
        offs+=("$(stat -c %s "$out")")
        printf '%d 0 obj\n%s\nendobj\n' "$i" "$o" >> "$out"
        i=$((i + 1))
    done
    off=$(stat -c %s "$out")
    printf 'xref\n0 %d\n0000000000 65535 f \n' "$i" >> "$out"
    for o in "${offs[@]}"; do printf '%010d 00000 n \n' "$o" >> "$out"; done
    printf 'trailer\n<< /Size %d /Root 1 0 R' "$i" >> "$out"
    local id=00112233445566778899aabbccddeeff
    [ -n "${ENCRYPT:-}" ] &&
        printf ' /Encrypt %s 0 R /ID [<%s> <%s>]' "$ENCRYPT" "$id" "$id" \
            >> "$out"
    printf ' >>\nstartxref\n%d\n%%%%EOF\n' "$off" >> "$out"
}
CAT='<< /Type /Catalog /Pages 2 0 R >>'
PAGES='<< /Type /Pages /Kids [3 0 R] /Count 1 >>'
FONT='<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
BOX='/Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]'
TEXTPAGE="<< $BOX /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
stream() {   # stream TEXT-OPERATORS: a content stream object
    printf '<< /Length %d >>\nstream\n%s\nendstream' "$((${#1} + 1))" "$1"
}

# A one-letter PDF made from a sample letter: one Tj per line.
LETTER=$SRC/corpus/samples/01-frp-upheld-layout.txt
LETTER_ID=$("$IDX" parse "$LETTER" | jq -r .id)
ops="BT /F1 9 Tf 11 TL 36 770 Td"
while IFS= read -r line; do
    line=${line//\\/\\\\}; line=${line//(/\\(}; line=${line//)/\\)}
    ops="$ops ($line) ' "
done < <(tr -d '\r\f' < "$LETTER" | head -n 66)
ops="$ops ET"
mkpdf "$C/letter.pdf" "$CAT" "$PAGES" "$TEXTPAGE" "$(stream "$ops")" "$FONT"
"$IDX" parse "$C/letter.pdf" > "$TMP/p.json" 2> "$TMP/p.err" ||
    fail "hand-made letter PDF does not parse: $(cat "$TMP/p.err")"
[ "$(jq -r .id "$TMP/p.json")" = "$LETTER_ID" ] ||
    fail "hand-made letter PDF gives id $(jq -r .id "$TMP/p.json")"
pass "a hand-made letter PDF parses in-process (id $LETTER_ID)"

# Bad PDFs.
head -c 300 "$C/letter.pdf" > "$C/truncated.pdf"
printf '%%PDF-1.5\n\001\002 garbage, no objects \377\n%%%%EOF\n' \
    > "$C/garbage.pdf"
mkpdf "$C/image-only.pdf" "$CAT" "$PAGES" "<< $BOX >>"
ENCRYPT=6 mkpdf "$C/encrypted.pdf" "$CAT" "$PAGES" "$TEXTPAGE" \
    "$(stream 'BT /F1 12 Tf 72 700 Td (secret) Tj ET')" "$FONT" \
    "<< /Filter /Standard /V 1 /R 2 /P -44 /O <$(printf '0011%.0s' \
    $(seq 16))> /U <$(printf 'ffee%.0s' $(seq 16))> >>"

# A DMHC CSV with two malformed rows (line 3: short; line 5: no id).
cat > "$C/dmhc.csv" <<'EOF'
Reference ID;Report Year;Diagnosis Category;Diagnosis Sub Category;Treatment Category;Treatment Sub Category;Determination;Type;Age Range;Patient Gender
MN16-90001;2016;Infectious;Hepatitis;Pharmacy;Anti-virals;Overturned Decision of Health Plan;Medical Necessity;41-50;Male
MN16-90002;2016;Mental;Eating Disorder
MN16-90003;2016;Cancer;Breast;Cancer Care;Chemotherapy;Upheld Decision of Health Plan;Experimental/Investigational;51-64;Female
;2016;Cancer;Breast;Cancer Care;Chemotherapy;Upheld Decision of Health Plan;Experimental/Investigational;51-64;Female
EOF

n_real=0
if [ -d "$SHARED/corpus-real/dwc-imrcrawler" ]; then
    mkdir -p "$C/real"
    for f in $(ls "$SHARED"/corpus-real/dwc-imrcrawler/*.pdf | head -n 30); do
        cp "$f" "$C/real/"
        n_real=$((n_real + 1))
    done
else
    echo "SKIPPED: the real-PDF part ($SHARED/corpus-real absent)"
fi

for j in 1 2; do
    DB=$TMP/j$j.db
    "$IDX" build --db "$DB" --jobs "$j" "$C" > "$TMP/b$j.out" \
        2> "$TMP/b$j.err" || { cat "$TMP/b$j.err"; fail "build --jobs $j"; }
    grep -q "truncated.pdf: damaged PDF: truncated" "$TMP/b$j.err" ||
        fail "truncated PDF not reported: $(cat "$TMP/b$j.err")"
    grep -q "garbage.pdf: damaged PDF" "$TMP/b$j.err" ||
        fail "garbage PDF not reported"
    grep -q "encrypted.pdf: encrypted PDF" "$TMP/b$j.err" ||
        fail "encrypted PDF not reported"
    grep -q "image-only.pdf: image-only PDF.*OCR" "$TMP/b$j.err" ||
        fail "image-only PDF not reported with the OCR advice"
    grep -q "dmhc.csv: line 3: .* fields.*skipped" "$TMP/b$j.err" &&
    grep -q "dmhc.csv: line 5: no Reference ID: skipped" "$TMP/b$j.err" ||
        fail "malformed CSV rows not reported with line numbers"
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM files WHERE status = 'rejected'
          AND reason LIKE '%PDF%'")" = 4 ] || fail "4 rejected PDF rows"
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM determinations
          WHERE program = 'dmhc'")" = 2 ] || fail "2 DMHC rows (--jobs $j)"
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM determinations
          WHERE program = 'dwc' AND source LIKE '%.pdf'")" = $((n_real + 1)) ] ||
        fail "$((n_real + 1)) PDF letters indexed (--jobs $j)"
    sqlite3 "$DB" "SELECT ext_id, format, program, type, age_range, outcome
        FROM determinations ORDER BY ext_id" > "$TMP/rows$j"
done
cmp -s "$TMP/rows1" "$TMP/rows2" || fail "--jobs 1 and 2 give other letters"
pass "$((n_real + 1)) PDFs indexed, 4 bad PDFs rejected with reasons, same with --jobs 1 and 2"
grep -q "MN16-90003|dmhc_open_data|dmhc|experimental/investigational|51-64|upheld" \
    "$TMP/rows1" || fail "DMHC row fields: $(grep MN16 "$TMP/rows1")"
pass "DMHC CSV rows indexed with their fields, malformed rows skipped"

# The CSV changes: its rows are replaced, a removed row disappears.
DB=$TMP/j1.db
sed -i '/MN16-90001/d' "$C/dmhc.csv"
"$IDX" build --db "$DB" "$C" > /dev/null 2>&1 || fail "rebuild"
[ "$(sqlite3 "$DB" "SELECT group_concat(ext_id) FROM determinations
      WHERE program = 'dmhc'")" = MN16-90003 ] ||
    fail "a row removed from the CSV is still indexed"
rm "$C/dmhc.csv"
"$IDX" build --db "$DB" --prune "$C" > /dev/null 2>&1 || fail "prune"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM determinations
      WHERE program = 'dmhc'")" = 0 ] || fail "pruned CSV rows remain"
pass "a changed CSV replaces its rows; a removed one is pruned"
echo "pdf_build: all checks passed"
