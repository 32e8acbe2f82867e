"""Database layer: engine and session, typed models, portable column types, migrations."""
