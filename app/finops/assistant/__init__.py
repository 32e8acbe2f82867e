"""The assistant: a plain-language cost question becomes a typed, validated query plan, run
through the existing service layer only (no SQL from text, nothing written but the log), and
answered with the rows behind it and the REST request and CLI command that reproduce them."""
