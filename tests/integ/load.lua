-- wrk script for tests/integ/load.sh: cycles over a mix of real queries
-- (search, facets, a letter, health) and reports latency percentiles and
-- errors as one parsable line.
local paths = {
  "/v1/search?q=upheld%20FRP%20denials%20citing%20MTUS%20p.49",
  "/v1/search?q=norco&limit=20",
  "/v1/search?q=%22functional%20restoration%22%20decision:overturned",
  "/v1/search?q=lumbar%20OR%20cervical%20-psych&sort=date",
  "/v1/search?q=guideline:ACOEM%20page:300-310&facets=0",
  "/v1/search?q=year:2013..2015%20treatment:mri",
  "/v1/search?q=&limit=50&offset=100",
  "/v1/facets?q=tens",
  "/v1/search?q=hydro*%20dx:%22lumbar%22",
  "/v1/health",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOAD requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rps=%.0f\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
