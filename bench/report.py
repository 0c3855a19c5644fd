#!/usr/bin/env python3
"""bench/report.py: turns the raw outputs of one bench/run (OUT_DIR) into
bench/results/<date>-<N>.json, a gnuplot PNG, and the generated section
for N letters in docs/benchmarks.md (between its BEGIN/END markers).
Every ratio compares figures measured in the same run."""
import argparse
import json
import os
import re
import subprocess
import sys

SELECTIVE = ["citation", "treatment_decision", "diagnosis", "rare_term"]


def read(out, name, default=None):
    p = os.path.join(out, name)
    if not os.path.exists(p):
        return default
    with open(p) as f:
        return f.read()


def time_v(text):
    """Wall seconds, peak RSS (KB) and CPU % of a /usr/bin/time -v file."""
    if not text:
        return None
    r = {}
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)",
                  text)
    if m:
        r["secs"] = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 +
                     float(m.group(3)))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        r["peak_rss_kb"] = int(m.group(1))
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        r["cpu_pct"] = int(m.group(1))
    return r


def pct(vals):
    if not vals:
        return None
    v = sorted(vals)

    def at(p):
        return v[int(p * (len(v) - 1) + 0.5)]
    return {"n": len(v), "p50": at(0.5), "p95": at(0.95), "p99": at(0.99),
            "max": v[-1]}


def by_class(tsv, scale):
    """CLASS<TAB>VALUE lines -> {class: pct}, plus "mix"."""
    cls, allv = {}, []
    for line in (tsv or "").splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1]:
            continue
        v = float(parts[1]) * scale
        cls.setdefault(parts[0], []).append(v)
        allv.append(v)
    return {k: pct(v) for k, v in cls.items()}, pct(allv)


def wrk(text):
    if not text:
        return None
    r = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        return None
    r["qps"] = float(m.group(1))
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for p in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
        if m:
            r["p" + p + "_ms"] = float(m.group(1)) * unit[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"(\d+) requests in", text)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    r["socket_errors"] = m.group(1).strip() if m else ""
    return r


