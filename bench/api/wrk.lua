-- wrk script for bench/api/run.mjs: sets method, headers and body from the environment, and prints one
-- machine-readable summary line at the end.
--   BENCH_METHOD (GET|POST), BENCH_KEY (X-API-Key), BENCH_BODY (JSON body for POST)
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY") or ""
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non2xx3xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
