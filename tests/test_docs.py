"""The documentation stays true to the code: every endpoint and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from server import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]


def test_every_api_route_and_method_has_a_section(app):
    headings = set(
        re.findall(r"^### `([A-Z]+ /api[^`]*)`", (ROOT / "docs" / "api.md").read_text(encoding="utf-8"), re.MULTILINE)
    )
    names = {"layer_id": "layer", "fid": "id"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + names.get(m[1], m[1]) + "}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert f"{method} {path}" in headings, f"{method} {path} has no section in docs/api.md"


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in DEFAULTS:
        if key in ("DATA_DIR", "JSON_AS_ASCII"):
            continue
        assert f"`{key}`" in readme, f"setting {key} is not in the README's configuration table"


def test_readme_quick_start_matches_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "python -m pip install -r requirements-dev.txt && python -m pytest"
    assert readme.count(test_command) == 2  # English and Chinese quick starts
    assert test_command in ci.splitlines()
    for package in ("chromium", "fonts-noto-cjk", "nodejs", "iproute2", "postgresql", "postgresql-15-postgis-3",
                    "python3-qgis"):
        assert package in readme and package in ci
    assert "TEST_STORE_URL=postgresql://" in readme and "TEST_STORE_URL=" in ci


def test_security_doc_lists_every_role_and_permission():
    import json

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    roles = json.loads((ROOT / "layers" / "accounts" / "roles.json").read_text(encoding="utf-8"))
    for name, role in roles["roles"].items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        for permission in role["permissions"]:
            assert f"`{permission}`" in row, (name, permission)
        assert row.count("`") // 2 - 1 == len(role["permissions"]), f"{name}: the row lists other permissions"


def _docs_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def test_the_analysis_table_lists_every_kind_parameter_and_default():
    """docs/analysis.md's table of parameters says what layers/analysis/kinds/ declares: every kind and
    parameter, its type, its default (or that it is required, or the role that picks it) and its range."""
    from layers.analysis import KINDS

    text = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if re.match(r"\| `\w+` \| `", line)]
    rows = {tuple(re.findall(r"`(\w+)`", line)[:2]): line for line in lines}
    declared = {(kind.id, param.name) for kind in KINDS.values() for param in kind.params}
    assert set(rows) == declared, f"not declared: {set(rows) - declared}; not documented: {declared - set(rows)}"
    for kind in KINDS.values():
        for param in kind.params:
            cells = [cell.strip() for cell in rows[kind.id, param.name].strip("|").split("|")]
            assert cells[2] == param.type, (kind.id, param.name)
            if param.default is not None:
                assert f"`{_docs_value(param.default)}`" == cells[3], (kind.id, param.name)
            elif param.required:
                assert cells[3] == "required", (kind.id, param.name)
            elif param.role:
                assert f"`{param.role}`" in cells[3], (kind.id, param.name)
            for bound in (param.low, param.high):
                if bound is not None:
                    assert _docs_value(bound) in cells[4], (kind.id, param.name, bound)
            for value, _ in param.choices:
                assert f"`{value}`" in cells[4], (kind.id, param.name, value)
