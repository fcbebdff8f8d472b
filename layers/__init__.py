"""Layer catalogue, property schemas and the feature store (the only code that touches the database)."""
