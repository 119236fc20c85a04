-- wrk script for bench/runtime.sh: about 200 requests/s over 10 connections.
-- Each connection waits 50 ms before each request, so the rate is
-- 10 / (0.050 s + latency): about 197/s here. wrk is C and takes little CPU,
-- unlike a Node load generator sharing the same two cores (see PERFORMANCE.md).
function delay()
  return 50
end
