"""The network edge: HTTP (FastAPI) and gRPC transports over the services layer.

`http/` and `grpc/` parse, authenticate through strongroom.services.access, call a service
(which authorizes, scopes to the caller's tenant and calls the ledger) and render its result or
its strongroom.errors. `server.py` runs both. May import the services, the ledger's types,
errors, ids and tracing; never strongroom.store (the composition root hands the services in)
nor cli.
"""
