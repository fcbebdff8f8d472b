"""The analyses on files, without the server: ``python -m geo coverage|gaps|proposals|hotspots ...``.

Reads any vector file GDAL opens (``geo.formats.layerio``), runs the pure functions of ``geo/``, writes the result
by extension, optionally a standalone HTML map (``geo.webmap``), and prints the summary as JSON.  Exit
status 0 when done, 2 for a bad argument or input, with one line on stderr in Chinese and English.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyproj

from geo import i18n
from geo.cli.commands import COMMANDS, TITLES, Inputs
from geo.cli.commands import OSM_CREDIT as OSM_CREDIT
from geo.cli.output import CliError, plain, say
from geo.cli.parser import ROLES, build_parser
from geo.formats.layerio import OUTPUT_FORMATS, LayerFileError, split_layer, write_layer

__all__ = ["ROLES", "build_parser", "main"]


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse unusable output paths before any work is done."""
    paths = [(args.output, tuple(OUTPUT_FORMATS)), (args.html, (".html", ".htm")), (args.summary, None)]
    for path, suffixes in paths:
        if path is None:
            continue
        target = Path(split_layer(path)[0])
        if suffixes is not None and target.suffix.lower() not in suffixes:
            raise CliError(*i18n.pair("cli.error.suffix", path=path, suffixes=", ".join(suffixes)))
        if not target.parent.is_dir():
            raise CliError(*i18n.pair("cli.error.no_directory", directory=target.parent))
    if args.inline and not args.html:
        raise CliError(*i18n.pair("cli.error.inline_needs_html"))


def _run(args: argparse.Namespace) -> dict:
    _check_outputs(args)
    inputs = Inputs(args)
    result, summary, layers = COMMANDS[args.command](args, inputs)
    for zh, en in write_layer(result, args.output):
        say(sys.stderr, " | ".join(i18n.pair("cli.note.line", note={"zh-CN": zh, "en": en})))
    summary = {**summary, "inputs": inputs.info, "output": args.output}
    if args.html:
        from geo.webmap import write_map

        summary["html"] = args.html
        shown = {k: v for k, v in summary.items() if k not in ("inputs", "output", "html")}
        write_map(args.html, layers, summary=shown, inline=args.inline, title=TITLES[args.command],
                  attribution=inputs.credits)  # fmt: skip
    return plain(summary)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 done, 2 bad argument or input)."""
    args = build_parser().parse_args(argv)
    try:
        summary = _run(args)
        text = json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False)
        if args.summary:
            try:
                Path(args.summary).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CliError(*i18n.pair("cli.error.summary_not_written", path=args.summary,
                                          reason=exc.strerror)) from None  # fmt: skip
    except (CliError, LayerFileError) as exc:
        reason = {"zh-CN": exc.zh, "en": exc.en}
        say(sys.stderr, f"python -m geo {args.command}: " + " | ".join(i18n.pair("cli.error.line", reason=reason)))
        return 2
    except (ValueError, TypeError, pyproj.exceptions.CRSError) as exc:
        say(sys.stderr, f"python -m geo {args.command}: " + " | ".join(i18n.pair("cli.error.invalid", reason=exc)))
        return 2
    say(sys.stdout, text, one_line=False)
    return 0
