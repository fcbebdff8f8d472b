"""Read the built-in layer catalogue (``layers/catalogue/*.json``) and check every definition."""

from __future__ import annotations

import json
from pathlib import Path

from layers.catalogue.schema import check_layer_definition

CATALOGUE_DIR = Path(__file__).parent


def load_catalogue(directory: Path = CATALOGUE_DIR) -> list[dict]:
    """Every built-in layer definition, ordered by ``order``; raise ValueError naming a bad file."""
    definitions = []
    for path in sorted(directory.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        problems = check_layer_definition(definition)
        if problems:
            raise ValueError(f"{path.name}: {problems}")
        if definition["id"] != path.stem:
            raise ValueError(f"{path.name}: id {definition['id']!r} must match the file name")
        definitions.append(definition)
    return sorted(definitions, key=lambda d: (d.get("order", 1000), d["id"]))
