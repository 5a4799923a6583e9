"""The gRPC transport (`strongroom.v1.Ledger`, `Intents`, `Compliance`): parse, call the
services, render.

`gen/` is generated from the protos under proto/strongroom/v1/ by `generate.py` and committed.
May import strongroom.services, workflows, compliance, the ledger's types and strongroom.errors;
never http, cli or strongroom.store.
"""

from strongroom.api.grpc.server import LedgerServicer, start_grpc_server

__all__ = ["LedgerServicer", "start_grpc_server"]
