-- Refresh-token rotation: each token is used once and its successor goes back in the pool.
-- BENCH_REFRESH_FILE holds one refresh token per line (one chain per connection, plus one
-- per thread: wrk calls request() once per thread before connecting, and that request is
-- never sent); setup() deals them out to the threads, so a thread keeps as many chains as
-- it has connections and never sends a token twice. A failed refresh ends its chain
-- (counted as an error).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")

local all = {}
for line in io.lines(os.getenv("BENCH_REFRESH_FILE")) do
  if #line > 0 then all[#all + 1] = line end
end
local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

local pool = {}
init = function(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  for i = id, #all, count do pool[#pool + 1] = all[i] end
end

request = function()
  local token = table.remove(pool) or "chain-ended"
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  if status == 200 then
    local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
    if token then pool[#pool + 1] = token end
  end
end
