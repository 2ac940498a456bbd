"""A real gRPC peer for the proxy's tests: gRPC's C core through Debian's python3-grpcio.

    python3 grpc_core_peer.py serve
        Starts the test.Echo service on a free loopback port, prints the port on one line and serves
        until its standard input closes.

    python3 grpc_core_peer.py call HOST:PORT SCENARIO
        Makes the calls of SCENARIO against HOST:PORT and prints one JSON object with what came back.

Messages are raw bytes (no protobuf): gRPC's framing, headers, trailers, deadlines and status codes
are all the library's own, which is what the proxy has to carry.
"""

import hashlib
import json
import os
import queue
import sys
from concurrent import futures

import grpc

SERVICE = "test.Echo"
TIMEOUT = 20
# gRPC's C core honours http_proxy from the environment; these peers only ever talk over loopback.
OPTIONS = [("grpc.enable_http_proxy", 0)]


# The service.

def unary(request, context):
    tag = dict(context.invocation_metadata()).get("x-tag", "")
    context.send_initial_metadata((("x-echo-tag", tag),))
    context.set_trailing_metadata((("x-served-by", "grpc-core"),))
    return b"echo: " + request


def collect(requests, context):
    messages = list(requests)
    return str(len(messages)).encode() + b":" + b"".join(messages)


def count(request, context):
    for i in range(1, int(request) + 1):
        yield f"message {i}".encode()


def chat(requests, context):
    for message in requests:
        yield b"re: " + message


def missing(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")


def digest(request, context):
    return hashlib.sha256(request).hexdigest().encode()


def serve():
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "Collect": grpc.stream_unary_rpc_method_handler(collect),
        "Count": grpc.unary_stream_rpc_method_handler(count),
        "Chat": grpc.stream_stream_rpc_method_handler(chat),
        "Missing": grpc.unary_unary_rpc_method_handler(missing),
        "Digest": grpc.unary_unary_rpc_method_handler(digest),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=OPTIONS)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()
    server.stop(grace=None)


# The calls.

def status_of(error):
    return {"code": error.code().name, "details": error.details() or ""}


def call_unary(channel):
    stub = channel.unary_unary(f"/{SERVICE}/Unary")
    response, call = stub.with_call(b"hello", metadata=(("x-tag", "t-1"),), timeout=TIMEOUT)
    return {
        "code": call.code().name,
        "responses": [response.decode()],
        "initial": dict(call.initial_metadata()),
        "trailing": dict(call.trailing_metadata()),
    }


def call_client_streaming(channel):
    stub = channel.stream_unary(f"/{SERVICE}/Collect")
    response = stub(iter([f"<{i}>".encode() for i in range(50)]), timeout=TIMEOUT)
    return {"code": "OK", "responses": [response.decode()]}


def call_server_streaming(channel):
    stub = channel.unary_stream(f"/{SERVICE}/Count")
    call = stub(b"300", timeout=TIMEOUT)
    responses = [message.decode() for message in call]
    return {"code": call.code().name, "responses": responses}


def call_bidirectional(channel):
    """Sends each message only after the answer to the previous one came back through the proxy."""
    outgoing = queue.Queue()

    def requests():
        while (message := outgoing.get()) is not None:
            yield message

    call = channel.stream_stream(f"/{SERVICE}/Chat")(requests(), timeout=TIMEOUT)
    responses = []
    for word in ("one", "two", "three"):
        outgoing.put(word.encode())
        responses.append(next(call).decode())
    outgoing.put(None)
    after_close = [message.decode() for message in call]
    return {"code": call.code().name, "responses": responses, "after_close": after_close}


def call_missing(channel):
    try:
        channel.unary_unary(f"/{SERVICE}/Missing")(b"x", timeout=TIMEOUT)
        return {"code": "OK"}
    except grpc.RpcError as error:
        return status_of(error)


def call_large(channel):
    """A 3 MiB message each way (gRPC's default limit is 4 MiB), checked by digest on both sides."""
    payload = os.urandom(3 * 1024 * 1024)
    digest_reply = channel.unary_unary(f"/{SERVICE}/Digest")(payload, timeout=TIMEOUT)
    echo = channel.unary_unary(f"/{SERVICE}/Unary")(payload, timeout=TIMEOUT)
    expected = hashlib.sha256(payload).hexdigest()
    return {
        "code": "OK",
        "digest_matches": digest_reply.decode() == expected,
        "echo_matches": echo == b"echo: " + payload,
    }


def call_concurrent(channel):
    """100 unary calls in flight at once on one channel (one HTTP/2 connection)."""
    stub = channel.unary_unary(f"/{SERVICE}/Unary")
    pending = [stub.future(f"call {i}".encode(), timeout=TIMEOUT) for i in range(100)]
    responses = [future.result().decode() for future in pending]
    return {"code": "OK", "responses": responses}


def call_unavailable(channel):
    try:
        channel.unary_unary(f"/{SERVICE}/Unary")(b"x", timeout=TIMEOUT)
        return {"code": "OK"}
    except grpc.RpcError as error:
        return status_of(error)


SCENARIOS = {
    "unary": call_unary,
    "client-streaming": call_client_streaming,
    "server-streaming": call_server_streaming,
    "bidirectional": call_bidirectional,
    "missing": call_missing,
    "large": call_large,
    "concurrent": call_concurrent,
    "unavailable": call_unavailable,
}


def call(target, scenario):
    with grpc.insecure_channel(target, options=OPTIONS) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        print(json.dumps(SCENARIOS[scenario](channel)), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve()
    elif len(sys.argv) == 4 and sys.argv[1] == "call" and sys.argv[3] in SCENARIOS:
        call(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"usage: {sys.argv[0]} serve | call HOST:PORT {{{'|'.join(SCENARIOS)}}}")
