"""What ``python -m geo`` says: the bilingual ``CliError``, UTF-8 lines on stdout and stderr, and the summary
as plain JSON.
"""

from __future__ import annotations

import math

import numpy as np


class CliError(Exception):
    """A bad argument found after parsing, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def plain(value):
    """The summary as plain JSON: numpy numbers as numbers, NaN as null, anything else odd as text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def say(stream, text: str, *, one_line: bool = True) -> None:
    """Text in UTF-8, whatever the locale of the terminal; a message as one line."""
    data = ((" ".join(text.splitlines()) if one_line else text) + "\n").encode("utf-8")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8"))
