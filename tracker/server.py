"""The production server: gunicorn, configured from Python so `tracker serve` needs no files."""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from tracker.db import get_engine
from tracker.exports import brief_pdf

# Runs of characters an IPv4 or IPv6 address (perhaps with a port) is written with; each run is
# checked with ipaddress, so a time ("19:05:24") or a date is left alone.
_ADDRESS_LIKE = re.compile(r"[0-9A-Fa-f:.]{3,}")


def _without_port(text: str) -> tuple[str, str]:
    host, colon, port = text.rpartition(":")
    return (host, colon + port) if text.count(":") == 1 and port.isdigit() else (text, "")


def without_addresses(message: str) -> str:
    """``message`` with every IP address in it replaced by "[address]"."""

    def replace(found: re.Match[str]) -> str:
        text = found.group()
        # As it is, or without the sentence's punctuation after it ("ip=1.2.3.4: ...").
        for core in (text, text.rstrip(".:")):
            host, port = _without_port(core)
            try:
                ipaddress.ip_address(host)
            except ValueError:
                continue
            return "[address]" + port + text[len(core) :]
        return text

    return _ADDRESS_LIKE.sub(replace, message)


class _AddressFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = without_addresses(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class AddressFreeLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's logger with IP addresses taken out of every message. gunicorn names the
    visitor's address when it refuses a request itself ("Invalid request from ip=..."), and
    the tracker keeps no visitor's address anywhere, logs included."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_ADDRESS_FILTER)


_ADDRESS_FILTER = _AddressFilter()


class TrackerServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # Settings newer than the installed gunicorn (control_socket_disable came in 25.1)
            # are skipped: what they turn off does not exist there.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn until interrupted."""
    # gunicorn names itself in a Server header on every response; tell nobody what we run.
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = "tracker"

    def post_fork(_server: Any, _worker: Any) -> None:
        # Connections opened in the master (migrations, seeding) must not be shared by the
        # forked workers; each worker opens its own.
        get_engine(app).dispose(close=False)
        # Load the PDF renderer while the worker waits for its first requests, in the
        # background: the first PDF brief then takes its layout time only (issue 16).
        threading.Thread(target=brief_pdf.warm_up, name="pdf-warm-up", daemon=True).start()

    get_engine(app).dispose()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": None,  # an access log would record visitors' IP addresses
        "logger_class": AddressFreeLogger,
        "errorlog": "-",
        "loglevel": "info",
        "timeout": 120,
        "post_fork": post_fork,
        # gunicorn's run-time control socket sits at one path per user ($HOME/.gunicorn), so a
        # second tracker on the machine (tests, a benchmark) would take it over; nothing
        # manages the tracker through it, so it is one less door left open.
        "control_socket_disable": True,
    }
    TrackerServer(app, options).run()
