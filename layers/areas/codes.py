"""Area codes: the prefixes of the 15-digit grid-cell codes (6 digits of district by GB/T 2260, 3 of
street office, 3 of community, 3 of cell) and the level each length names."""

from __future__ import annotations

from layers.errors import Detail, ValidationFailed

LEVEL_DIGITS = {"district": 6, "street": 9, "community": 12, "cell": 15}
LEVELS = tuple(LEVEL_DIGITS)
_BY_LENGTH = {n: level for level, n in LEVEL_DIGITS.items()}


def level_of(code: object) -> str | None:
    """The level a code names, or None when it is not 6, 9, 12 or 15 digits.

    >>> level_of("510104001"), level_of("51010")
    ('street', None)
    """
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        return None
    return _BY_LENGTH.get(len(code))


def parent_of(code: str) -> str | None:
    """The code of the area one level up (None for a district).

    >>> parent_of("510104001002"), parent_of("510104")
    ('510104001', None)
    """
    return None if len(code) <= LEVEL_DIGITS["district"] else code[:-3]


def lineage(code: str) -> list[str]:
    """The codes from the district down to ``code`` itself.

    >>> lineage("510104001")
    ['510104', '510104001']
    """
    return [code[:n] for n in LEVEL_DIGITS.values() if n <= len(code)]


def within(code: str, scope: str | None) -> bool:
    """Is the area ``code`` inside the area ``scope`` (itself included; None is the whole city)?"""
    return scope is None or code.startswith(scope)


def bad_code(field: str, value: object) -> ValidationFailed:
    """The 422 for a value that is not an area code."""
    return ValidationFailed(
        key="errors.area.bad_code", params={"field": field},
        details=[Detail(field, "invalid_value", f"{value!r} is not an area code: 6, 9, 12 or 15 digits")],
    )  # fmt: skip


def check_code(value: object, field: str = "area") -> str:
    """``value`` when it is an area code, else the 422 naming ``field``."""
    if level_of(value) is None:
        raise bad_code(field, value)
    return value  # type: ignore[return-value]


def check_level(value: object, field: str = "level") -> str:
    if value not in LEVEL_DIGITS:
        raise ValidationFailed(
            key="errors.area.bad_level", params={"field": field},
            details=[Detail(field, "invalid_value", f"one of {', '.join(LEVELS)}")],
        )  # fmt: skip
    return value  # type: ignore[return-value]
