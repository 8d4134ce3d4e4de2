"""The production server: gunicorn, configured from Python so `tracker serve` needs no files."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from tracker.db import get_engine


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

    get_engine(app).dispose()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": None,  # an access log would record visitors' IP addresses
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
