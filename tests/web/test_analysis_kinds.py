"""The analysis kinds' declarations (layers/analysis/kinds/): served as declared, every text they name is in
both translation tables, their parts refer to each other correctly, and the server enforces exactly the
declared defaults and ranges."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from layers.analysis import KINDS, declarations
from layers.analysis.run import check_values
from layers.catalogue import ROLES
from layers.errors import ValidationFailed
from server import create_app
from tests.conftest import make_user, token_client

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
SECTIONS = set(re.findall(r"^  (\w+)(?::|,)", (ROOT / "static/js/analysis/analysisSummarySections.js").read_text(
    encoding="utf-8").split("export const SECTIONS = {")[1], re.M))
FORMATS = {"count", "of_total", "metres", "yes_no", "percent", "labels"}


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_the_kinds_are_served_as_declared(client):
    answer = client.get("/api/analysis/kinds")
    assert answer.status_code == 200
    body = answer.get_json()
    ids = [kind["id"] for kind in body["kinds"]]
    assert ids == list(KINDS) and ids[:5] == ["coverage", "gaps", "proposals", "hotspots", "recurrence"]
    assert body == json.loads(json.dumps(declarations()))
    radius = next(p for p in body["kinds"][0]["params"] if p["name"] == "radius_m")
    assert radius | {"low": 0, "high": 20000, "unit": "m", "required": True, "presets_of": "facilities"} == radius


def test_the_kinds_need_a_login_when_reading_does(tmp_path):
    closed = create_app({"DATA_DIR": str(tmp_path / "closed"), "TESTING": True})
    assert closed.test_client().get("/api/analysis/kinds").status_code == 401
    assert token_client(closed, make_user(closed, "w1", "field_worker")).get("/api/analysis/kinds").status_code == 200
    open_ = create_app({"DATA_DIR": str(tmp_path / "open"), "TESTING": True, "READ_REQUIRES_LOGIN": False})
    assert open_.test_client().get("/api/analysis/kinds").status_code == 200
    for app in (closed, open_):
        app.extensions["store"].close()


def test_every_text_a_declaration_names_is_translated():
    tables = {lang: json.loads((ROOT / "static/i18n" / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in ("zh-CN", "en")}  # fmt: skip
    keys = {text for text in _strings(declarations()) if KEY.match(text)}
    assert len(keys) > 100
    for lang, table in tables.items():
        assert sorted(keys - set(table)) == [], lang


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_a_declaration_holds_together(kind):
    names = [p.name for p in kind.params]
    layers = {p.name for p in kind.params if p.type == "layer"}
    assert len(names) == len(set(names))
    variants = kind.variants or {}
    slots = set.intersection(*(set(v) for v in [*variants.get("by_preset", {}).values(), variants["fallback"]])) \
        if variants else set()  # fmt: skip
    if variants:
        assert variants["of"] in layers
    for param in kind.params:
        assert param.role is None or param.role in ROLES, param.name
        assert param.presets_of is None or param.presets_of in layers, param.name
        assert param.when is None or param.when[0] in names[: names.index(param.name)], param.name
        assert param.label_variant is None or param.label_variant in slots, param.name
        if param.label:
            assert param.input, f"{param.name}: a form control needs an id"
        if param.type in ("number", "integer"):
            assert param.low is not None and param.high is not None and param.low < param.high, param.name
    result = kind.result
    for cls in result.get("classes", []):
        assert set(cls["paint"]) <= {"point", "line", "polygon"} and cls["paint"], cls["id"]
        assert not isinstance(cls["label"], dict) or cls["label"]["variant"] in slots, cls["id"]
    assert {c["id"] for c in result.get("classes", [])} >= set(result.get("match", []))
    for entry in [*result.get("extras", []), result.get("circle") or {}]:
        for condition in ("when", "unless"):
            assert condition not in entry or entry[condition][0] in names
    if isinstance(result.get("shape"), dict):
        assert result["shape"]["layer_of"] in layers
    assert kind.result_of is None or kind.result_of in layers
    for row in kind.summary["rows"]:
        assert row["format"] in FORMATS, row["key"]
        assert row.get("param") is None or row["param"] in names, row["key"]
        assert not isinstance(row["label"], dict) or row["label"]["variant"] in slots, row["key"]
    assert set(kind.summary.get("sections", [])) <= SECTIONS


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("kinds") / "data"), "TESTING": True})
    yield app.extensions["store"]
    app.extensions["store"].close()


REQUIRED = {"facilities": "bins", "targets": "buildings", "radius_m": 100}


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_the_server_takes_the_declared_defaults(kind, store):
    values = check_values(kind, store, {p.name: REQUIRED[p.name] for p in kind.params if p.required})
    for param in kind.params:
        if param.default is not None and param.when is None:
            assert values[param.name] == param.default, param.name


NUMBERS = [(kind, param) for kind in KINDS.values() for param in kind.params if param.type in ("number", "integer")]


@pytest.mark.parametrize("kind, param", NUMBERS, ids=[f"{k.id}.{p.name}" for k, p in NUMBERS])
def test_the_server_refuses_numbers_outside_the_declared_range(kind, param, store):
    body = {p.name: REQUIRED[p.name] for p in kind.params if p.required}
    inside = param.high if param.type == "number" else param.low  # number: low < v <= high
    assert check_values(kind, store, body | {param.name: inside})[param.name] == inside
    outside = [param.high + 1, param.low if param.type == "number" else param.low - 1]
    for value in outside:
        with pytest.raises(ValidationFailed) as refused:
            check_values(kind, store, body | {param.name: value})
        assert [d["field"] for d in refused.value.details] == [param.name], value
