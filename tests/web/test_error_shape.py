"""One error shape everywhere: every route, every method, with hostile input, answers 2xx or a 4xx in
the shape ``{"error": {status, code, message, message_zh, details}}`` — never a 5xx. The one documented
exception is ``/open311/``, which answers in GeoReport v2's own error shape (docs/open311.md)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

HOSTILE_BODIES = [
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b'{"type": "Feature", "geometry": null}'),
    ("application/geo+json", b"\xff\xfe\x00garbage"),
    ("text/plain", b"hello"),
    ("application/json", b"[" * 100_000),
]


def _urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:int|id):\w+>", "987654", rule.rule)
        url = re.sub(r"<[\w:]+>", "no_such_layer", url)
        yield rule, url
        if "<layer_id>" in rule.rule:
            yield rule, re.sub(r"<(?:int|id):\w+>", "987654", rule.rule).replace("<layer_id>", "bins")
        if "<fmt>" in rule.rule:  # Open311: a format it serves, so requests get past the format check
            yield rule, re.sub(r"<[\w:]+>", "no_such_layer", rule.rule.replace("<fmt>", "json"))


def _check_open311(response):
    """GeoReport v2's errors, which Open311 clients read: ``[{"code", "description"}]`` or ``<errors>``."""
    if response.mimetype == "text/xml":
        found = [{"code": int(e.findtext("code")), "description": e.findtext("description")}
                 for e in ET.fromstring(response.data).findall("error")]  # fmt: skip
    else:
        found = response.get_json()
    assert isinstance(found, list) and found, response.get_data(as_text=True)[:300]
    for error in found:
        assert set(error) == {"code", "description"} and error["code"] == response.status_code, error
        assert isinstance(error["description"], str) and error["description"], error


def _check(response):
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if response.status_code >= 400 and response.request.path.startswith("/open311/"):
        _check_open311(response)  # the documented exception to the one shape
    elif response.status_code >= 400:
        error = response.get_json()["error"]
        assert set(error) >= {"status", "code", "message", "message_zh", "details"}
        assert error["status"] == response.status_code
        assert isinstance(error["details"], list)
        for detail in error["details"]:
            assert {"field", "code", "reason"} <= set(detail)


def test_every_endpoint_every_method(app, client):
    seen = 0
    for rule, url in _urls(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}) + ["PUT", "DELETE"]:
            for content_type, body in HOSTILE_BODIES:
                response = client.open(
                    url, method=method, data=body, content_type=content_type, headers={"If-Match": '"1.1"'}
                )
                _check(response)
                seen += 1
        for query in ("bbox=x", "limit=-1", "at=never", "offset=abc", "zzz=1", "bbox=1,2,3,4&at=2020-13-45"):
            _check(client.get(f"{url}?{query}"))
    assert seen > 50


@pytest.mark.parametrize(
    "path", ["/api/layers/bins/features/abc", "/api/../etc/passwd", "/static/../server.py", "/api/layers/%00/features"]
)
def test_odd_paths(client, path):
    _check(client.get(path))


def test_conditional_and_range_refusals_on_static_files(client):
    _check(client.get("/", headers={"If-Match": '"nope"'}))
    response = client.get("/static/vendor/README.md", headers={"Range": "bytes=999999-"})
    assert response.status_code == 416
    _check(response)
