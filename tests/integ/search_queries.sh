#!/bin/bash
# Integration test of the query language through imr-searchd and the
# imr-search client: indexes corpus/samples (+ ../shared/corpus-seed when
# present) and, when imr-corpus is built, a generated corpus of 20,000
# letters; checks the seed query, page ranges, synonyms, paging, clean
# JSON errors for malformed HTTP, oversized queries and FTS5 syntax.
# Usage: search_queries.sh BUILD_DIR SOURCE_DIR SHARED_DIR. 77 = skipped.
set -u
BUILD=$1 SRC=$2 SHARED=$3
. "$(dirname "$0")/search_common.inc"

mkdir -p "$TMP/small"
SMALL=$TMP/small.db BIG=$TMP/big.db
inputs=("$SRC/corpus/samples")
if has_seed; then
    inputs+=("$SHARED/corpus-seed")
else
    echo "SKIPPED (part): $SHARED/corpus-seed is absent; seed checks skipped"
fi
"$IDX" build --db "$SMALL" "${inputs[@]}" >"$TMP/idx-small.log" 2>&1 ||
    { cat "$TMP/idx-small.log"; die "imr-index build (samples)"; }
if [ -x "$GEN" ]; then
    t0=$(date +%s.%N)
    "$GEN" generate --count 20000 --seed 7 --out "$TMP/gen" >/dev/null 2>&1 ||
        die "imr-corpus generate"
    "$IDX" build --db "$BIG" "${inputs[@]}" "$TMP/gen" \
        >"$TMP/idx-big.log" 2>&1 ||
        { tail -5 "$TMP/idx-big.log"; die "imr-index build (generated)"; }
    echo "note: generated and indexed 20,000 letters in" \
         "$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
else
    echo "SKIPPED (part): imr-corpus is not built; using the samples only"
    cp "$SMALL" "$BIG"
fi

start_daemon "$SMALL" "$TMP/sd-small.log" --threads 2
US=http://127.0.0.1:$PORT
start_daemon "$BIG" "$TMP/sd-big.log" --threads 4
UB=http://127.0.0.1:$PORT

SEEDQ='upheld FRP denials citing MTUS p.49'
NEGQ='overturned FRP citing MTUS p.49'
if has_seed; then
    top=$(search "$US" "$SEEDQ" --limit 3 | jq -r '.hits[].id')
    if grep -qx "$SEED_ID" <<<"$top"; then
        pass "seed query: seed letter in the top 3 over samples + seed"
    else
        fail "seed query top 3 over samples + seed: $(echo $top)"
    fi
    all=$(search "$UB" "$SEEDQ" --limit 1000 | jq -r '.hits[].id')
    if grep -qx "$SEED_ID" <<<"$all"; then
        pass "seed query: seed letter among the hits over the big index"
    else
        fail "seed query over the big index misses the seed"
    fi
    for u in "$US" "$UB"; do
        j=$(search "$u" "$NEGQ" --limit 1000)
        n=$(jq '.total' <<<"$j")
        [ "$n" -le 1000 ] || fail "overturned query has >1000 hits ($n)"
        if jq -r '.hits[].id' <<<"$j" | grep -qx "$SEED_ID"; then
            fail "'$NEGQ' returned the seed letter ($u)"
        else
            pass "'$NEGQ' does not return the seed ($n hits, $u)"
        fi
    done
fi

# the interpretation says what the words became
j=$(search "$UB" "$SEEDQ" --limit 1)
jq -e '.interpretation.filters | map(.means) | index("decision = upheld")' \
    <<<"$j" >/dev/null && jq -e '.interpretation.expansions[0].also |
    index("functional restoration program")' <<<"$j" >/dev/null &&
    jq -e '.interpretation.ignored == ["denials", "citing"]' <<<"$j" \
    >/dev/null && pass "interpretation of the seed query" ||
    fail "interpretation: $(jq -c .interpretation <<<"$j")"
# every hit of the seed query really is upheld and cites MTUS p.49
bad=$(search "$UB" "$SEEDQ" --limit 1000 | jq '[.hits[] | select(
      .decision != "upheld" or ([.citations[] | select(.guideline ==
      "MTUS") | .pages[] | select(.[0] <= 49 and .[1] >= 49)] | length)
      == 0)] | length')
[ "$bad" = 0 ] && pass "seed query hits are upheld and cite MTUS p.49" ||
    fail "$bad seed-query hits are not upheld MTUS p.49 citations"

# every hit says why it matched
n=$(search "$UB" "$SEEDQ" --limit 20 | jq '[.hits[] | select((.why[0] ==
    "decision = upheld") and (.why[1] | test(": MTUS p")))] | length')
