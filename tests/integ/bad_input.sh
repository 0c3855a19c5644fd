#!/bin/bash
# Bad input, end to end: broken letters mixed with good ones in one build
# (every good letter indexed, every bad one reported with its reason or
# indexed whole), hostile queries (4xx JSON or a bounded answer, never a 500
# or a hang) and hostile HTTP (malformed lines, huge headers, a slow sender,
# clients vanishing, 2,000 idle keep-alive connections, pipelining).
# Big inputs are generated in a temp dir. Prints "FIGURE:" lines that
# scripts/reliability copies into docs/reliability.md.
# Usage: bad_input.sh BUILD_DIR SOURCE_DIR SHARED_DIR. Exit 77 = skipped.
set -u
BUILD=$1
SRC=$2
SHARED=$3
. "$SRC/tests/integ/search_common.inc"
command -v python3 >/dev/null || skip "python3 is absent"

C=$TMP/corpus
DB=$TMP/index.db
mkdir -p "$C/good" "$C/bad"
cp "$SRC"/corpus/samples/*.txt "$C/good/"
n_good=$(ls "$C/good" | wc -l)
[ "$n_good" -gt 0 ] || skip "corpus/samples is empty"
base=$SRC/corpus/samples/01-frp-upheld-layout.txt
# letters made from a sample get their own case number (no duplicate ids)
mk() { sed "s/CM14-0084417/CM99-00000$1/g" "$base"; }

# --- letters ---------------------------------------------------------------
B=$C/bad
: > "$B/empty.txt"
head -c 20000 /dev/urandom > "$B/binary.txt"
mk 01 | head -c 400 > "$B/truncated.txt"
python3 - "$B" "$base" <<'PY'
import sys, re
d, base = sys.argv[1], open(sys.argv[2], 'rb').read()
def case(n):
    return base.replace(b'CM14-0084417', b'CM99-00000%02d' % n)
# 50 MB of text: a letter followed by prose
filler = b'The claimant reports continued pain in the lower back. ' * 20
with open(d + '/big50mb.txt', 'wb') as f:
    f.write(case(2))
    while f.tell() < 50 * 1024 * 1024:
        f.write(filler + b'\n')
# a million short lines
with open(d + '/million-lines.txt', 'wb') as f:
    f.write(case(3))
    f.write(b'x\n' * 1000000)
# invalid UTF-8 sprinkled through a letter
l = bytearray(case(4))
for i in range(200, len(l), 97):
    l[i] = 0xC3 if i % 2 else 0xFF
open(d + '/invalid-utf8.txt', 'wb').write(bytes(l))
# NUL bytes
l = bytearray(case(5))
for i in range(100, len(l), 53):
    l[i] = 0
open(d + '/nul-bytes.txt', 'wb').write(bytes(l))
# deeply repeated headings
h = b'\n'.join([b'HOW THE IMR FINAL DETERMINATION WAS MADE',
                b'IMR ISSUES, DECISIONS AND RATIONALES',
                b'Independent Medical Review Final Determination Letter'])
open(d + '/repeated-headings.txt', 'wb').write(case(6) + (h + b'\n') * 20000)
# a letter with 500 items: the disputed-item block of the sample (heading
# line, guideline statements, rationale) repeated with 500 treatments
text = case(7)
start = text.index(b'Functional restoration program, 6 weeks')
end = text.index(b'not medically necessary.', start) + len(b'not medically '
                                                        b'necessary.\n')
block = text[start:end]
items = b'\n'.join(block.replace(b'Functional restoration program, 6 weeks',
                                  b'Treatment number %d, 6 weeks' % i, 1)
                    for i in range(1, 501))
open(d + '/500-items.txt', 'wb').write(text[:start] + items + text[end:])
PY
bad_names="empty.txt binary.txt truncated.txt big50mb.txt million-lines.txt
invalid-utf8.txt nul-bytes.txt repeated-headings.txt 500-items.txt"

t0=$(date +%s)
timeout 300 "$IDX" build --db "$DB" --jobs 2 -v "$C" > "$TMP/b.out" 2> "$TMP/b.err"
rc=$?
t1=$(date +%s)
cat "$TMP/b.out"
[ $rc -eq 0 ] || { cat "$TMP/b.err"; die "build over the mixed folder exit $rc"; }
pass "build over $n_good good + 9 bad letters in $((t1 - t0)) s"
q() { sqlite3 "$DB" "$1"; }
for f in "$C"/good/*.txt; do
    p=$(realpath "$f")
    [ "$(q "SELECT status FROM files WHERE path = '$p'")" = indexed ] ||
        fail "good letter $(basename "$f") not indexed"
done
pass "every good letter indexed"
for b in $bad_names; do
    p=$(realpath "$B/$b")
    st=$(q "SELECT status FROM files WHERE path = '$p'")
    reason=$(q "SELECT coalesce(reason, '') FROM files WHERE path = '$p'")
    case $st in
      rejected)
        grep -q "/bad/$b: ." "$TMP/b.err" || fail "$b rejected silently"
        [ -n "$reason" ] || fail "$b rejected without a reason" ;;
      indexed)   # with the build's warning about it, if any
        reason=$(grep -F "/bad/$b: " "$TMP/b.err" | sed 's|.*/bad/[^:]*: ||' |
                 sort -u | head -3 | paste -sd ';' | cut -c1-150)
        [ -n "$reason" ] || reason="indexed whole" ;;
      *) fail "$b: status '$st'" ;;
    esac
    echo "FIGURE: letter | $b | $(stat -c %s "$B/$b") bytes | $st | $reason"