def health_ratio(health, hello):
    """/v1/health's QPS over the static server's: the median of the
    ratios of the slices run one after the other, else of the phases."""
    hs = (health or {}).get("qps_slices")
    ss = (hello or {}).get("qps_slices")
    if hs and ss and len(hs) == len(ss):
        rs = sorted(a / b for a, b in zip(hs, ss) if b)
        if rs:
            return rs[len(rs) // 2]
    return ratio((health or {}).get("qps"), (hello or {}).get("qps"))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def g(d, *path):
    for k in path:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def collect(out, count):
    res = {"letters": count}
    res["machine"] = dict(l.split("=", 1) for l in
                          (read(out, "machine.txt") or "").splitlines()
                          if "=" in l)
    raw_bytes = int(float(read(out, "raw_bytes", "0")))
    counts = (read(out, "index_counts") or "").split()
    items = int(counts[0]) if counts else None
    ix = time_v(read(out, "index.time")) or {}
    rawt = time_v(read(out, "raw.time")) or {}
    xt = time_v(read(out, "xapian.time")) or {}
    ixb = int(read(out, "index_bytes", "0"))
    res["indexing"] = {
        "raw_text_bytes": raw_bytes, "items": items,
        "imr": dict(ix, letters_per_s=ratio(count, ix.get("secs")),
                    mb_per_s=ratio(raw_bytes / 1e6, ix.get("secs")),
                    index_bytes=ixb),
        "raw_fts5": dict(rawt, items_per_s=ratio(items, rawt.get("secs")),
                         index_bytes=int(read(out, "raw_index_bytes", "0"))),
        "xapian": dict(xt, index_bytes=int(read(out, "xapian_bytes", "0")))
        if xt else None,
        "speed_ratio_vs_raw": ratio(rawt.get("secs"), ix.get("secs")),
        "size_ratio_vs_text": ratio(ixb, raw_bytes),
        "dbstat": [l.split("|") for l in
                   (read(out, "index_dbstat") or "").splitlines()],
    }
    inproc = json.loads(read(out, "inproc.json") or "{}")
    cli_cls, cli_mix = by_class(read(out, "cli.tsv"), 1000.0)
    rg_cls, rg_mix = by_class(read(out, "rg.tsv"), 0.001)
    xap = json.loads(read(out, "xapian.json") or "{}")
    classes = {}
    for c, v in inproc.get("classes", {}).items():
        classes[c] = dict(v, raw_cli=cli_cls.get(c), rg=rg_cls.get(c),
                          xapian=g(xap, "classes", c, "xapian"))
    mix = dict(inproc.get("mix", {}), raw_cli=cli_mix, rg=rg_mix,
               xapian=g(xap, "mix", "xapian"))
    res["queries"] = {"rounds": inproc.get("rounds"),
                      "timeouts": inproc.get("timeouts"),
                      "queries": inproc.get("queries"),
                      "qps_single_thread": inproc.get("qps_single_thread"),
                      "mean_body_bytes": inproc.get("mean_body_bytes"),
                      "store_ready_ms": inproc.get("store_ready_ms"),
                      "store_runs": inproc.get("store_runs"),
                      "rank_bound": inproc.get("rank_bound"),
                      "classes": classes, "mix": mix}
    http = {}
    for name in ("search", "health", "hello"):
        for c in (1, 32, 128):
            # a phase run in slices (bench/run): the slice of median QPS
            # stands for it, with every slice's QPS beside
            ws = [w for w in (wrk(read(out, "wrk-%s-%d.%d.txt" %
                                       (name, c, i)))
                              for i in range(1, 10)) if w]
            if ws:
                w = dict(sorted(ws, key=lambda x: x["qps"])[len(ws) // 2],
                         qps_slices=[x["qps"] for x in ws])
            else:
                w = wrk(read(out, "wrk-%s-%d.txt" % (name, c)))
            if w:
                http.setdefault(name, {})[str(c)] = w
    soak = wrk(read(out, "wrk-soak.txt"))
    rss = [int(p[1]) for p in (l.split() for l in
           (read(out, "searchd_rss.txt") or "").splitlines())
           if len(p) == 2]
    res["http"] = dict(http, soak=soak,
                       listen_ms=float(read(out, "listen_ms", "0") or 0),
                       rss_anon_kb={"start": rss[0] if rss else None,
                                    "max": max(rss) if rss else None,
                                    "end": rss[-1] if rss else None,
                                    "samples": len(rss)})
    res["targets"] = targets(res)
    return res


def targets(r):
    t = []
    q = r["queries"]

    def add(name, value, goal, ok, note=""):
        t.append({"target": name, "value": value, "goal": goal,
                  "met": None if value is None else ok(value),
                  "note": note})
    add("indexing speed vs raw FTS5 bulk load (raw time / imr time)",
        r["indexing"]["speed_ratio_vs_raw"], ">= 0.8", lambda v: v >= 0.8)
    add("index size / raw letter text", r["indexing"]["size_ratio_vs_text"],
        "<= 1.5", lambda v: v <= 1.5)
    # "first": each query new to the process (no result cache, no memo of
    # another mode's run: each mode's first pass runs in a process of its
    # own); "repeat":
    # the later rounds, answered from libimr's result cache
    for c in SELECTIVE:
        add("p50 %s, top 10 + snippets (facets=0), first / raw FTS5" % c,
            ratio(g(q, "classes", c, "imr_hits_first", "p50"),
                  g(q, "classes", c, "raw", "p50")), "<= 1.2",
            lambda v: v <= 1.2)
    for mode, label in (("imr_first", "first"), ("imr", "repeat")):
        add("p99 whole mix (/v1/search default, facets), %s / raw FTS5 p99"
            % label, ratio(g(q, "mix", mode, "p99"),
                           g(q, "mix", "raw", "p99")),
            "<= 0.1", lambda v: v <= 0.1)
    add("p99 whole mix, facets=0, first / raw FTS5 p99",
        ratio(g(q, "mix", "imr_hits_first", "p99"),
              g(q, "mix", "raw", "p99")), "<= 0.1", lambda v: v <= 0.1)
    for mode, label in (("imr_first", "first"), ("imr", "repeat")):
        add("rg p50 / imr p50, %s" % label,
            ratio(g(q, "mix", "rg", "p50"), g(q, "mix", mode, "p50")),
            ">= 300", lambda v: v >= 300)
        add("rg p99 / imr p99, %s" % label,
            ratio(g(q, "mix", "rg", "p99"), g(q, "mix", mode, "p99")),
            ">= 10", lambda v: v >= 10)
    h = r["http"]
    for c in ("1", "32", "128"):
        add("HTTP /v1/health QPS / static evhttp QPS, %s conn" % c,
            health_ratio(g(h, "health", c), g(h, "hello", c)),
            ">= 0.8", lambda v: v >= 0.8)
    threads = 2
    for c in ("32", "128"):
        add("HTTP /v1/search QPS / (in-process QPS x %d), %s conn" %
            (threads, c), ratio(g(h, "search", c, "qps"),
                                (q.get("qps_single_thread") or 0) * threads),
            ">= 0.8", lambda v: v >= 0.8)
    add("daemon listening after start (ms)", h.get("listen_ms"), "<= 50",
        lambda v: v <= 50)
    add("daemon anonymous RSS, max over the load (MB)",
        (h["rss_anon_kb"]["max"] or 0) / 1024 if h["rss_anon_kb"]["max"]
        else None, "<= 128 (at 1M)", lambda v: v <= 128)
    return t


def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 100:
            return "%.0f" % v
        return ("%." + str(nd) + "f") % v
    return str(v)


def markdown(r, png_rel):
    n = r["letters"]
    m = r["machine"]
    ix = r["indexing"]
    q = r["queries"]
    L = []
    L.append("### %s letters (%s)" % ("{:,}".format(n), r.get("date", "")))
    L.append("")
    L.append("Machine: %s cores (%s), %s RAM, load %s at start, SQLite %s."
             % (m.get("nproc"), m.get("cpu"), m.get("mem"), m.get("load"),
                m.get("sqlite")))
    if m.get("page_reclaim", "none") != "none":
        # each timed phase reads its inputs again first (bench/run: warm)
        L.append("The kernel's page cache reclaim: %s (each timed phase "
                 "reads its inputs again first)." % m["page_reclaim"])
    L.append("Command: `bench/run --count %d`; raw figures in "
             "`bench/results/%s`." % (n, r.get("json_name", "")))
    L.append("")
    L.append("| indexing | wall s | letters/s | MB/s | peak RSS MB | "
             "index MB | size / text |")
    L.append("|---|---|---|---|---|---|---|")
    tb = ix["raw_text_bytes"]
    for name, d, rate in (("imr-index build (parse + index)", ix["imr"],
                           ix["imr"].get("letters_per_s")),
                          ("raw FTS5 bulk load (sqlite3 CLI, contentless)",
                           ix["raw_fts5"], ratio(n, ix["raw_fts5"].get(
                               "secs"))),
                          ("Xapian (same item texts)", ix["xapian"] or {},
                           ratio(n, (ix["xapian"] or {}).get("secs")))):
        if not d:
            continue
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt(d.get("secs")), fmt(rate),
            fmt(ratio(tb / 1e6, d.get("secs"))),
            fmt(d.get("peak_rss_kb", 0) / 1024.0),
            fmt(d.get("index_bytes", 0) / 1e6),
            fmt(ratio(d.get("index_bytes"), tb))))
    L.append("")
    L.append("Raw letter text: %s MB in %s items." % (fmt(tb / 1e6),
                                                       ix["items"]))
    L.append("")
    cols = (("imr_first", "p50"), ("imr_first", "p99"),
            ("imr", "p50"), ("imr", "p99"),
            ("imr_hits_first", "p50"), ("imr_hits_first", "p99"),
            ("raw", "p50"), ("raw", "p99"), ("raw_cli", "p50"),
            ("xapian", "p50"), ("xapian", "p99"), ("rg", "p50"))
    L.append("| query class (ms) | imr first p50 | imr first p99 | "
             "imr repeat p50 | imr repeat p99 | facets=0 first p50 | "
             "facets=0 first p99 | raw FTS5 p50 | raw FTS5 p99 | "
             "sqlite3 CLI p50 | Xapian p50 | Xapian p99 | rg p50 |")
    L.append("|---" * (len(cols) + 1) + "|")
    rows = list(q["classes"].items()) + [("**whole mix**", q["mix"])]
    for c, v in rows:
        L.append("| %s | " % c + " | ".join(
            fmt(g(v, m_, p_)) for m_, p_ in cols) + " |")
    L.append("")
    L.append("In process, one thread. imr = libimr as `/v1/search` runs "
             "it (top 10, hits + facets); first = the first pass, each "
             "query new to the process (each mode's first pass in a "
             "process of its own); repeat = %s more rounds, answered "
             "from the result cache; %s queries. Single-thread QPS of the "
             "repeated mix (with facets): %s; mean body %s bytes; runs "
             "that hit the 5 s query timeout (503 in the daemon): %s."
             % (q["rounds"], q["queries"], fmt(q["qps_single_thread"]),
                q["mean_body_bytes"], q.get("timeouts")))
    if q.get("store_ready_ms") is not None:
        L.append("")
        L.append("The in-memory store (lib/facets.c) was built in %s ms "
                 "before the first pass, as imr-searchd builds it when its "
                 "workers start (they answer meanwhile, from SQL); %s of "
                 "the runs were answered from it; relevance ranking bound: "
                 "%s candidates (0 = none)."
                 % (fmt(q["store_ready_ms"]), q.get("store_runs"),
                    q.get("rank_bound")))
    L.append("")
    h = r["http"]
    if h.get("search"):
        L.append("| HTTP (wrk, keep-alive) | conns | QPS | p50 ms | p99 ms "
                 "| non-2xx |")
        L.append("|---|---|---|---|---|---|")
        for name, label in (("search", "imr-searchd /v1/search (mix)"),
                            ("health", "imr-searchd /v1/health"),
                            ("hello", "static evhttp, same body size")):
            for c in ("1", "32", "128"):
                w = g(h, name, c)
                if w:
                    L.append("| %s | %s | %s | %s | %s | %s |" % (
                        label, c, fmt(w["qps"]), fmt(w.get("p50_ms")),
                        fmt(w.get("p99_ms")), w["non_2xx"]))
        slices = len(g(h, "health", "1", "qps_slices") or [])
        if slices > 1:
            L.append("")
            L.append("/v1/health and the static server ran in %d "
                     "alternating slices per connection count; the table "
                     "shows the slice of median QPS, and the target below "
                     "is the median of the slices' ratios." % slices)
        rs = h["rss_anon_kb"]
        L.append("")
        L.append("Daemon: listening %s ms after start; anonymous RSS %s MB "
                 "at start, %s MB max, %s MB at the end (%s samples, 1/s)."
                 % (fmt(h["listen_ms"]), fmt((rs["start"] or 0) / 1024.0),
                    fmt((rs["max"] or 0) / 1024.0),
                    fmt((rs["end"] or 0) / 1024.0), rs["samples"]))
        L.append("")
    L.append("| target | measured | goal | met |")
    L.append("|---|---|---|---|")
    for t in r["targets"]:
        L.append("| %s | %s | %s | %s |" % (
            t["target"], fmt(t["value"]), t["goal"],
            "-" if t["met"] is None else ("yes" if t["met"] else "**no**")))
    L.append("")
    if png_rel:
        L.append("![latency per class, %d letters](%s)" % (n, png_rel))
        L.append("")
    return "\n".join(L)


