"""JSON property values read with their JSON types: SQLite's ``json_extract`` gives ``1``/``0`` for JSON
``true``/``false``, so the SQL below marks booleans with one-byte blobs (which no JSON value is) and Python
turns them into ``True``/``False``. Filters compare booleans by JSON type, so ``True`` never matches 1."""

from __future__ import annotations

_TRUE, _FALSE = b"\x01", b"\x00"


def typed_extract(column: str) -> str:
    """SQL for one property of a JSON ``column`` with booleans marked; takes the JSON path twice."""
    return (
        f"CASE json_type({column}, ?) WHEN 'true' THEN X'01' WHEN 'false' THEN X'00'"
        f" ELSE json_extract({column}, ?) END"
    )


def typed_values(values: list) -> list:
    """``values`` read through :func:`typed_extract`, with the marked booleans as bool.

    >>> typed_values([b"\\x01", 1, None, b"\\x00"])
    [True, 1, None, False]
    """
    if _TRUE not in values and _FALSE not in values:  # a scan in C; most columns hold no boolean
        return values
    return [v if type(v) is not bytes else v == _TRUE for v in values]


def filter_clause(column: str, name: str, value) -> tuple[str, list]:
    """SQL and parameters for "property ``name`` of ``column`` equals ``value``" (or any of a list of values),
    JSON types respected: ``True`` matches only ``true``, ``1`` only the number."""
    path = f"$.{name}"
    values = sorted(value, key=repr) if isinstance(value, list | tuple | set | frozenset) else [value]
    flags = [v for v in values if isinstance(v, bool)]
    others = [v for v in values if not isinstance(v, bool)]
    parts, params = [], []
    if flags:
        parts.append(f"json_type({column}, ?) IN ({', '.join('?' * len(flags))})")
        params += [path, *("true" if v else "false" for v in flags)]
    if others:
        parts.append(f"json_extract({column}, ?) IN ({', '.join('?' * len(others))})")
        params += [path, *others]
        if any(type(v) is int and v in (0, 1) for v in others):  # SQLite reads true/false as 1/0
            parts[-1] = f"({parts[-1]} AND json_type({column}, ?) NOT IN ('true', 'false'))"
            params.append(path)
    if not parts:
        return "0", []
    return (parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})"), params
