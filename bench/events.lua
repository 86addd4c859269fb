-- wrk script for the events API: a fresh event id per request, a random debtor from
-- tokens.txt (in the working directory). Used by bench/operators.py.
--
-- wrk runs every thread in a Lua state of its own, each loading this script: the ids carry
-- the thread's number (given by setup) and the run's start, so no two requests share one,
-- in one run or across runs; a shared id would be stored once, as a retry.
local tokens = {}
for line in io.lines("tokens.txt") do tokens[#tokens + 1] = line end
local threads = 0
local counter = 0
local run = os.time()

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  math.randomseed(run + thread_number * 7919)
end

request = function()
  counter = counter + 1
  local id = string.format("%d-%d-%d", run, thread_number, counter)
  local token = tokens[math.random(1, #tokens)]
  local body = '{"id":"' .. id .. '","type":"play","node":"intro","language":"nl","position":1.0}'
  return wrk.format("POST", "/api/v1/sessions/" .. token .. "/events", {["Content-Type"] = "application/json"}, body)
end
