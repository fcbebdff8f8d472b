"""The store under test for the contract suite: a fresh, empty store of the backend chosen by
``TEST_STORE_URL`` (the root conftest's ``backend`` fixture), opened through ``open_store`` only, with the
catalogue's built-in layers and a settable clock."""

from __future__ import annotations

import pytest

from layers.catalogue import load_catalogue
from layers.store import open_store


@pytest.fixture
def store(backend, clock):
    store = open_store(backend, clock=clock)
    store.sync_builtin_layers(load_catalogue())
    yield store
    store.close()
