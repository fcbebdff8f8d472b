"""House rules for the front end, checked on the files themselves (no browser needed): no inline scripts,
handlers or style attributes, explicit .js imports, no HTML insertion, no CDN, every module of a page
preloaded by that page, and translation tables that match each other and every key the code uses."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from .browser_support import ROOT

STATIC = ROOT / "static"
JS = STATIC / "js"
OURS = sorted(path for path in JS.rglob("*.js") if path.name != "chinacoords.js")
# Each page and its entry module.
PAGES = {"index.html": "map/main.js", "login.html": "common/login.js", "admin.html": "admin/admin.js",
         "field.html": "field/fieldMain.js", "import.html": "import/importMain.js",
         "compare.html": "leaders/compareMain.js", "dashboard.html": "leaders/dashboardMain.js",
         "report.html": "leaders/report.js", "inspect.html": "inspections/inspectMain.js",
         "scores.html": "inspections/scoresMain.js", "account.html": "account/accountMain.js"}
# Modules that server-rendered pages load (the /ogc HTML pages of web/ogc_html.py).
SERVER_PAGE_ENTRIES = ("ogc/ogcMap.js",)
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']""", re.M)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def _page(name: str) -> _Collector:
    parser = _Collector()
    parser.feed((STATIC / name).read_text(encoding="utf-8"))
    return parser


def _imports(path) -> set:
    """Every module ``path`` imports, directly or not, as resolved paths."""
    seen, todo = set(), [path.resolve()]
    while todo:
        current = todo.pop()
        for spec in IMPORT.findall(current.read_text(encoding="utf-8")):
            target = (current.parent / spec).resolve()
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_have_no_inline_script_style_or_handler(name):
    page = _page(name)
    assert page.script_bodies == []
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [attr for attr in attrs if attr.startswith("on")], (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in page.tags)
    assert any(tag == "script" and attrs.get("type") == "module" and attrs.get("src") == f"/static/js/{PAGES[name]}"
               for tag, attrs in page.tags)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_module_of_a_page_is_preloaded(name):
    preloaded = {attrs["href"] for tag, attrs in _page(name).tags
                 if tag == "link" and attrs.get("rel") == "modulepreload"}
    for href in preloaded:
        assert (ROOT / href.lstrip("/")).is_file(), href
    needed = {"/" + str(path.relative_to(ROOT)) for path in _imports(JS / PAGES[name])}
    assert needed <= preloaded, sorted(needed - preloaded)
    assert preloaded <= needed, f"preloaded but not used: {sorted(preloaded - needed)}"


def test_every_module_belongs_to_a_page():
    entries = [*PAGES.values(), *SERVER_PAGE_ENTRIES]
    used = set().union(*(_imports(JS / entry) | {(JS / entry).resolve()} for entry in entries))
    unused = sorted(path.name for path in JS.rglob("*.js") if path.resolve() not in used)
    assert unused == []


def test_module_paths_differ_on_case_insensitive_file_systems():
    """Windows offices check the code out too: two modules whose paths differ only in case would collide."""
    paths = [str(path.relative_to(STATIC)).lower() for path in STATIC.rglob("*") if "vendor" not in path.parts]
    assert len(paths) == len(set(paths)), sorted(p for p in paths if paths.count(p) > 1)


def test_modules_follow_the_house_rules():
    for path in OURS:
        text = path.read_text(encoding="utf-8")
        for spec in IMPORT.findall(text):
            assert spec.startswith("./") or spec.startswith("../"), (path.name, spec)
            assert spec.endswith(".js"), (path.name, spec)
            assert (path.parent / spec).resolve().is_file(), (path.name, spec)
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path.name
        assert "outerHTML" not in text and "document.write" not in text, path.name
        assert not re.search(r"\bwindow\.\w+\s*=", text), path.name
        assert not re.search(r"https?://", text), f"{path.name} names a remote URL"
        assert "setAttribute(\"style\"" not in text and "setAttribute('style'" not in text, path.name
        assert "eval(" not in text and "new Function" not in text, path.name
    # Only the wrapper touches the supercluster global.
    users = [path.name for path in OURS if "globalThis.Supercluster" in path.read_text(encoding="utf-8")]
    assert users == ["supercluster.js"]


def test_translation_tables_match_and_cover_the_code():
    zh = json.loads((STATIC / "i18n" / "zh-CN.json").read_text(encoding="utf-8"))
    en = json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))
    assert set(zh) == set(en)
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert set(re.findall(r"\{(\w+)\}", zh[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key
    pages = [STATIC / name for name in PAGES]
    used = set()
    for path in OURS:
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    for path in pages:
        used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.]+)"', path.read_text(encoding="utf-8")))
    missing = sorted(used - set(zh))
    assert missing == [], missing
    # The analysis kinds' declarations (GET /api/analysis/kinds) name keys the panel looks up: they count as
    # used (tests/web/test_analysis_kinds.py checks that each of them is in the tables).
    from layers.analysis import declarations

    code = "".join(path.read_text(encoding="utf-8") for path in [*OURS, *pages]) + json.dumps(declarations())
    unused = sorted(key for key in zh if f'"{key}"' not in code)
    assert unused == [], unused
