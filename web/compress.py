"""Gzip text responses for clients that accept it: phones on weak signal fetch a fraction of the bytes.

API JSON is compressed per response; static files (Leaflet alone is ~450 kB) are compressed once per
file version and kept in a small cache.
"""

from __future__ import annotations

import gzip

from flask import Flask, Request, Response, request

from web.cache import LRUCache

COMPRESSIBLE = {
    "application/json",
    "application/geo+json",
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
    "text/plain",
}
MIN_BYTES = 1024
LEVEL = 5


def _accepts_gzip(req: Request) -> bool:
    return "gzip" in req.headers.get("Accept-Encoding", "").lower()


def register(app: Flask) -> None:
    static_cache = LRUCache(64)

    @app.after_request
    def _compress(response: Response) -> Response:
        if (
            response.status_code not in (200, 201)
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE
            or not _accepts_gzip(request)
        ):
            return response
        response.vary.add("Accept-Encoding")
        if response.direct_passthrough:  # a static file: compress each version once
            key = (request.path, response.get_etag()[0])
            packed = static_cache.get(key)
            if packed is None:
                response.direct_passthrough = False
                raw = response.get_data()
                if len(raw) < MIN_BYTES:
                    return response
                packed = gzip.compress(raw, compresslevel=LEVEL)
                static_cache.put(key, packed)
            response.direct_passthrough = False
        else:
            raw = response.get_data()
            if len(raw) < MIN_BYTES:
                return response
            packed = gzip.compress(raw, compresslevel=LEVEL)
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(packed))
        return response
