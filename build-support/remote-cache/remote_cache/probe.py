"""Ask a Pantry remote cache to store or fetch one action result, as any REAPI client could.

Operators use it to check a deployment's trust model; the integration tests use it to force a
contributor write. It bypasses Pants entirely, so what it shows is what the SERVER allows:

    probe.py grpc://127.0.0.1:50051 --instance "" write     # anonymous: must be refused
    probe.py grpc://127.0.0.1:50051 --instance ci --token-file FILE write   # CI: accepted
    probe.py grpc://127.0.0.1:50051 --instance "" read      # was anything stored?

Prints one line, `<operation> <instance> <gRPC status> <detail>`, and exits 0 only on OK.
Runs on the BuildGrid venv's Python (`serve --check` prints it): it needs grpcio and
BuildGrid's generated REAPI protos.
"""

# grpc and buildgrid live only in BuildGrid's own venv, not in any resolve an editor sees.
# pyright: reportMissingImports=false

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import grpc  # pants: no-infer-dep
from buildgrid._protos.build.bazel.remote.execution.v2 import (
    remote_execution_pb2 as reapi,  # pants: no-infer-dep
)
from buildgrid._protos.build.bazel.remote.execution.v2 import (
    remote_execution_pb2_grpc as reapi_grpc,  # pants: no-infer-dep
)


def probe_digest(seed: str) -> reapi.Digest:
    """A digest no real build produces: the action a probe pretends to have run."""
    data = f"pantry-remote-cache-probe:{seed}".encode()
    return reapi.Digest(hash=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def call(operation: str, stub_call, request, metadata) -> int:
    instance = request.instance_name
    try:
        stub_call(request, metadata=metadata, timeout=10)
    except grpc.RpcError as error:
        print(f"{operation} {instance!r} {error.code().name} {error.details()}")
        return 1
    print(f"{operation} {instance!r} OK")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="grpc://HOST:PORT (as in PANTRY_REMOTE_CACHE)")
    parser.add_argument("operation", choices=["write", "write-blob", "read"])
    parser.add_argument("--instance", default="", help="REAPI instance name (default '')")
    parser.add_argument("--token-file", help="send this bearer token (the CI credential)")
    parser.add_argument("--seed", default="default", help="which probe action to use")
    args = parser.parse_args(argv)
    if not args.address.startswith("grpc://"):
        parser.error(f"address {args.address!r} must look like grpc://127.0.0.1:50051")
    metadata = []
    if args.token_file:
        try:
            token = Path(args.token_file).read_text().strip()
        except OSError as error:
            parser.error(f"--token-file {args.token_file}: cannot read it ({error.strerror})")
        metadata.append(("authorization", f"Bearer {token}"))
    digest = probe_digest(args.seed)
    with grpc.insecure_channel(args.address[len("grpc://") :]) as channel:
        if args.operation == "write-blob":
            blob = f"pantry-remote-cache-probe-blob:{args.seed}".encode()
            request = reapi.BatchUpdateBlobsRequest(
                instance_name=args.instance,
                requests=[
                    reapi.BatchUpdateBlobsRequest.Request(
                        digest=reapi.Digest(
                            hash=hashlib.sha256(blob).hexdigest(), size_bytes=len(blob)
                        ),
                        data=blob,
                    )
                ],
            )
            stub = reapi_grpc.ContentAddressableStorageStub(channel)
            return call("write-blob", stub.BatchUpdateBlobs, request, metadata)
        cache = reapi_grpc.ActionCacheStub(channel)
        if args.operation == "write":
            request = reapi.UpdateActionResultRequest(
                instance_name=args.instance,
                action_digest=digest,
                action_result=reapi.ActionResult(exit_code=0),
            )
            return call("write", cache.UpdateActionResult, request, metadata)
        request = reapi.GetActionResultRequest(instance_name=args.instance, action_digest=digest)
        return call("read", cache.GetActionResult, request, metadata)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