[ "$n" -gt 0 ] && pass "hits carry their reasons (why)" ||
    fail "hits without why"

# a page inside a cited range matches that range
j=$(search "$UB" 'MTUS p.31' --limit 1000)
inside=$(jq '[.hits[] | [.citations[] | select(.guideline == "MTUS") |
         .pages[] | select(.[0] <= 31 and .[1] >= 31)] | length] |
         map(select(. > 0)) | length' <<<"$j")
ranged=$(jq '[.hits[].citations[] | select(.guideline == "MTUS") |
         .pages[] | select(.[0] < 31 and .[1] > 31)] | length' <<<"$j")
hits=$(jq '.hits | length' <<<"$j")
if [ "$hits" -gt 0 ] && [ "$inside" = "$hits" ] && [ "$ranged" -gt 0 ]; then
    pass "MTUS p.31 matches cited ranges containing 31 ($hits hits)"
else
    fail "MTUS p.31: $hits hits, $inside with 31 inside, $ranged ranges"
fi
j=$(search "$UB" 'ACOEM ch. 12 p.301' --limit 50)
[ "$(jq '.total' <<<"$j")" -gt 0 ] && [ "$(jq '[.hits[] | select([
    .citations[] | select(.guideline == "ACOEM") | .pages[] |
    select(.[0] <= 301 and .[1] >= 301)] | length == 0)] | length' \
    <<<"$j")" = 0 ] && pass "ACOEM ch. 12 p.301" ||
    fail "ACOEM ch. 12 p.301: $(jq -c '[.total, .interpretation.summary]' \
    <<<"$j")"

# an abbreviation and a brand name find letters that spell it out
spelled() {   # QUERY LOWER-WORD-SPELLED LOWER-WORD-TYPED
    search "$UB" "$1" --limit 1000 | jq --arg s "$2" --arg t "$3" \
        '[.hits[] | (.treatment // "" | ascii_downcase) |
          select(contains($s) and (contains($t) | not))] | length'
}
n=$(spelled ESI 'epidural steroid injection' esi)
[ "$n" -gt 0 ] &&
    pass "ESI finds $n items spelled 'epidural steroid injection'" ||
    fail "ESI finds no spelled-out epidural steroid injection"
n=$(spelled FRP 'functional restoration' frp)
[ "$n" -gt 0 ] && pass "FRP finds $n items spelled 'functional restoration'" ||
    fail "FRP finds no spelled-out functional restoration program"
n=$(spelled Norco hydrocodone norco)
[ "$n" -gt 0 ] && pass "Norco finds $n items spelled 'hydrocodone'" ||
    fail "Norco finds no hydrocodone items"
n=$(spelled hydrocodone norco hydrocodone)
[ "$n" -gt 0 ] && pass "hydrocodone finds $n items written 'Norco'" ||
    fail "hydrocodone finds no Norco items"

# paging and sorting
a=$(search "$UB" MTUS --limit 20 | jq -c '[.hits[].id]')
b=$(search "$UB" MTUS --limit 10 --offset 10 | jq -c '[.hits[].id]')
[ "$(jq -c '.[10:]' <<<"$a")" = "$b" ] && pass "offset pages" ||
    fail "offset: $a vs $b"
