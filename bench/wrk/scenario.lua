-- One benchmark scenario for wrk (bench/run.py sets the environment):
--   BENCH_METHOD   GET or POST
--   BENCH_PATH     the request path
--   BENCH_BODY     "certification", "case" or "baseline" (POST bodies), empty for none
--   BENCH_TOKENS   a file with one bearer token per line; requests take them in turn
--   BENCH_COOKIE   a Cookie header (pages: a logged-in session)
--   BENCH_NONCE    unique per wrk run: certificate numbers and Idempotency-Keys never repeat
--   BENCH_OUT      where done() writes the summary as JSON
-- Every POST carries a new Idempotency-Key and a new certificate number, so nothing is a replay or a
-- duplicate (409): each request files something.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body_kind = os.getenv("BENCH_BODY") or ""
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local cookie = os.getenv("BENCH_COOKIE") or ""

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

local tokens = {}
local counter = 0

function init(args)
  local file = os.getenv("BENCH_TOKENS")
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then table.insert(tokens, line) end
    end
  end
end

-- Certificates issued inside a subsidy rule's period (the estimate, one subsidy per organization) and
-- recent ones (no rule in force), in turn.
local cert_dates = { { "2019-06-01", "2022-05-31" }, { "2026-03-01", "2029-02-28" } }
local case_types = { "assistance", "complaint", "mediation" }

local function body_for(n, unique)
  if body_kind == "certification" or body_kind == "baseline" then
    local d = cert_dates[(n % #cert_dates) + 1]
    return string.format(
      '{"org_type": "enterprise", "certificate_no": "BN%s", "certification_body": "中知（北京）认证有限公司", '
      .. '"issued_on": "%s", "expires_on": "%s", "consulting_agency": null, '
      .. '"scope": "与研发、生产和销售相关的知识产权管理"}', unique, d[1], d[2])
  elseif body_kind == "case" then
    return string.format(
      '{"case_type": "%s", "ip_type": "trademark", "right_number": "%d", '
      .. '"counterparty_name": "某某商贸有限公司", "summary": "对方在其网店销售的商品上使用与我方注册商标相同的标识。", '
      .. '"request": "请求协助调查取证并调解。"}', case_types[(n % #case_types) + 1], 10000000 + (n * 7919) % 89999999)
  end
  return nil
end

function request()
  counter = counter + 1
  local unique = string.format("%s-%d-%d", nonce, tid, counter)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end  -- the -H headers (User-Agent) of the command line
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[((tid * 7 + counter) % #tokens) + 1]
  end
  if cookie ~= "" then headers["Cookie"] = cookie end
  local body = nil
  if method == "POST" then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = unique
    body = body_for(counter, unique)
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  local e = summary.errors
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
    .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "stdev": %.1f, '
    .. '"p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
  out:close()
end
