"""Layer roles in the catalogue: every built-in role is valid and names kinds and presets that exist, a bad
role is refused naming its field (in the catalogue check and through the API), and the roles, not layer ids,
decide which layers the analyses start from."""

from __future__ import annotations

import pytest

from layers.analysis import KINDS
from layers.catalogue import ROLES, facility, load_catalogue, role_layer, with_role
from layers.catalogue.schema import check_layer_definition

CATALOGUE = load_catalogue()


def test_the_demo_layers_play_their_roles():
    assert role_layer(CATALOGUE, "cases") == "blackspots"
    assert role_layer(CATALOGUE, "grid") == "grid"
    assert role_layer(CATALOGUE, "network") == "roads"
    assert role_layer(CATALOGUE, "targets") == "buildings"
    assert [d["id"] for d in with_role(CATALOGUE, "base")] == ["roads", "buildings", "grid"]
    # Facilities by rank, whatever their order in the layer panel.
    ranked = ["collection_points", "toilets", "streetlights", "bins"]  # more may follow
    assert [d["id"] for d in with_role(CATALOGUE, "facility")][:4] == ranked
    assert [d["id"] for d in with_role(CATALOGUE, "facility", feeds="gaps")][:2] == ["streetlights", "bins"]
    assert role_layer(CATALOGUE, "facility", feeds="coverage") == "collection_points"


def test_facility_roles_name_kinds_and_gap_presets_that_exist():
    presets = KINDS["gaps"].variants["by_preset"]
    for definition in with_role(CATALOGUE, "facility"):
        options = facility(definition)
        assert set(options["analyses"]) <= set(KINDS), definition["id"]
        assert options.get("gap_preset", "lamps") in presets, definition["id"]
        assert ("gaps" in options["analyses"]) == ("gap_preset" in options), definition["id"]


def test_every_role_is_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "layers.md").read_text(encoding="utf-8")
    for role in ROLES:
        assert f"| `{role}` |" in text, role


BASE = {"id": "water_taps", "title": {"zh-CN": "取水点", "en": "Water taps"},
        "geometry_types": ["Point"]}


@pytest.mark.parametrize(
    "roles, field",
    [
        (["facility"], "roles"),
        ({"boss": {}}, "roles.boss"),
        ({"grid": True}, "roles.grid"),
        ({"grid": {"rank": 1}}, "roles.grid"),
        ({"facility": {"rank": "first"}}, "roles.facility.rank"),
        ({"facility": {"analyses": "coverage"}}, "roles.facility.analyses"),
        ({"facility": {"colour": "#ffffff"}}, "roles.facility.colour"),
        ({"facility": {"gap_preset": "Lamps!"}}, "roles.facility.gap_preset"),
        ({"facility": {"leaders": {"figure": "pie", "color": "#1f5e3b", "label": BASE["title"],
                                   "series": BASE["title"]}}}, "roles.facility.leaders.figure"),
        ({"facility": {"leaders": {"figure": "coverage", "color": "green", "label": BASE["title"],
                                   "series": BASE["title"]}}}, "roles.facility.leaders.color"),
        ({"facility": {"leaders": {"figure": "coverage", "color": "#1f5e3b", "label": {"zh-CN": "取水点"},
                                   "series": BASE["title"]}}}, "roles.facility.leaders.label"),
    ],
)  # fmt: skip
def test_a_bad_role_is_named(roles, field):
    assert field in [p["field"] for p in check_layer_definition(BASE | {"roles": roles})]


def test_a_custom_layer_with_a_bad_role_is_refused_through_the_api(client):
    response = client.post("/api/layers", json=BASE | {"roles": {"facility": {"rank": "first"}}})
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["error"]["details"]] == ["roles.facility.rank"]


def test_roles_not_ids_pick_the_layers_an_analysis_starts_from(app, client):
    """A custom facility layer of rank 0 feeding gaps becomes the default points of gaps along streets, and
    a line layer listed before roads that plays the network role becomes the default lines."""
    from layers.analysis.run import check_values

    store = app.extensions["store"]
    gaps = KINDS["gaps"]
    assert {k: check_values(gaps, store, {})[k] for k in ("points", "lines")} == {"points": "streetlights",
                                                                                 "lines": "roads"}
    fountains = BASE | {"roles": {"facility": {"rank": 0, "analyses": ["gaps"], "gap_preset": "bins"}}}
    paths = {"id": "footpaths", "title": {"zh-CN": "步道", "en": "Footpaths"}, "geometry_types": ["LineString"],
             "order": 1, "roles": {"network": {}}}  # fmt: skip
    for definition in (fountains, paths):
        assert client.post("/api/layers", json=definition).status_code == 201
    values = check_values(gaps, store, {})
    assert (values["points"], values["lines"]) == ("water_taps", "footpaths")
    # Named layers are taken as named; required ones get no default from a role.
    assert check_values(gaps, store, {"points": "bins"})["points"] == "bins"
    response = client.post("/api/analysis/coverage", json={"targets": "buildings", "radius_m": 100})
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["error"]["details"]] == ["facilities"]
