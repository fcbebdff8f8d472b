"""Every user-visible string of the Python code is in a translation table (docs/i18n.md): the two tables of
``geo/i18n/`` and ``layers/i18n/`` match each other and the code, and no Chinese text is written in a
module except the few data places listed here, each with its reason."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

from geo.i18n import LANGUAGES, Catalog

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
KEY = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+){2,}")
# Each table, and the code that may use its keys (what sits above a package may use its words too).
TABLES = {"geo/i18n": ("geo", "layers", "web", "server.py"), "layers/i18n": ("layers", "web", "server.py")}

# Chinese text that is data, not words shown to people: (module or folder, the name the text is assigned
# to or the function it is in) -> why. A UI string never belongs here.
DATA = {
    ("layers/demo/", None): "the demo community's fictional places, people, companies and case texts are seeded "
                            "into the store as data, like a real community's would be",
    ("geo/i18n/catalog.py", "bilingual"): "the full-width bracket that carries its own space when two texts are "
                                          "joined 'zh / en' (typography of the tables' texts, not a text)",
    ("geo/formats/tables.py", "COORDINATE_PAIRS"): "column names recognised as longitude/latitude in tables",
    ("geo/formats/tables.py", "WKT_NAMES"): "column names recognised as WKT geometry in tables",
    ("geo/formats/tables.py", "ADDRESS_NAMES"): "column names recognised as addresses in tables",
    ("geo/formats/cells.py", "FORMULA_STARTS"): "full-width = + - @ that spreadsheets may read as a formula start",
    ("layers/imports/mapping.py", "_TRUE"): "words read as true in an imported table's yes/no column (是, 有, 对)",
    ("layers/imports/mapping.py", "_FALSE"): "words read as false in an imported table's yes/no column (否, 无, 没有)",
    ("layers/imports/mapping.py", "_BOOLEAN_HINT"): "the yes/no words of an imported table (是/否), quoted in the "
                                                     "reason a cell holding none of them is refused",
    ("layers/imports/mapping.py", "_DATE"): "the date marks (年, 月, 日) read in an imported table's dates",
    ("layers/imports/mapping.py", "_SYNONYMS"): "column names (名称, 地址, 描述...) suggested for the name, address "
                                                "and description of an import's mapping",
    ("layers/areas/names.py", "CODE_COLUMNS"): "column names (编码, 代码) recognised as an area's code in a table",
    ("layers/areas/names.py", "NAME_COLUMNS"): "column names (名称) recognised as an area's name in a table",
    ("layers/areas/names.py", "PARENT_COLUMNS"): "column names (上级) recognised as an area's parent in a table",
    ("geo/gazetteer.py", "_PUNCT"): "punctuation stripped when matching addresses",
    ("geo/gazetteer.py", "_SUFFIX"): "place words (附近, 旁, 门口...) stripped when matching addresses",
    ("geo/gazetteer.py", "_UNITS"): "Chinese numerals read in house numbers",
    ("geo/gazetteer.py", "_DIGITS"): "Chinese numerals read in house numbers",
    ("geo/gazetteer.py", "_CN_NUMBER"): "house-number suffixes (号, 栋, 弄...) read in addresses",
    ("geo/gazetteer.py", "_HOUSE"): "house-number suffixes (号, 號) read in addresses",
    ("geo/navigation.py", "navigation_links"): "full-width stand-ins for the separators of the map apps' URL "
                                               "syntax (， ｜ （ ）), so a place name cannot break the link",
    ("layers/leaders/report/build.py", "_PLACE_WORDS"): "place words (社区, 街道, 村, 镇) that end a community's "
                                                        "name, read from the grid cells' names",
    ("layers/leaders/report/build.py", "community"): "brackets and separators stripped from a community's name",
}

def _sources(*places: str) -> list[Path]:
    out = []
    for place in places:
        path = ROOT / place
        out += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return out


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _strings(path: Path):
    """(owner, line, text) for every string constant of a module but its docstrings; the owner is the
    innermost function or class it is in, else the module-level name it is assigned to."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)

    def visit(node, owner):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            owner = node.name
        elif owner is None and isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            owner = next((t.id for t in targets if isinstance(t, ast.Name)), None)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield owner, node.lineno, node.value
        for child in ast.iter_child_nodes(node):
            yield from visit(child, owner)

    yield from visit(tree, None)


