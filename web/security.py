"""Security headers on every response, with a Content-Security-Policy that allows no inline script or
style and no other origin except the configured tile servers' images."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app


def _tile_origins(basemaps: list[dict]) -> list[str]:
    origins = set()
    for preset in basemaps:
        for key in ("url", "overlay_url"):
            url = preset.get(key)
            if preset.get("available") and url:
                parts = urlsplit(url)
                labels = parts.netloc.split(".")
                if "{s}" in labels[0]:  # subdomain rotation: CSP only allows a leading "*." wildcard
                    labels[0] = "*"
                origins.add(f"{parts.scheme}://{'.'.join(labels)}")
    return sorted(origins)


def content_security_policy(basemaps: list[dict]) -> str:
    images = " ".join(["'self'", "data:", "blob:", *_tile_origins(basemaps)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register(app: Flask) -> None:
    csp = content_security_policy(app.config["BASEMAPS"])

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        if current_app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype in ("application/json", "application/geo+json"):
            headers.setdefault("Cache-Control", "no-store")
        return response
