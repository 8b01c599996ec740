-- POST client_credentials token requests with HTTP Basic client authentication
-- (BENCH_BASIC: base64 of client_id:secret; BENCH_SCOPE: the scope asked for).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.body = "grant_type=client_credentials&scope=" .. (os.getenv("BENCH_SCOPE") or "")
