-- wrk script for benchmarks/live_load.py: each connection is a participant's phone polling
-- /live/state.json every POLL_MS (± JITTER_MS) with the ETag it last got, as live.js does.
-- Any status but 200/304 is an error; done() prints one JSON line the Python side reads.
local POLL_MS = tonumber(os.getenv("LIVE_POLL_MS") or "4000")
local JITTER_MS = tonumber(os.getenv("LIVE_JITTER_MS") or "1000")
local threads = {}
-- Globals, not locals: done() reads each thread's counters with thread:get().
etag = nil
bad = 0
full = 0
not_modified = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  wrk.headers["Accept-Encoding"] = "gzip, br"
end

-- The first request of each connection goes at once (PER_THREAD calls, one per connection):
-- gunicorn's gthread worker hands a new connection to a thread that blocks reading its
-- first request, so a connection that connects then waits would hold a thread. (Phones
-- send their request as soon as they connect; live_load.py staggers the connections.)
local PER_THREAD = tonumber(os.getenv("LIVE_PER_THREAD") or "0")
local calls = 0
function delay()
  calls = calls + 1
  if calls <= PER_THREAD then return 0 end
  return POLL_MS - JITTER_MS + math.random(0, 2 * JITTER_MS)
end

function request()
  if etag then wrk.headers["If-None-Match"] = etag end
  return wrk.format("GET", wrk.path)
end

function response(status, headers, body)
  if status == 200 then
    full = full + 1
    etag = headers["ETag"] or headers["Etag"] or headers["etag"]
  elseif status == 304 then
    not_modified = not_modified + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b, f, n = 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + t:get("bad"); f = f + t:get("full"); n = n + t:get("not_modified")
  end
  local e = summary.errors
  -- The latency quantiles every 0.5 %: live_load.py merges the runs' distributions.
  local q = {}
  for i = 1, 199 do q[i] = latency:percentile(i / 2) end
  io.write("LIVE_QUANTILES " .. table.concat(q, " ") .. "\n")
  io.write(string.format(
    'LIVE_RESULT {"requests": %d, "duration_us": %d, "bad_status": %d, "full": %d, ' ..
    '"not_modified": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
    '"status_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, b, f, n, e.connect, e.read, e.write, e.timeout,
    e.status, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
