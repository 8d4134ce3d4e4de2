"""The production server's log names no visitor: no IP address reaches it, even when gunicorn
refuses a request itself before the application sees it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import drop_database_url, new_database_url
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
        ("Booting worker at 19:05:24 on 2026-12-07", "Booting worker at 19:05:24 on 2026-12-07"),
    ],
)  # fmt: skip
def test_addresses_are_taken_out_of_messages_and_nothing_else(message: str, expected: str) -> None:
    assert without_addresses(message) == expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return sock.recv(4096)


@pytest.mark.slow
def test_a_request_gunicorn_refuses_is_logged_without_the_visitors_address(
    tmp_path: Path,
) -> None:
    url = new_database_url(tmp_path, "logs")
    port = _free_port()
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_TODAY": "2026-11-28",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        overlong = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert b" 414 " in _send(port, overlong).split(b"\r\n")[0] + b" "
        assert b" 400 " in _send(port, b"NOT A REQUEST\r\n\r\n").split(b"\r\n")[0] + b" "
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no/such/page", timeout=5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        drop_database_url(url)
    assert "Invalid request from ip=[address]" in output  # the lines were written...
    # ...and name no address: the one line that does is `tracker serve` saying where it serves.
    lines = [line for line in output.splitlines() if "127.0.0.1" in line]
    assert lines == [f"Serving the tracker on http://127.0.0.1:{port}/ (Ctrl+C to stop)"], lines
