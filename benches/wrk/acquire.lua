-- POST /v1/tomato/acquire with the docs' body, spreading requests over
-- 1000 sessions per thread so that no session hits its object limit.
local counter = 0
local thread_id = math.random(1, 1000000000)
wrk.method = "POST"
wrk.path = "/v1/tomato/acquire"
wrk.body = '{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "your-api-key"

request = function()
  counter = counter + 1
  wrk.headers["X-Session-ID"] = "bench-" .. thread_id .. "-" .. (counter % 1000)
  return wrk.format()
end

local errors = 0
response = function(status)
  if status ~= 200 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
