"""The layer catalogue: definitions as data (``*.json`` here), property schemas, features, frames and extents."""

from layers.catalogue.load import (
    load_catalogue,
)

__all__ = [
    "load_catalogue",
]
