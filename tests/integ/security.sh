#!/bin/bash
# Security: loopback by default; a non-loopback listen needs --token
# (bearer, checked in constant time) or --insecure-public; the token
# guards every route; --user drops privileges (and the index then opens
# read-only as that user, and is never written); a response size limit;
# and, for every field of the query language and for free text, SQL and
# FTS5 syntax typed by the user is data: it never widens a result, never
# errors with 500 and never changes the index.
# Usage: security.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
. "$SRC/tests/integ/search_common.inc"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is absent"

mkdir -p "$TMP/c"
cp "$SRC"/corpus/samples/*.txt "$TMP/c/"
DB=$TMP/index.db
"$IDX" build --db "$DB" "$TMP/c" >/dev/null 2>&1 || die "build"
n_items=$(sqlite3 "$DB" "SELECT count(*) FROM items")
TOKEN=s3cret-token-0123456789abcdef

# --- listen address and token ------------------------------------------------
start_daemon "$DB" "$TMP/d0.log"
grep -q 'listening on 127\.0\.0\.1:' "$TMP/d0.log" ||
    fail "default listen address is not loopback: $(head -2 "$TMP/d0.log")"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
"$SD" --db "$DB" --listen 0.0.0.0:0 > /dev/null 2> "$TMP/e.err"
[ $? = 2 ] && grep -q -- '--token' "$TMP/e.err" ||
    fail "0.0.0.0 without --token should exit 2 naming --token"
"$SD" --db "$DB" --listen '[::]:0' > /dev/null 2>&1
[ $? = 2 ] || fail "[::] without --token should exit 2"
"$SD" --db "$DB" --listen 0.0.0.0:0 --token short >/dev/null 2>&1
[ $? = 2 ] || fail "a short token should be refused"
"$SD" --db "$DB" --listen 0.0.0.0:0 --insecure-public --check >/dev/null 2>&1 ||
    fail "--insecure-public should allow 0.0.0.0"
pass "loopback by default; non-loopback needs --token or --insecure-public"

"$SD" --db "$DB" --listen 0.0.0.0:0 --token "$TOKEN" 2> "$TMP/d1.log" &
DPID=$!
PIDS+=("$DPID")
for i in $(seq 100); do
    PORT=$(sed -n 's/.*listening on 0\.0\.0\.0:\([0-9]*\).*/\1/p' "$TMP/d1.log")
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || die "daemon with --token did not start"
U=http://127.0.0.1:$PORT
code_of() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
for route in "/v1/search?q=mtus" /v1/health /v1/stats /v1/facets?q=x \
             /v1/determinations/x /nothing; do
    c=$(code_of "$U$route")
    [ "$c" = 401 ] && [ "$(jq -r .error.code "$TMP/body")" = unauthorized ] ||
        fail "no token on $route: $c"
done
c=$(code_of -H "Authorization: Bearer wrong" "$U/v1/health")
[ "$c" = 401 ] || fail "wrong token: $c"
c=$(code_of -H "Authorization: Bearer ${TOKEN%?}X" "$U/v1/health")
[ "$c" = 401 ] || fail "token differing in the last byte: $c"
c=$(code_of -H "Authorization: Bearer ${TOKEN}x" "$U/v1/health")
[ "$c" = 401 ] || fail "token with an extra byte: $c"
c=$(code_of -H "Authorization: Bearer ${TOKEN%?}" "$U/v1/health")
[ "$c" = 401 ] || fail "token prefix: $c"
c=$(code_of -H "Authorization: Basic $TOKEN" "$U/v1/health")
[ "$c" = 401 ] || fail "token as Basic: $c"
c=$(code_of -H "Authorization: Bearer $TOKEN" "$U/v1/search?q=mtus")
[ "$c" = 200 ] || fail "right token: $c"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
pass "bearer token required on every route; near misses refused"

# --- --user and read-only ------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    RO=$TMP/ro
    mkdir -p "$RO"
    cp "$DB" "$RO/index.db"
    chmod 755 "$TMP" "$RO"
    chmod 644 "$RO/index.db"
    sum0=$(sha256sum < "$RO/index.db")
    start_daemon "$RO/index.db" "$TMP/d2.log" --user nobody
    uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$DPID/status")
    [ "$uid" = 65534655346553465534 ] ||
        fail "--user nobody: uids are $uid"
    grep -q 'running as user nobody' "$TMP/d2.log" || fail "--user not logged"
    c=$(code_of "http://127.0.0.1:$PORT/v1/search?q=mtus")
    [ "$c" = 200 ] || fail "as nobody over a root-owned 0644 index: $c $(tail -2 "$TMP/d2.log")"
    kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
    [ "$(sha256sum < "$RO/index.db")" = "$sum0" ] ||
        fail "the daemon changed the index file"
    echo "FIGURE: security | --user nobody | uid 65534, answers 200, index unchanged"
    pass "--user nobody: privileges dropped, the index served read-only"
