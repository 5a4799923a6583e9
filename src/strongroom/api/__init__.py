"""The network edge: HTTP (FastAPI) and gRPC transports over one service layer, and API keys.

`service` is the one place that authorizes, scopes to a tenant, calls the ledger and maps its
errors; `http/` and `grpc/` only parse, call the service and render. May import the ledger, the
store (for the key table), errors, ids, clock and tracing; never cli.
"""
