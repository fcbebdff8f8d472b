"""The words of the server (error messages, OGC and Open311 documents, the leaders' report and exports), in
``zh-CN.json`` and ``en.json`` beside this file, looked up by dotted key (docs/i18n.md)."""

from pathlib import Path

from geo.i18n import LANGUAGES, Catalog

WORDS = Catalog(Path(__file__).parent)
text, pair, both, bilingual = WORDS.text, WORDS.pair, WORDS.both, WORDS.bilingual

__all__ = ["LANGUAGES", "WORDS", "bilingual", "both", "pair", "text"]
