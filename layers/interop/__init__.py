"""Documents for other systems: OGC API - Features and Open311 GeoReport v2, as plain data."""
