"""Pure GIS helpers for the sanitation-campaign map: no Flask, no database, no global state."""
