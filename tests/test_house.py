"""The shape of the house, checked on the source: imports point one way (``server.py`` -> ``web/`` ->
``layers/`` -> ``geo/``), no package reaches into another's private names, and no module outgrows ~400 lines.
See docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each top-level part and the parts it may import (its own included). Flask stays in web/ and server.py.
ALLOWED = {"geo": {"geo"}, "layers": {"layers", "geo"}, "web": {"web", "layers", "geo", "flask", "werkzeug"},
           "server": {"server", "web", "layers", "geo", "flask", "werkzeug"}}
FIRST_PARTY = {"geo", "layers", "web", "server"}
FRAMEWORKS = {"flask", "werkzeug"}
MAX_LINES = 400


def _modules() -> list[tuple[str, Path]]:
    found = [("server", ROOT / "server.py")]
    for top in ("geo", "layers", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


def _package(module: str, path: Path) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to the package itself)."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(path: Path):
    """(imported module, imported names) for every absolute import in a file, nested ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]


MODULES = _modules()


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module, path):
    top = module.split(".")[0]
    upward = []
    for imported, _ in _imports(path):
        head = imported.split(".")[0]
        if (head in FIRST_PARTY or head in FRAMEWORKS) and head not in ALLOWED[top]:
            upward.append(imported)
    assert upward == [], f"{module} imports {upward}: imports go server.py -> web/ -> layers/ -> geo/"


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_private_name_crosses_a_package(module, path):
    own = _package(module, path)
    crossing = []
    for imported, names in _imports(path):
        if imported.split(".")[0] not in FIRST_PARTY:
            continue
        target = imported if (ROOT / imported.replace(".", "/")).is_dir() else imported.rpartition(".")[0]
        private_module = any(part.startswith("_") for part in imported.split("."))
        if target != own and (private_module or any(name.startswith("_") for name in names)):
            crossing.append(f"{imported}: {names}")
    assert crossing == [], f"{module} imports private names of another package: {crossing}"


def _sizes():
    paths = [p for top in ("geo", "layers", "web") for p in (ROOT / top).rglob("*.py")]
    paths += list((ROOT / "static" / "js").rglob("*.js"))
    return sorted(paths)


@pytest.mark.parametrize("path", _sizes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by concern into a package"


def test_no_prefix_families_in_a_folder():
    """Three or more modules sharing a ``name_`` prefix in one folder are a package waiting to be made."""
    for folder in [ROOT / "server.py", *(p for top in ("geo", "layers", "web") for p in (ROOT / top).rglob("*"))]:
        if not folder.is_dir() or folder.name == "__pycache__":
            continue
        prefixes: dict[str, list[str]] = {}
        for path in folder.glob("*.py"):
            match = re.match(r"([a-z0-9]+)_", path.stem)
            if match:
                prefixes.setdefault(match.group(1), []).append(path.name)
        families = {prefix: names for prefix, names in prefixes.items() if len(names) >= 3}
        assert families == {}, f"{folder.relative_to(ROOT)}: {families}"
