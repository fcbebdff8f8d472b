"""Password policy: the commonest passwords (``layers/accounts/common_passwords.txt``) and short ones are
refused wherever a password is set, naming the field; nothing refused is stored."""

from __future__ import annotations

import pytest

from layers.accounts import check_password


@pytest.mark.parametrize("password", ["12345678", "Password123", "qwertyuiop", "aaaaaaaaaa", "woaini1314"])
def test_common_passwords_refused_by_the_api(client, store, password):
    r = client.post("/api/users", json={"name": "chen", "role": "planner", "password": password})
    assert r.status_code == 422
    assert [(d["field"], d["code"]) for d in r.get_json()["error"]["details"]] == [("password", "too_common")]
    assert store.user("chen") is None


@pytest.mark.parametrize("password", ["short", "1234567"])
def test_short_passwords_refused(password):
    assert [d["code"] for d in check_password(password)] == ["invalid_value"]


def test_a_long_uncommon_password_passes():
    assert check_password("网格巡查-2026-东门") == []