def _allowed(path: str, owner: str | None) -> bool:
    return any(path.startswith(place) and name in (None, owner) for place, name in DATA)


def _table(folder: str) -> dict[str, dict]:
    return {lang: json.loads((ROOT / folder / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGUAGES}


def _fields(text: str) -> list[tuple[str, str, str | None]]:
    return sorted({(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None})


@pytest.mark.parametrize("folder", sorted(TABLES))
def test_both_languages_have_the_same_keys_and_placeholders(folder):
    zh, en = _table(folder).values()
    assert sorted(set(zh) ^ set(en)) == []
    assert list(zh) == sorted(zh), "keys are kept sorted, so each area's keys stay together"
    for key in zh:
        assert KEY.fullmatch(key), f"{key}: keys are dotted, area.group.name"
        assert zh[key].strip() and en[key].strip(), f"{key} is empty"
        assert _fields(zh[key]) == _fields(en[key]), f"{key}: the placeholders differ"
        assert all(name.isidentifier() for name, _, _ in _fields(zh[key])), key


def test_the_two_tables_have_their_own_areas():
    areas = [{key.split(".")[0] for key in _table(folder)["zh-CN"]} for folder in sorted(TABLES)]
    assert set.intersection(*areas) == set()


@pytest.mark.parametrize("folder", sorted(TABLES))
def test_every_key_is_used_and_every_key_used_exists(folder):
    keys = set(_table(folder)["zh-CN"])
    areas = {key.split(".")[0] for key in keys}
    used = set()
    for path in _sources(*TABLES[folder]):
        used |= {text for _, _, text in _strings(path) if KEY.fullmatch(text) and text.split(".")[0] in areas}
    assert sorted(used - keys) == [], "keys used but not in the table"
    assert sorted(keys - used) == [], "keys in the table that no code uses"


def test_lookups_fill_placeholders_and_refuse_what_is_missing(tmp_path):
    for lang, text in (("zh-CN", "第 {n} 版：{name}"), ("en", "version {n}: {name}")):
        (tmp_path / f"{lang}.json").write_text(json.dumps({"a.b.c": text}), encoding="utf-8")
    words = Catalog(tmp_path)
    assert words.pair("a.b.c", n=3, name="x") == ("第 3 版：x", "version 3: x")
    assert words.both("a.b.c", n=1, name={"zh-CN": "甲", "en": "A"}) == {"zh-CN": "第 1 版：甲", "en": "version 1: A"}
    assert words.text("a.b.c", "en", n=2, name="y") == "version 2: y"
    with pytest.raises(KeyError):
        words.text("a.b.c", n=1)
    with pytest.raises(KeyError):
        words.text("a.b.d", n=1, name="x")


def test_no_chinese_text_outside_the_translation_tables():
    found = []
    for path in _sources("geo", "layers", "web", "server.py"):
        rel = _rel(path)
        found += [f"{rel}:{line} ({owner}): {text[:60]!r}" for owner, line, text in _strings(path)
                  if CJK.search(text) and not _allowed(rel, owner)]  # fmt: skip
    assert found == [], "put these in a translation table (docs/i18n.md):\n" + "\n".join(found)


def test_every_data_place_still_holds_chinese_text():
    for place, owner in DATA:
        texts = [text for path in _sources(place) for name, _, text in _strings(path) if owner in (None, name)]
        assert any(CJK.search(text) for text in texts), (place, owner)
