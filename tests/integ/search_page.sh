#!/bin/bash
# Integration test of the page of hits (issue 4, query latency): on a
# generated corpus, every hit's citations (with cited pages), diagnoses
# and the hit order and totals of /v1/search must equal what plain SQL
# on the index gives item by item: the page fetched in a constant number
# of statements, the BM25 bound for plain full text and the window total
# must change nothing.
# Usage: search_page.sh BUILD_DIR SOURCE_DIR SHARED_DIR. 77 = skipped.
set -u
BUILD=$1 SRC=$2 SHARED=$3
. "$(dirname "$0")/search_common.inc"

[ -x "$GEN" ] || skip "imr-corpus is not built"
command -v python3 >/dev/null || skip "python3 is absent"
DB=$TMP/page.db
"$GEN" generate --count 400 --seed 11 --out "$TMP/gen" >/dev/null 2>&1 ||
    die "imr-corpus generate"
"$IDX" build --db "$DB" "$TMP/gen" >"$TMP/idx.log" 2>&1 ||
    { tail -5 "$TMP/idx.log"; die "imr-index build"; }
start_daemon "$DB" "$TMP/sd.log" --threads 2
URL=http://127.0.0.1:$PORT

python3 - "$URL" "$DB" <<'EOF' || FAILS=$((FAILS + 1))
import json, sqlite3, sys, urllib.parse, urllib.request

url, path = sys.argv[1], sys.argv[2]
db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
fails = 0


def get(q, **kw):
    kw["q"] = q
    with urllib.request.urlopen(url + "/v1/search?" +
                                urllib.parse.urlencode(kw)) as r:
        return json.load(r)


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)


def item_of(h):
    return db.execute("SELECT i.id, d.id FROM items i JOIN determinations"
                      " d ON d.id = i.det_id WHERE d.ext_id = ? AND i.n = ?",
                      (h["id"], h["item"])).fetchone()


def want_cites(item):
    out = []
    for cid, by, g in db.execute("SELECT id, by, guideline FROM citations"
                                 " WHERE item_id = ? ORDER BY id", (item,)):
        pages = [list(p) for p in db.execute(
            "SELECT page_from, page_to FROM citation_pages WHERE "
            "citation_id = ? ORDER BY rowid", (cid,))]
        out.append((by, g, pages))
    return out


queries = ["pain", "MTUS", "upheld norco", "citing MTUS p.49",
           "\"not medically necessary\"", "physical therapy -upheld",
           "decision:overturned", "lumbar MRI"]
checked = 0
for q in queries:
    for sort in ("relevance", "date"):
        for facets in ("1", "0"):
            res = get(q, limit=25, offset=3, sort=sort, facets=facets)
            for h in res["hits"]:
                item, det = item_of(h)
                got = [(c["by"], c["guideline"], c["pages"])
                       for c in h["citations"]]
                check(got == want_cites(item),
                      "%s: citations of %s#%s" % (q, h["id"], h["item"]))
                diags = [r[0] for r in db.execute(
                    "SELECT name FROM diagnoses WHERE det_id = ? "
                    "ORDER BY rowid", (det,))]
                check(h["diagnoses"] == diags,
                      "%s: diagnoses of %s#%s" % (q, h["id"], h["item"]))
                checked += 1
            # the same page through a bigger one: totals equal, ranks hold
            big = get(q, limit=60, offset=0, sort=sort, facets=facets)
            check(big["total"] == res["total"], "%s: total" % q)
            ids = [(h["id"], h["item"]) for h in big["hits"]][3:28]
            check(ids == [(h["id"], h["item"]) for h in res["hits"]],
                  "%s %s facets=%s: page 2 is a slice of page 1" %
                  (q, sort, facets))

# plain full text: the order is BM25 over every match, then date, then id
fts = '"pain"'
rows = db.execute(
    "SELECT d.ext_id, i.n FROM item_fts f JOIN items i ON i.id = f.rowid "
    "JOIN determinations d ON d.id = i.det_id WHERE item_fts MATCH ? "
    "ORDER BY bm25(item_fts, 10.0, 4.0, 3.0, 1.0), d.date_decision DESC, "
    "i.id", (fts,)).fetchall()
for off in (0, 7, 40):
    res = get("pain", limit=10, offset=off, facets="0")
    check([(h["id"], h["item"]) for h in res["hits"]] ==
          [tuple(r) for r in rows[off:off + 10]], "pain offset %d" % off)
    check(res["total"] == len(rows), "pain total")
res = get("pain", limit=10, offset=len(rows) + 5, facets="0")
check(res["hits"] == [] and res["total"] == len(rows), "pain past the end")
res = get("upheld pain", limit=10, offset=100000, facets="0")
check(res["hits"] == [] and res["total"] > 0, "filtered past the end")
check(checked > 100, "only %d hits checked" % checked)
print("ok: %d hits checked against item-by-item SQL" % checked)
sys.exit(1 if fails else 0)
EOF

[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all page checks passed"
