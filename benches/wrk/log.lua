-- GET the log of one large session (filled by benches/load.sh).
wrk.method = "GET"
wrk.path = "/v1/session/bench-large/log"
wrk.headers["X-API-Key"] = "your-api-key"
