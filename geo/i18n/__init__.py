"""The words ``geo/`` shows people (the ``python -m geo`` command line, the standalone result maps, file
notes), in ``zh-CN.json`` and ``en.json`` beside this file; `Catalog` also serves ``layers.i18n``
(docs/i18n.md)."""

from pathlib import Path

from geo.i18n.catalog import LANGUAGES, Catalog

WORDS = Catalog(Path(__file__).parent)
text, pair, both, bilingual = WORDS.text, WORDS.pair, WORDS.both, WORDS.bilingual

__all__ = ["LANGUAGES", "WORDS", "Catalog", "bilingual", "both", "pair", "text"]
