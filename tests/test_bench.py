"""Every benchmark in bench/ still works: a tiny run of each script (about a thousand points, one repeat)
must exit 0 and print its Markdown table with our figure and the baseline's side by side. The figures
themselves are never checked (a bench measures, the reader judges: bench/README.md); this only keeps a
bench from rotting unseen, as bench_map_render.py once did when the page's Content-Security-Policy made
its wait fail and it printed "our map: did not render" with nobody running it. With ``TEST_STORE_URL`` set the
scripts that measure PostGIS (``BENCH_STORE_URL``) do so too, so their PostGIS baselines run as well."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

# The tiny run of each script: its own size options at their smallest useful values, one repeat.
TINY = {
    "bench_bbox_query.py": ["--points", "1000", "--queries", "2", "--baseline-queries", "1", "--warmup", "0"],
    "bench_point_payload.py": ["--points", "1000", "--queries", "1", "--cold", "1", "--repeats", "1",
                               "--baseline-repeats", "1"],
    "bench_map_render.py": ["--points", "1000", "--runs", "1", "--baseline-timeout", "60"],
    "bench_coverage.py": ["--buildings", "1000", "--bins", "100", "--edges", "1000", "--facilities", "100",
                          "--targets", "1000", "--candidates", "10", "--repeats", "1", "--baseline-repeats", "1"],
    "bench_gaps.py": ["--side", "6", "--lamps", "100", "--repeats", "1", "--baseline-repeats", "1"],
    "bench_siting.py": ["--targets", "1000", "--candidates", "100", "--repeats", "1", "--exact-targets", "200",
                        "--exact-candidates", "50", "--baseline-targets", "500", "--baseline-candidates", "50",
                        "--time-limit", "10"],
    "bench_import.py": ["--rows", "1000"],
    "bench_leaders.py": ["--cases", "1000", "--repeats", "1"],
    "bench_writes.py": ["--clients", "4", "--seconds", "1"],
    "bench_demo_city.py": ["--scale", "0.0005"],
}  # fmt: skip


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Each Markdown table in ``text`` as rows of cells (header first, the |---| line left out).

    >>> markdown_tables("x\\n| a | b |\\n|---|---|\\n| 1 | 2 |\\ny")
    [[['a', 'b'], ['1', '2']]]
    """
    tables, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def ours_and_baseline(table: list[list[str]]) -> list[tuple[str, str]]:
    """(ours, baseline) of each row where both columns hold a figure: the first columns whose heading
    starts with "ours" and with "baseline"."""
    header = [cell.lower() for cell in table[0]]
    ours = next((i for i, cell in enumerate(header) if cell.startswith("ours")), None)
    base = next((i for i, cell in enumerate(header) if cell.startswith("baseline")), None)
    if ours is None or base is None:
        return []
    return [(row[ours], row[base]) for row in table[1:]
            if len(row) == len(header) and re.search(r"\d", row[ours]) and re.search(r"\d", row[base])]  # fmt: skip


def test_every_bench_script_has_a_tiny_run():
    assert sorted(path.name for path in BENCH.glob("bench_*.py")) == sorted(TINY)


def test_a_table_without_the_baseline_figure_does_not_count():
    text = "| measure | ours | baseline |\n|---|---|---|\n| render | 982 ms | no render |\n"
    assert ours_and_baseline(markdown_tables(text)[0]) == []
    assert ours_and_baseline(markdown_tables(text.replace("no render", "306 ms"))[0]) == [("982 ms", "306 ms")]


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_tiny_run_prints_our_figure_and_the_baselines(script):
    # The scripts' temporary folders land in a folder of their own with a short path (Chromium's socket path
    # under a deep pytest folder, as under pytest-xdist's popen-gwN, exceeds the 108 bytes a socket allows);
    # on a PostGIS test run they measure PostGIS too (in a schema of their own in the test database), with
    # their PostGIS baselines.
    postgis = {"BENCH_STORE_URL": os.environ["TEST_STORE_URL"]} if os.environ.get("TEST_STORE_URL") else {}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        run = subprocess.run(
            [sys.executable, str(BENCH / script), *TINY[script]],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
            env={**os.environ, "TMPDIR": scratch, **postgis},
        )  # fmt: skip
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
    assert run.returncode == 0, tail
    pairs = [pair for table in markdown_tables(run.stdout) for pair in ours_and_baseline(table)]
    assert pairs, f"no table with our figure and the baseline's:\n{tail}"
