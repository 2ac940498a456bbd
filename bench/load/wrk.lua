-- wrk script for the load suite. The request shape comes from the environment (one script for
-- every scenario), and done() prints the figures as one line run.sh parses, in exact units
-- (microseconds) rather than wrk's rounded human-readable summary.
local post_bytes = tonumber(os.getenv("BENCH_POST_BYTES") or "")
if post_bytes then
  wrk.method = "POST"
  wrk.body = string.rep("x", post_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
