-- The whole documented pipeline per session: acquire, slice, simmer, base,
-- assemble, bake, then a new session. Run with as many connections as
-- threads (-t N -c N) so each thread's requests and responses alternate.
local step = 0
local session = 0
local ids = {}
local thread_id = math.random(1, 1000000000)
local bodies = {
  function() return "/v1/tomato/acquire", '{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}' end,
  function() return "/v1/tomato/slice", '{"tomato_ids": ["' .. ids.tomato .. '"], "method": "dice", "size": "medium", "consistency": "uniform"}' end,
  function() return "/v1/cook/simmer", '{"ingredients": [{"id": "' .. ids.sliced .. '", "name": "tomato", "amount": 400, "unit": "g"}], "temperature": 100, "duration": "30m"}' end,
  function() return "/v1/pizza/base", '{"thickness": "medium", "size": "12inch", "style": "neapolitan"}' end,
  function() return "/v1/pizza/assemble", '{"base_id": "' .. ids.base .. '", "sauce_id": "' .. ids.sauce .. '", "toppings": ["basil"]}' end,
  function() return "/v1/pizza/bake", '{"pizza_id": "' .. ids.pizza .. '"}' end,
}
local names = { "tomato", "sliced", "sauce", "base", "pizza", "baked" }

request = function()
  local path, body = bodies[step + 1]()
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-API-Key"] = "your-api-key",
    ["X-Session-ID"] = "pipe-" .. thread_id .. "-" .. session,
  }
  return wrk.format("POST", path, headers, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    step = 0
    session = session + 1
    return
  end
  ids[names[step + 1]] = string.match(body, '"id":"([^"]+)"')
  step = step + 1
  if step == 6 then
    step = 0
    session = session + 1
  end
end
