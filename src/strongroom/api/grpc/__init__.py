"""The gRPC transport (`strongroom.v1.Ledger`): parse, call strongroom.api.service, render.

`gen/` is generated from proto/strongroom/v1/ledger.proto by `generate.py` and committed.
May import strongroom.api (service, keys, errors) and the ledger's types; never http or cli.
"""

from strongroom.api.grpc.server import LedgerServicer, start_grpc_server

__all__ = ["LedgerServicer", "start_grpc_server"]
