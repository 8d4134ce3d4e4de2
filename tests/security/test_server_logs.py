"""The production server's log names no visitor: no IP address reaches it, even when gunicorn
refuses a request itself before the application sees it."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from tests.conftest import serving
from tracker.server import without_addresses


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Invalid request from ip=127.0.0.1: Request Line is too large (9000 > 4094)",
            "Invalid request from ip=[address]: Request Line is too large (9000 > 4094)",
        ),
        ("Listening at: http://192.0.2.7:5000 (42)", "Listening at: http://[address]:5000 (42)"),
        ("from ::1, [2001:db8::1]:443", "from [address], [[address]]:443"),
        ("and ::ffff:10.0.0.1.", "and [address]."),
        ("Booting worker at 19:05:24 on 2024-02-08", "Booting worker at 19:05:24 on 2024-02-08"),
    ],
)  # fmt: skip
def test_addresses_are_taken_out_of_messages_and_nothing_else(message: str, expected: str) -> None:
    assert without_addresses(message) == expected


def _send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return sock.recv(4096)


@pytest.mark.slow
def test_a_request_gunicorn_refuses_is_logged_without_the_visitors_address(
    cli_env: dict[str, str],
) -> None:
    with serving(cli_env) as served:
        overlong = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert b" 414 " in _send(served.port, overlong).split(b"\r\n")[0] + b" "
        assert b" 400 " in _send(served.port, b"NOT A REQUEST\r\n\r\n").split(b"\r\n")[0] + b" "
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{served.base}/no/such/page", timeout=5)
    assert "Invalid request from ip=[address]" in served.output  # the lines were written...
    # ...and name no address: the one line that does is `tracker serve` saying where it serves.
    lines = [line for line in served.output.splitlines() if "127.0.0.1" in line]
    assert lines == [f"Serving the tracker on {served.base}/ (Ctrl+C to stop)"], lines
