-- A hostile client: POST /v1/tomato/slice with a 1 MB body that is JSON
-- but invalid, half a million zeros where tomato IDs belong.
local zeros = {}
for i = 1, 500000 do zeros[i] = "0" end
wrk.method = "POST"
wrk.path = "/v1/tomato/slice"
wrk.body = '{"tomato_ids":[' .. table.concat(zeros, ",") .. '],"method":"dice","size":"medium","consistency":"uniform"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "your-api-key"
wrk.headers["X-Session-ID"] = "hostile"
