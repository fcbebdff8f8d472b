"""``python -m geo``: the analyses on files, without the server (parser, commands, output)."""

from geo.cli.run import (
    ROLES,
    build_parser,
    main,
)

__all__ = [
    "ROLES",
    "build_parser",
    "main",
]
