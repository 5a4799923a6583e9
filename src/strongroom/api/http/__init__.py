"""The HTTP transport: FastAPI routers that parse, call the services and render.

May import strongroom.services, the ledger's types and strongroom.errors; never grpc, cli or
strongroom.store.
"""

from strongroom.api.http.app import MAX_BODY_BYTES, create_app

__all__ = ["MAX_BODY_BYTES", "create_app"]
