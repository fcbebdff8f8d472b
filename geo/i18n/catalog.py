"""A read-only translation table: dotted keys (``cli.error.no_network``) to texts in zh-CN and English, read
from one JSON file per language, with ``{name}`` placeholders filled by ``str.format``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

LANGUAGES = ("zh-CN", "en")


class Catalog:
    """The texts of ``<folder>/zh-CN.json`` and ``<folder>/en.json``.

    A parameter given as a ``{"zh-CN": ..., "en": ...}`` mapping (what `both` returns, or a bilingual value of
    the catalogue) is filled with its own language's text, so bilingual texts compose.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "zh-CN.json").write_text('{"a.b.c": "共 {n} 处"}', encoding="utf-8")
    >>> _ = (folder / "en.json").write_text('{"a.b.c": "{n} places"}', encoding="utf-8")
    >>> Catalog(folder).pair("a.b.c", n=3)
    ('共 3 处', '3 places')
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tables = MappingProxyType({
            lang: MappingProxyType(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
            for lang in LANGUAGES
        })  # fmt: skip

    def text(self, key: str, lang: str = "zh-CN", /, **params: object) -> str:
        """The text of ``key`` in ``lang`` with its placeholders filled; a missing key or parameter raises."""
        values = {name: value[lang] if isinstance(value, Mapping) else value for name, value in params.items()}
        return self.tables[lang][key].format_map(values)

    def pair(self, key: str, /, **params: object) -> tuple[str, str]:
        """``(zh-CN text, English text)``."""
        return self.text(key, "zh-CN", **params), self.text(key, "en", **params)

    def both(self, key: str, /, **params: object) -> dict[str, str]:
        """``{"zh-CN": ..., "en": ...}``, the shape bilingual values have in documents and summaries."""
        return {lang: self.text(key, lang, **params) for lang in LANGUAGES}

    def bilingual(self, key: str, /, **params: object) -> str:
        """``"图层集合 / Collections"``: both texts in one label, Chinese first. A full-width bracket carries
        its own space, so none is added before the slash after one (``"范围（经纬度）/ Extent"``)."""
        zh, en = self.pair(key, **params)
        return f"{zh}{'' if zh.endswith('）') else ' '}/ {en}"