else
    echo "NOTICE: not root: the --user test is skipped"
fi
"$SD" --db "$DB" --user no-such-user-xyz --listen 127.0.0.1:0 >/dev/null 2>&1
[ $? -ne 0 ] || fail "--user with an unknown user should fail"

# --- response size limit -------------------------------------------------------
start_daemon "$DB" "$TMP/d3.log" --max-response 4096
c=$(code_of "http://127.0.0.1:$PORT/v1/search?q=&limit=1000")
[ "$c" = 400 ] && [ "$(jq -r .error.code "$TMP/body")" = response_too_large ] ||
    fail "response over --max-response: $c"
c=$(code_of "http://127.0.0.1:$PORT/v1/health")
[ "$c" = 200 ] || fail "small response under --max-response: $c"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
pass "--max-response bounds the answer (400 response_too_large)"

# --- user text never reaches SQL or FTS5 syntax -------------------------------
start_daemon "$DB" "$TMP/d4.log"
U=http://127.0.0.1:$PORT
sum0=$(sqlite3 "$DB" "SELECT group_concat(n) FROM (SELECT count(*) AS n
       FROM determinations UNION ALL SELECT count(*) FROM items
       UNION ALL SELECT count(*) FROM citations)")
enc() { jq -rn --arg s "$1" '$s|@uri'; }
fields="decision outcome guideline page citing treatment diagnosis dx case
id year date decided specialty age gender by category subcategory injured
received licensure state program type"
# one python process sends every probe (fast); it prints one line per
# problem and the count of probes last
python3 - "$U" "$n_items" $fields > "$TMP/probes.out" <<'PY'
import json, sys, urllib.parse, urllib.request, urllib.error
url, n_items, fields = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
payloads = ["x' OR '1'='1", 'x" OR "1"="1', "x') OR 1=1 --",
            "1; DROP TABLE items; --", "x%' OR 'a' LIKE '%",
            "zq* OR NEAR(a b) OR {treatment}: ^x", 'zq" OR "" OR "']
def get(q):
    u = url + '/v1/search?limit=1&q=' + urllib.parse.quote(q, safe='')
    try:
        with urllib.request.urlopen(u, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
n = 0
for f in fields:
    for p in payloads:
        quoted = '%s:"%s"' % (f, p.replace('"', '""'))
        for form, must_be_empty in ((quoted, True), (f + ':' + p, False)):
            n += 1
            st, body = get(form)
            if st == 200:
                t = body['total']
                # quoted: one value no letter holds; unquoted, the words
                # after the first are free text (OR is the operator)
                if (must_be_empty and t != 0) or t >= n_items:
                    print('FAIL: %s matched %d items (injection?)' % (form, t))
            elif st != 400:
                print('FAIL: %s: %d %s' % (form, st, body))
# free text: a phrase holding FTS5 syntax is searched as text
for p in payloads + ['NEAR("mtus" "norco", 50)', '* OR mtus', 'mtus OR *',
                     '"mtus" OR "a', '- mtus', 'treatment: mtus', '^mtus']:
    n += 1
    st, body = get('"%s"' % p.replace('"', '""'))
    if st == 200 and body['total'] >= n_items:
        print('FAIL: "%s" matched all %d items' % (p, body['total']))
    elif st not in (200, 400):
        print('FAIL: "%s": %d %s' % (p, st, body))
print(n)
PY
[ $? = 0 ] || fail "the probe script failed: $(tail -3 "$TMP/probes.out")"
grep '^FAIL' "$TMP/probes.out" && FAILS=$((FAILS + 1))
checked=$(tail -1 "$TMP/probes.out")
c=$(code_of "$U/v1/determinations/$(enc "x' OR '1'='1")")
[ "$c" = 404 ] || fail "determination id with SQL: $c"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
sum1=$(sqlite3 "$DB" "SELECT group_concat(n) FROM (SELECT count(*) AS n
       FROM determinations UNION ALL SELECT count(*) FROM items
       UNION ALL SELECT count(*) FROM citations)")
[ "$sum0" = "$sum1" ] || fail "the index changed: $sum0 -> $sum1"
grep -q ' 500 ' "$TMP/d4.log" && fail "a 500 in the access log"
echo "FIGURE: security | injection probes | $checked (27 fields x 7 payloads x 2 forms + free text) | none widened a result, no 500"
pass "$checked SQL/FTS5 probes over every field: data, never syntax"

san_check
[ $FAILS -eq 0 ] || { echo "$FAILS failures"; exit 1; }
echo "all security checks passed"
