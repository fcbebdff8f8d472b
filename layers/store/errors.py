"""The errors of the store contract: every backend raises these (never its driver's own) for the cases
the interface names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layers.store.values import FeatureVersion


class StaleVersion(Exception):
    """An update was based on a version that is no longer current; ``current`` is the current one."""

    def __init__(self, current: FeatureVersion) -> None:
        super().__init__(f"feature {current.fid} is at version {current.version}")
        self.current = current


class UnknownFeature(KeyError):
    """No such (live) feature in the layer."""


class LayerExists(Exception):
    """A layer with this id already exists."""


class UserExists(Exception):
    """A user with this name already exists."""


class StoreUrlError(ValueError):
    """The ``STORE_URL`` setting names no store this software can open (malformed, unknown scheme, or a
    backend that is not available yet). The message names the setting and what was wrong."""
