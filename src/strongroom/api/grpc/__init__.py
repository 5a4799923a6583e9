"""The gRPC transport (`strongroom.v1.Ledger`): parse, call the services, render.

`gen/` is generated from proto/strongroom/v1/ledger.proto by `generate.py` and committed.
May import strongroom.services, the ledger's types and strongroom.errors; never http, cli or
strongroom.store.
"""

from strongroom.api.grpc.server import LedgerServicer, start_grpc_server

__all__ = ["LedgerServicer", "start_grpc_server"]