def plot(r, png):
    dat = png + ".dat"
    with open(dat, "w") as f:
        f.write("class imr_first imr_hits_first raw_fts5 xapian\n")
        for c, v in r["queries"]["classes"].items():
            f.write("%s %s\n" % (c, " ".join(
                str(g(v, k, "p99") or "NaN")
                for k in ("imr_first", "imr_hits_first", "raw",
                          "xapian"))))
    gp = """set terminal pngcairo size 1000,480 font ",9" noenhanced
set output '%s'
set title 'p99 latency per query class, %d letters (ms, log scale)'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.1:*]
set xtics rotate by -30
set key top left
plot '%s' using 2:xtic(1) title col, '' using 3 title col, \
     '' using 4 title col, '' using 5 title col
""" % (png, r["letters"], dat)
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True,
                       stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        try:
            subprocess.run(["gnuplot"], input=gp.replace(
                "pngcairo", "png"), text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            print("report.py: gnuplot failed; no plot", file=sys.stderr)
            return False
    finally:
        os.unlink(dat)
    return True


def update_doc(doc, n, section):
    begin = "<!-- BEGIN bench %d -->" % n
    end = "<!-- END bench %d -->" % n
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    block = begin + "\n" + section + "\n" + end
    if begin in text and end in text:
        a = text.index(begin)
        b = text.index(end) + len(end)
        text = text[:a] + block + text[b:]
    else:
        marker = "<!-- generated sections go here -->"
        if marker in text:
            text = text.replace(marker, marker + "\n\n" + block, 1)
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(doc, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--png")
    ap.add_argument("--doc")
    a = ap.parse_args()
    r = collect(a.out_dir, a.count)
    r["date"] = os.path.basename(a.json)[:10]
    r["json_name"] = os.path.basename(a.json)
    with open(a.json, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    png_rel = None
    if a.png and plot(r, a.png) and a.doc:
        png_rel = os.path.relpath(a.png, os.path.dirname(a.doc))
    section = markdown(r, png_rel)
    if a.doc:
        update_doc(a.doc, a.count, section)
    else:
        print(section)
    for t in r["targets"]:
        if t["met"] is False:
            print("report.py: target missed: %s = %s (goal %s)" % (
                t["target"], fmt(t["value"]), t["goal"]), file=sys.stderr)


if __name__ == "__main__":
    main()
