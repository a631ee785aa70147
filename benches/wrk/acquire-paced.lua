-- Like acquire.lua, but each connection waits 1 ms between requests: 32
-- connections then offer ~30k requests/s, below saturation, so latency
-- measures the server rather than the fight for the machine's 2 cores.
local counter = 0
local thread_id = math.random(1, 1000000000)
wrk.method = "POST"
wrk.path = "/v1/tomato/acquire"
wrk.body = '{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "your-api-key"

request = function()
  counter = counter + 1
  wrk.headers["X-Session-ID"] = "paced-" .. thread_id .. "-" .. (counter % 1000)
  return wrk.format()
end

delay = function()
  return 1
end
