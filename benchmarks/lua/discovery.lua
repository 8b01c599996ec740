-- GET the discovery document and the JWKS in turn (BENCH_DISCOVERY_PATH, BENCH_JWKS_PATH),
-- as relying parties and resource servers do on start and on every unknown kid.
local paths = { os.getenv("BENCH_DISCOVERY_PATH"), os.getenv("BENCH_JWKS_PATH") }
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % 2) + 1])
end
