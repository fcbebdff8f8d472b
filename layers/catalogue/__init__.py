"""The layer catalogue: definitions as data (``*.json`` here), property schemas, layer roles, features, frames
and extents."""

from layers.catalogue.load import (
    load_catalogue,
)
from layers.catalogue.roles import (
    ROLES,
    facility,
    role_layer,
    with_role,
)

__all__ = [
    "ROLES",
    "facility",
    "load_catalogue",
    "role_layer",
    "with_role",
]
