"""A real HTTP receiver for webhook tests: ``http.server`` in a thread on 127.0.0.1, which
records every request it gets and answers as the test tells it to."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``answers``: the statuses to give, one per request, then 200s. ``hang``: hold every
    request without answering until the receiver stops (a timeout). ``location``: sent with a
    3xx answer."""

    port: int = 0
    answers: list[int] = field(default_factory=list)
    hang: bool = False
    location: str | None = None
    # Answer only once this many requests are in hand at the same time (503 if they never are).
    together: int = 0
    # Answer 200, but one byte every ``drip`` seconds (about 60 bytes in all).
    drip: float = 0
    received: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/hook", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    barrier = threading.Barrier(max(receiver.together, 1), timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.hang:
                receiver.stop.wait(30)
                return
            if receiver.drip:
                answer = (
                    b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 30 + b"\r\nContent-Length: 0\r\n\r\n"
                )
                for byte in answer:
                    if receiver.stop.wait(receiver.drip):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return  # the client went away
                self.close_connection = True
                return
            status = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.together:
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    status = 503
            self.send_response(status)
            if receiver.location and 300 <= status < 400:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet tests

    return Handler


@contextmanager
def receiving(certificate: tuple[str, str] | None = None, **options: object) -> Iterator[Receiver]:
    """A running receiver; stopped (and any hanging request released) at the end.
    ``certificate`` (certificate file, key file): answer over TLS with it."""
    receiver = Receiver(**options)  # type: ignore[arg-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    if certificate is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*certificate)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
