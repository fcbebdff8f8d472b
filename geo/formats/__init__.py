"""File formats: reading uploads and command-line inputs, their row checks, encodings, OSM extracts and exports."""
