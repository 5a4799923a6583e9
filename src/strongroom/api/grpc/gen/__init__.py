"""Generated gRPC code (see strongroom.api.grpc.generate)."""
