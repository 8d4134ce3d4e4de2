"""The security headers every response must carry, as one function the suites share."""

from __future__ import annotations

from collections.abc import Mapping

# Permissions the tracker never needs; each must be switched off for every origin.
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def is_embed(path: str) -> bool:
    return path.startswith("/embed/") or path == "/embed"


def header_problems(headers: Mapping[str, str], path: str, https: bool = False) -> list[str]:
    """What is missing or wrong in a response's headers (an empty list when all is well)."""
    problems: list[str] = []
    policy = headers.get("Content-Security-Policy")
    if not policy:
        problems.append("no Content-Security-Policy")
    else:
        csp = csp_directives(policy)
        expected = {
            "default-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
        }
        for directive, sources in expected.items():
            if csp.get(directive) != sources:
                problems.append(f"CSP {directive} is {csp.get(directive)}, not {sources}")
        for directive, sources in csp.items():
            for source in sources:
                lowered = source.lower()
                framing = directive == "frame-ancestors"
                unsafe = lowered in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*")
                if unsafe and not (framing and is_embed(path)):
                    problems.append(f"CSP {directive} allows {source}")
                other = lowered in ("http:", "https:") or "://" in lowered or "*." in lowered
                if other and not framing:
                    problems.append(f"CSP {directive} allows another origin: {source}")
                if lowered in ("data:", "blob:") and directive in ("script-src", "default-src"):
                    problems.append(f"CSP {directive} allows {source}")
        ancestors = csp.get("frame-ancestors")
        if is_embed(path):
            if not ancestors:
                problems.append("an embed route without frame-ancestors")
            if headers.get("X-Frame-Options"):
                problems.append("an embed route refuses framing with X-Frame-Options")
        elif ancestors != ["'none'"]:
            problems.append(f"CSP frame-ancestors is {ancestors}, not 'none'")
    if headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy", "").lower() != "no-referrer":
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    permissions = {
        item.split("=", 1)[0].strip(): item.split("=", 1)[-1].strip()
        for item in headers.get("Permissions-Policy", "").split(",")
        if "=" in item
    }
    for feature in DENIED_FEATURES:
        if permissions.get(feature) != "()":
            problems.append(f"Permissions-Policy does not deny {feature}")
    hsts = headers.get("Strict-Transport-Security")
    if https:
        max_age = 0
        for item in (hsts or "").split(";"):
            name, _, value = item.strip().partition("=")
            if name.lower() == "max-age" and value.isdigit():
                max_age = int(value)
        if max_age < 31536000:
            problems.append(f"over HTTPS, Strict-Transport-Security is {hsts!r} (a year at least)")
    elif hsts:
        problems.append("Strict-Transport-Security over plain HTTP")
    server = headers.get("Server", "")
    if any(char.isdigit() for char in server) or any(
        name in server.lower() for name in ("gunicorn", "werkzeug", "python", "flask")
    ):
        problems.append(f"the Server header names the software: {server!r}")
    if headers.get("X-Powered-By"):
        problems.append("an X-Powered-By header")
    return problems
