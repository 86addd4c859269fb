-- wrk script for the events API: a fresh event id per request, a random debtor from
-- tokens.txt (in the working directory). Used by bench/operators.py.
local tokens = {}
for line in io.lines("tokens.txt") do tokens[#tokens + 1] = line end
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-%06d", math.random(0, 0x7fffffff), math.random(0, 0xffff), counter)
  local token = tokens[math.random(1, #tokens)]
  local body = '{"id":"' .. id .. '","type":"play","node":"intro","language":"nl","position":1.0}'
  return wrk.format("POST", "/api/v1/sessions/" .. token .. "/events", {["Content-Type"] = "application/json"}, body)
end
