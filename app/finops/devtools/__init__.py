"""Tools only development and tests need, left out of the Lambda package (``make build``): the
demo, its local AWS scene and emulator, child-process helpers, the ER diagram and sample data."""
