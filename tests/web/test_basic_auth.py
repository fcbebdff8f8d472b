"""HTTP Basic with the user name and an API token as the password, for clients that know nothing else (QGIS
3.22, GDAL, Excel): accepted on /ogc, /open311 and the exports, refused with 401 and a Basic challenge when
wrong, never taking the account password, and refused elsewhere (tokens go as Bearer there)."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import make_user
from tests.web.test_ogc import check_error

PASSWORD = "a-long-login-password-7"


def basic(name: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()}


@pytest.fixture
def leader(app):
    return make_user(app, "领导甲", "admin", PASSWORD)


SURFACES = [
    "/ogc/collections",
    "/ogc/collections/bins/items?limit=5",
    "/open311/v2/services.json",
    "/open311/v2/requests.json",
    "/api/layers/bins/export?format=csv",
    "/api/dashboard/export?table=by_category&format=xlsx",
]


@pytest.mark.parametrize("path", SURFACES)
def test_the_user_name_and_an_api_token_read_every_data_surface(app, anonymous, leader, path):
    response = anonymous.get(path, headers=basic("领导甲", leader))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("path", ["/ogc/collections", "/api/layers/bins/export?format=csv"])
def test_wrong_credentials_get_401_with_a_basic_challenge(app, anonymous, leader, path):
    for name, secret in (("领导甲", PASSWORD), ("领导甲", "cw_not_a_token"), ("someone", leader), ("领导甲", "")):
        response = anonymous.get(path, headers=basic(name, secret))
        error = check_error(response, 401, "Authorization")
        assert error["code"] == "invalid_token" and "API" in error["message"]
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="chuangwei"')
    for header in ("Basic !!!not-base64", "Basic " + base64.b64encode(b"no colon").decode(), "Basic "):
        check_error(anonymous.get(path, headers={"Authorization": header}), 401)


def test_open311_answers_a_wrong_basic_login_as_http_does(app, anonymous, leader):
    response = anonymous.get("/open311/v2/requests.json", headers=basic("领导甲", PASSWORD))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.get_json()[0]["code"] == 401 and response.get_json()[0]["description"]  # body and status agree
    plain = anonymous.get("/open311/v2/requests.json")  # GeoReport's own answer to no key stays 403
    assert plain.status_code == 403 and "WWW-Authenticate" not in plain.headers


def test_a_revoked_token_or_a_disabled_user_no_longer_logs_in(app, anonymous, leader):
    store = app.extensions["store"]
    assert anonymous.get("/ogc/collections", headers=basic("领导甲", leader)).status_code == 200
    store.update_user("领导甲", {"disabled": True})
    check_error(anonymous.get("/ogc/collections", headers=basic("领导甲", leader)), 401)
    store.update_user("领导甲", {"disabled": False})
    for token in store.tokens(store.user("领导甲")["id"]):
        store.revoke_token(token["id"])
    check_error(anonymous.get("/ogc/collections", headers=basic("领导甲", leader)), 401)


def test_without_credentials_the_data_surfaces_offer_basic_and_bearer(app, anonymous):
    response = anonymous.get("/ogc/collections")
    check_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="chuangwei", charset="UTF-8", Bearer realm="chuangwei"'
    assert anonymous.get("/api/layers").headers["WWW-Authenticate"] == 'Bearer realm="chuangwei"'


def test_basic_is_refused_on_the_rest_of_the_api(app, anonymous, leader):
    for method, path in (("GET", "/api/layers"), ("GET", "/api/session"), ("POST", "/api/layers/bins/features")):
        response = anonymous.open(path, method=method, headers=basic("领导甲", leader), json={})
        error = check_error(response, 401, "Authorization")
        assert error["details"][0]["code"] == "unsupported_scheme"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="chuangwei"'
