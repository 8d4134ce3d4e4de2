"""tracker: a human-rights legislation tracker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then ``TRACKER_*`` variables, then ``config``."""
    from tracker import api, db, http, paths, security, web
    from tracker import config as settings
    from tracker.services import history

    overrides = dict(config or {})
    environment = settings.from_environment()
    instance_path = overrides.pop("INSTANCE_PATH", None) or environment.pop("INSTANCE_PATH", None)
    app = Flask(
        __name__,
        template_folder=str(paths.templates()),
        static_folder=str(paths.static()),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.update(settings.DEFAULTS)
    app.config.update(environment)
    app.config.update(overrides)
    app.config.update(settings.resolve(dict(app.config), Path(app.instance_path)))

    db.init_app(app)
    history.install()
    security.init_app(app)
    # The two faces stand on the shared HTTP layer; who is signed in comes first, since access
    # control and the page cache read it.
    web.init_sessions(app)
    http.init_app(app)
    web.init_app(app)
    api.init_app(app)
    return app