done
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
# the indexed bad letters must still be searchable and bounded
nitems=$(q "SELECT count(*) FROM items i JOIN determinations d
            ON d.id = i.det_id WHERE d.ext_id = 'CM99-0000007'")
echo "FIGURE: letter | 500-items.txt | items indexed | $nitems"
[ "$nitems" -ge 100 ] || fail "the 500-item letter: only $nitems items"
pass "every bad letter reported with its reason or indexed"

# --- queries ---------------------------------------------------------------
# room for the 2,000 idle connections below (the default limit is 512)
start_daemon "$DB" "$TMP/d.log" --threads 2 --max-connections 2100
U=http://127.0.0.1:$PORT
# check_q LABEL URLPART: a 2xx/4xx JSON answer within 10 s, never 5xx
nq=0
check_q() {
    local label=$1 part=$2 code
    nq=$((nq + 1))
    code=$(curl -s -g -o "$TMP/q.body" -w '%{http_code}' -m 10 \
           "$U/v1/search?$part")
    if [ "$code" = 000 ]; then
        fail "query $label: no answer within 10 s"
    elif [ "$code" -ge 500 ]; then
        fail "query $label: $code $(head -c 200 "$TMP/q.body")"
    elif ! jq -e . "$TMP/q.body" >/dev/null 2>&1; then
        fail "query $label: $code, body is not JSON"
    else
        local n
        n=$(jq '.hits | length? // 0' "$TMP/q.body" 2>/dev/null)
        [ "${n:-0}" -le 1000 ] || fail "query $label: $n hits (unbounded)"
        echo "FIGURE: query | $label | $code $(jq -r \
            '.error.code // "\(.total) hits"' "$TMP/q.body")"
    fi
}
enc() { python3 -c 'import sys, urllib.parse as u
print(u.quote(sys.argv[1], safe=""))' "$1"; }
check_q "10 kB of text" "q=$(head -c 10240 /dev/zero | tr '\0' a)"
check_q "1000 terms" "q=$(enc "$(seq 1000 | sed 's/^/w/' | tr '\n' ' ')")"
check_q "1000 terms (3 kB)" "q=$(enc "$(seq 1000 | tr '\n' ' ' | head -c 4000)")"
check_q "unbalanced quote" "q=$(enc '"lumbar fusion')"
check_q "unbalanced parens" "q=$(enc '((lumbar OR (fusion')"
check_q "closing paren" "q=$(enc 'lumbar) fusion)')"
check_q "FTS5 NEAR/column filter" "q=$(enc 'NEAR(lumbar fusion, 3) treatment:x rationale:y')"
check_q "FTS5 syntax as text" "q=$(enc 'lumbar* ^fusion {treatment}: a + b')"
check_q "FTS5 quoted syntax" "q=$(enc '"NEAR(x) {col}: ^a" AND "b""c"')"
check_q "SQL fragment" "q=$(enc "x' OR 1=1; DROP TABLE items; --")"
check_q "SQL in a field" "q=$(enc "case:\"x' OR '1'='1\" dx:\"); DELETE FROM items --\"")"
check_q "NUL in the URL" "q=lumbar%00fusion"
check_q "invalid UTF-8" "q=%C3%28%FF%FE%80"
check_q "overlong UTF-8" "q=%C0%AF%E0%80%AF"
check_q "limit=-1" "q=mtus&limit=-1"
check_q "limit=10000000" "q=mtus&limit=10000000"
check_q "offset past the end" "q=mtus&offset=999999"
check_q "offset=huge" "q=mtus&offset=99999999999999999999"
check_q "deep nesting" "q=$(enc "$(printf '(%.0s' $(seq 50))x$(printf ')%.0s' $(seq 50))")"
check_q "only NOT" "q=$(enc 'NOT NOT NOT x')"
check_q "year overflow" "q=$(enc 'year:99999999999999999999..1')"
check_q "date garbage" "q=$(enc 'date:2014-13-45..0000-00')"
check_q "prefix of one char" "q=$(enc 'a* b* c* d* e*')"
check_q "repeated param" "q=a&q=b&limit=1&limit=2"
check_q "bad percent" "q=%ZZ%"
code=$(curl -s -o "$TMP/q.body" -w '%{http_code}' -m 10 \
       "$U/v1/determinations/$(enc "x' OR 1=1 --")")
[ "$code" = 404 ] || fail "determination with SQL: $code"
# fuzz_http found this one: an id that is not UTF-8 was quoted in the
# error message, which then could not be JSON (a 500 "out of memory")
code=$(curl -s -o "$TMP/q.body" -w '%{http_code}' -m 10 \
       "$U/v1/determinations/%2Fv%26o%3Ddcte1%2Fse%86P%20ciping%0F")
[ "$code" = 404 ] && jq -e '.error.code == "not_found"' "$TMP/q.body" \
    >/dev/null || fail "determination id not UTF-8: $code $(cat "$TMP/q.body")"
kill -0 "$DPID" || die "the daemon died during the queries"
pass "$nq hostile queries: no 5xx, no hang, JSON answers"

# --- HTTP ------------------------------------------------------------------
python3 - 127.0.0.1 "$PORT" > "$TMP/http.out" 2>&1 <<'PY'
import socket, sys, time, resource
host, port = sys.argv[1], int(sys.argv[2])
fails = []
def conn():
    s = socket.create_connection((host, port), timeout=10)
    return s
def recv_all(s, limit=10):
    s.settimeout(limit)
    out = b''
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out
def status(out):
    try:
        return int(out.split(b' ', 2)[1])
    except Exception:
        return 0
def check(label, raw, ok=lambda st: 400 <= st < 500 or st == 0):
    s = conn()
    try:
        # the daemon may answer and close before a huge request is all
        # sent: a refusal, not a failure (what it answered is read below)
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    out = recv_all(s)
    s.close()
    st = status(out)
    res = 'ok' if ok(st) and b' 500 ' not in out else 'FAIL'
    if res == 'FAIL':
        fails.append(label)
    print('FIGURE: http | %s | %s | %s' % (label, st or 'closed', res))
check('malformed request line', b'GARBAGE\r\n\r\n')
check('no version', b'GET /v1/health\r\n\r\n',
      ok=lambda st: st in (0, 200, 400))
check('binary request line', bytes(range(1, 256)) + b'\r\n\r\n')
check('huge URI (100 kB)', b'GET /v1/search?q=' + b'a' * 100000 +
      b' HTTP/1.1\r\nHost: x\r\n\r\n')
check('huge header (1 MB)', b'GET /v1/health HTTP/1.1\r\nX: ' +
      b'a' * 1000000 + b'\r\n\r\n')
check('10,000 headers', b'GET /v1/health HTTP/1.1\r\n' +
      b''.join(b'X-%d: y\r\n' % i for i in range(10000)) + b'\r\n')
check('body too big', b'POST /v1/search HTTP/1.1\r\nContent-Length: '
      b'10000000\r\n\r\n' + b'a' * 100000)
check('bad content-length', b'GET /v1/health HTTP/1.1\r\nContent-Length: '
      b'-5\r\n\r\n')
check('bad chunked', b'POST /v1/search HTTP/1.1\r\nTransfer-Encoding: '
      b'chunked\r\n\r\nzz\r\n')
check('HTTP/9.9', b'GET /v1/health HTTP/9.9\r\n\r\n',
      ok=lambda st: st in (0, 200, 400, 505))
# pipelined requests: 50 on one connection, 50 answers in order
s = conn()
s.sendall(b''.join(b'GET /v1/search?q=mtus&limit=1&offset=%d HTTP/1.1\r\n'
                   b'Host: x\r\n\r\n' % i for i in range(50)))
out = b''
s.settimeout(10)
while out.count(b'HTTP/1.1 ') < 50:
    b = s.recv(65536)
    if not b:
        break
    out += b
n200 = out.count(b'HTTP/1.1 200')
print('FIGURE: http | 50 pipelined requests | %d answers 200 | %s' %
      (n200, 'ok' if n200 == 50 else 'FAIL'))
if n200 != 50:
    fails.append('pipelining')
s.close()
# slow sender: one byte a second for 5 s, then the rest: still answered
s = conn()
req = b'GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
for b in req[:5]:
    s.sendall(bytes([b]))
    time.sleep(1)
t = time.time()
s.sendall(req[5:])
out = recv_all(s)
st = status(out)
print('FIGURE: http | slow sender (1 byte/s, 5 s) | %s | %s' %
      (st, 'ok' if st == 200 else 'FAIL'))
if st != 200:
    fails.append('slow sender')
# clients vanishing mid-response: ask for big answers, close at once
for i in range(50):
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\1\0\0\0\0\0\0\0')
    s.sendall(b'GET /v1/search?q=&limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n')
    if i % 2:
        s.recv(100)
    s.close()
print('FIGURE: http | 50 clients vanishing mid-response (RST) | - | ok')
# 2,000 idle keep-alive connections; the daemon then still answers
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
idle = []
try:
    for i in range(2000):
        c = conn()
        c.sendall(b'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n')
        idle.append(c)
    answered = 0
    for c in idle:
        c.settimeout(10)
        if c.recv(4096).startswith(b'HTTP/1.1 200'):
            answered += 1
    s = conn()
    s.sendall(b'GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close'
              b'\r\n\r\n')
    out = recv_all(s)
    st = status(out)
    print('FIGURE: http | 2000 idle keep-alive connections | %d answered, '
          'then a new request: %s | %s' % (answered, st,
          'ok' if st == 200 and answered == 2000 else 'FAIL'))
    if st != 200 or answered != 2000:
        fails.append('idle connections')
finally:
    for c in idle:
        c.close()
print('HTTP FAILS: %s' % (', '.join(fails) or 'none'))
sys.exit(1 if fails else 0)
PY
hrc=$?
cat "$TMP/http.out"
[ $hrc -eq 0 ] || fail "hostile HTTP: $(tail -1 "$TMP/http.out")"
sleep 0.5
kill -0 "$DPID" || die "the daemon died during the HTTP tests"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$U/v1/search?q=mtus")
[ "$code" = 200 ] || fail "the daemon does not answer after the HTTP tests"
grep -q ' 500 ' "$TMP/d.log" && fail "a 500 in the access log"
pass "hostile HTTP handled; the daemon still answers"

kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
san_check
[ $FAILS -eq 0 ] || { echo "$FAILS failures"; exit 1; }
echo "all bad input checks passed"