d=$(search "$UB" 'decision:overturned' --limit 100 | jq -r '
    [.hits[].decision_date // ""] | . == (sort | reverse)')
[ "$d" = true ] && pass "filters-only query ordered by date" ||
    fail "filters-only query not ordered by date"
n=$(search "$UB" MTUS --limit 1000 | jq '.hits | length')
[ "$n" = 1000 ] && pass "limit 1000" || fail "limit 1000 gave $n"
j=$(curl -s "$UB/v1/facets?q=MTUS")
jq -e '.facets.decision and .facets.guideline and .facets.guideline_page
    and .facets.treatment and .facets.diagnosis and .facets.year and
    (.hits | not) and .total > 0' <<<"$j" >/dev/null &&
    pass "facets" || fail "facets: $(head -c 300 <<<"$j")"

# errors: clean JSON with the right status, the client exits 4
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
errcode() { jq -r '.error.code' "$TMP/body" 2>/dev/null; }
for q in 'FRP%20%5Ex' '%7Btreatment%7D%3A%20FRP' 'FRP%20(MTUS' \
         '%22unclosed' 'NEAR(a%20b)%20foo%3Abar' 'a*b' 'FRP%20OR'; do
    c=$(code "$UB/v1/search?q=$q")
    e=$(errcode)
    [ "$c" = 400 ] && [ "$e" = bad_query ] &&
        jq -e '.error.message and (.error.position | type == "number")' \
        "$TMP/body" >/dev/null && pass "400 bad_query for q=$q" ||
        fail "q=$q: status $c code $e"
done
c=$(code "$UB/v1/search?q=%22NEAR(x)%20%7Bt%7D%3A%20%5E*%20OR%22")
[ "$c" = 200 ] && pass "FTS5 syntax inside quotes is plain text" ||
    fail "quoted FTS5 syntax: status $c"
big=$(head -c 5000 /dev/zero | tr '\0' a)
c=$(code "$UB/v1/search?q=$big")
[ "$c" = 414 ] && [ "$(errcode)" = query_too_long ] &&
    pass "oversized query: 414 JSON" || fail "oversized query: $c"
many=$(printf 'w%d+' $(seq 70))
c=$(code "$UB/v1/search?q=$many")
[ "$c" = 400 ] && [ "$(errcode)" = query_too_complex ] &&
    pass "too many terms: 400 JSON" || fail "too many terms: $c"
c=$(code "$UB/v1/search?q=$(head -c 10000 /dev/zero | tr '\0' a)")
[ "$c" = 414 ] && pass "URI too long: 414" || fail "long URI: $c"
c=$(code "$UB/v1/search?q=%ZZ")
[ "$c" = 400 ] && [ "$(errcode)" = bad_request ] &&
    pass "malformed URI: 400 JSON" || fail "malformed URI: $c"
c=$(code -X POST "$UB/v1/search?q=x")
[ "$c" = 405 ] && [ "$(errcode)" = method_not_allowed ] &&
    pass "POST: 405 JSON" || fail "POST: $c"
c=$(code "$UB/v2/nothing")
[ "$c" = 404 ] && [ "$(errcode)" = not_found ] && pass "unknown path: 404" ||
    fail "unknown path: $c"
c=$(code "$UB/v1/determinations/CM99-0000000")
[ "$c" = 404 ] && [ "$(errcode)" = not_found ] &&
    pass "unknown letter: 404" || fail "unknown letter: $c"
c=$(code "$UB/v1/search?q=x&limit=1001")
[ "$c" = 400 ] && pass "limit > 1000: 400" || fail "limit 1001: $c"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || die "connect"
printf 'THIS IS NOT HTTP\r\n\r\n' >&3
line=$(timeout 5 head -1 <&3 | tr -d '\r')
exec 3<&- 3>&-
case $line in
    "HTTP/1."?" 400"*) pass "malformed HTTP: $line" ;;
    *) fail "malformed HTTP answered '$line'" ;;
esac
"$CL" --server "$UB" 'FRP ^x' >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 4 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
    pass "client: bad query exits 4 with one line" ||
    fail "client bad query: rc $rc: $(cat "$TMP/err")"
"$CL" --server http://127.0.0.1:1 FRP >/dev/null 2>&1
[ $? = 3 ] && pass "client: unreachable exits 3" || fail "client unreachable"
"$CL" --limit x FRP >/dev/null 2>&1
[ $? = 2 ] && pass "client: usage error exits 2" || fail "client usage"
out=$(IMR_SERVER=$UB "$CL" --limit 2 "$SEEDQ")
[ $? = 0 ] && grep -q '^Interpretation: decision = upheld' <<<"$out" &&
    grep -q 'hits\? (showing 1-2' <<<"$out" &&
    pass "client human output (IMR_SERVER)" || fail "client output: $out"
id=$(search "$UB" MTUS --limit 1 | jq -r '.hits[0].id')
"$CL" --server "$UB" show "$id" >"$TMP/show" && [ -s "$TMP/show" ] &&
    pass "client show $id" || fail "client show $id"
n=$("$CL" --server "$UB" --json show "$id" | jq '.items | length')
[ "$n" -gt 0 ] && pass "GET /v1/determinations/$id has $n items" ||
    fail "determination $id"
grep -q 'access: w[0-9]* GET /v1/search 200 ' "$TMP/sd-big.log" &&
    pass "access log lines" || fail "no access log lines"

for p in "${PIDS[@]}"; do kill -TERM "$p"; done
for p in "${PIDS[@]}"; do
    wait "$p"
    rc=$?
    [ $rc = 0 ] || fail "imr-searchd exited $rc on SIGTERM"
done
PIDS=()
[ $FAILS = 0 ] || { echo "$FAILS check(s) failed"; exit 1; }
echo "all search query checks passed"
