"""The HTTP transport: FastAPI routers that parse, call strongroom.api.service and render.

May import strongroom.api (service, keys, errors) and the ledger's types; never grpc or cli.
"""

from strongroom.api.http.app import MAX_BODY_BYTES, create_app

__all__ = ["MAX_BODY_BYTES", "create_app"]
