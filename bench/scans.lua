-- wrk script for bench/scans.py: drives GET /health or POST /scans on keep-alive connections.
--
-- Configured by environment variables (set by bench/scans.py):
--   SCANS_MODE     "trivial" or "scans"
--   SCANS_PATH     the request path
--   SCANS_BADGES   a file with one badge text per line
--   SCANS_DOORS    a file with one device token per line (requests take the doors in turn)
--   SCANS_BATCH    scans per request
--   SCANS_PHASE    prefix of every nonce (a phase never repeats a nonce)
--   SCANS_RATE     requests/s to offer, spread evenly in time (0: each connection sends its next request
--                  as soon as it has an answer)
-- done() prints one JSON line: requests, seconds, latency percentiles, accepted scans, unexpected answers.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } congress_timespec;
  int clock_gettime(int clock, congress_timespec *t);
]]
local clock = ffi.new("congress_timespec")

-- Milliseconds on the monotonic clock.
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  threads[#threads + 1] = thread
end

function init(args)
  mode = os.getenv("SCANS_MODE")
  path = os.getenv("SCANS_PATH")
  phase = os.getenv("SCANS_PHASE") or "phase"
  batch = tonumber(os.getenv("SCANS_BATCH") or "1")
  accepted = 0
  unexpected = 0
  statuses = {}
  sequence = 0
  door = 0
  rate = tonumber(os.getenv("SCANS_RATE") or "0")
  slot = nil
  math.randomseed(1000 + id)
  if mode == "scans" then
    badges = lines(os.getenv("SCANS_BADGES"))
    doors = lines(os.getenv("SCANS_DOORS"))
  end
end

-- With a rate, request k is due at start + k / rate: wait until then (no wait if it is overdue, so a
-- server that falls behind is sent requests as fast as it answers).
function delay()
  if rate <= 0 then return 0 end
  local now = now_ms()
  if slot == nil then slot = now end
  local due = slot
  slot = slot + 1000 / rate
  if due <= now then return 0 end
  return due - now
end

function request()
  if mode ~= "scans" then
    return wrk.format("GET", path)
  end
  door = door % #doors + 1
  local read_at = os.date("!%Y-%m-%dT%H:%M:%S+00:00")
  local parts = {}
  for n = 1, batch do
    sequence = sequence + 1
    local direction = "in"
    if math.random() >= 0.8 then direction = "out" end
    parts[n] = string.format(
      '{"nonce":"%s-%d-%d","badge":"%s","scanned_at":"%s","direction":"%s"}',
      phase, id, sequence, badges[math.random(#badges)], read_at, direction
    )
  end
  local headers = {
    ["Authorization"] = "Bearer " .. doors[door],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", path, headers, '{"scans":[' .. table.concat(parts, ",") .. "]}")
end

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    local key = tostring(status) .. " " .. (string.match(body, '"code":"([%w_]+)"') or "")
    statuses[key] = (statuses[key] or 0) + 1
    return
  end
  if mode ~= "scans" then return end
  local wrong = false
  for code in string.gmatch(body, '"code":"([%w_]+)"') do
    if code == "ok" or code == "already_inside" or code == "not_inside" then
      accepted = accepted + 1
    else
      wrong = true
      statuses[code] = (statuses[code] or 0) + 1
    end
  end
  -- None of these nonces was sent before: an answer marked as a replay is unexpected (and not counted).
  for _ in string.gmatch(body, '"replayed":true') do
    accepted = accepted - 1
    wrong = true
    statuses["replayed"] = (statuses["replayed"] or 0) + 1
  end
  if wrong then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total_accepted, total_unexpected = 0, 0
  local answers = {}
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_unexpected = total_unexpected + thread:get("unexpected")
    for key, n in pairs(thread:get("statuses")) do
      answers[#answers + 1] = string.format('"%s":%d', key, n)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.6f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"accepted":%d,"unexpected":%d,"socket_errors":%d,"answers":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, total_accepted, total_unexpected,
    errors.connect + errors.read + errors.write + errors.timeout + errors.status,
    table.concat(answers, ",")
  ))
end
