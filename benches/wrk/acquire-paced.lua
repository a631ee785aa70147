-- acquire.lua, but each connection waits 1 ms between requests: 32
-- connections then offer ~30k requests/s, below saturation, so latency
-- measures the server rather than the fight for the machine's 2 cores.
-- Run from the repository root (benches/load.sh does).
dofile("benches/wrk/acquire.lua")

delay = function()
  return 1
end
