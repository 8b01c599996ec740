-- POST RFC 7662 introspection of one access token (BENCH_TOKEN) by a resource server
-- client (BENCH_BASIC). Every answer must be a 200; wrk counts other statuses as errors.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.body = "token=" .. os.getenv("BENCH_TOKEN") .. "&token_type_hint=access_token"
