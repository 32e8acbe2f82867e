"""``python -m finops.cli``: the same command line as the ``finops`` console script."""

from __future__ import annotations

from finops.cli import main

main()
