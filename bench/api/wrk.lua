-- wrk script for bench/api/run.mjs: builds one request per tenant from the environment, sends them in turn on every
-- connection, and prints one machine-readable summary line at the end.
--   BENCH_METHOD (GET|POST), BENCH_BODY (JSON body for POST), BENCH_PATHS and BENCH_KEYS (space-separated, one path
--   and one X-API-Key per tenant, in the same order)
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body == "" then body = nil end

local function words(s)
  local t = {}
  for w in string.gmatch(s or "", "%S+") do t[#t + 1] = w end
  return t
end

local requests = {}
local n = 0
local i = 0

function init(args)
  local paths, keys = words(os.getenv("BENCH_PATHS")), words(os.getenv("BENCH_KEYS"))
  for k = 1, #paths do
    local headers = { ["X-API-Key"] = keys[k] }
    if body then headers["Content-Type"] = "application/json" end
    requests[k] = wrk.format(method, paths[k], headers, body)
  end
  n = #requests
end

-- Each call returns the next tenant's request, already formatted in init (a table lookup, no string work).
function request()
  i = i % n + 1
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non2xx3xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
