-- wrk script: cycles through a query mix, one query per request, and prints one machine-readable
-- RESULT line at the end (requests/s, latency percentiles in microseconds, errors).
--   wrk -t2 -c8 -d10s -s benches/wrk-mix.lua http://127.0.0.1:3101 -- QUERIES.txt '/api/search?q={q}'
-- {q} in the path template is replaced by each query, percent-encoded. Each wrk thread starts at
-- another place in the mix so that connections do not ask the same query in lockstep.

local paths = {}
local next_index = 0
local thread_count = 0

local function percent_encode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local queries_file, template = args[1], args[2]
  for line in io.lines(queries_file) do
    local query = line:match("^%s*(.-)%s*$")
    if query ~= "" then
      local encoded = percent_encode(query)
      paths[#paths + 1] = template:gsub("{q}", function() return encoded end)
    end
  end
  assert(#paths > 0, "no queries in " .. queries_file)
  next_index = ((thread_number or 0) * 7) % #paths
end

function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index])
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
