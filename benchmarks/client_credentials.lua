-- wrk script: POST client_credentials token requests with HTTP Basic client authentication.
-- The Authorization header value comes from the environment (IDP_BENCH_BASIC).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("IDP_BENCH_BASIC")
wrk.body = "grant_type=client_credentials&scope=claims"

local failures = 0
response = function(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
