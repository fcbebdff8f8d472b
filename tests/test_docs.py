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
    for package in ("chromium", "fonts-noto-cjk", "nodejs"):
        assert package in readme and package in ci


def test_security_doc_lists_every_role_and_permission():
    import json

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    roles = json.loads((ROOT / "layers" / "accounts" / "roles.json").read_text(encoding="utf-8"))
    for name, role in roles["roles"].items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        for permission in role["permissions"]:
            assert f"`{permission}`" in row, (name, permission)
        assert row.count("`") // 2 - 1 == len(role["permissions"]), f"{name}: the row lists other permissions"
