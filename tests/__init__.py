"""The test suite: a package of its own, so that a ``tests`` package some dependency installs (pygeoapi 0.21 ships
one into site-packages) cannot shadow ``tests.conftest`` and ``tests.postgis_support``."""
