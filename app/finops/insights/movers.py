"""Pure ranking of cost movers between two equal windows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal


@dataclass(frozen=True)
class Mover:
    """One dimension value's cost in the current and the previous window."""

    key: str | None
    current: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def change_percent(self) -> Decimal | None:
        if self.previous == 0:
            return None
        return (self.change * 100 / abs(self.previous)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_EVEN
        )


def rank_movers(
    current: dict[str | None, Decimal], previous: dict[str | None, Decimal], *, top: int = 5
) -> tuple[list[Mover], list[Mover]]:
    """The ``top`` biggest rises and falls by absolute change (ties by key), zero changes out."""
    keys = set(current) | set(previous)
    movers = [Mover(k, current.get(k, Decimal(0)), previous.get(k, Decimal(0))) for k in keys]
    rising = sorted((m for m in movers if m.change > 0), key=lambda m: (-m.change, m.key or ""))[
        :top
    ]
    falling = sorted((m for m in movers if m.change < 0), key=lambda m: (m.change, m.key or ""))[
        :top
    ]
    return rising, falling
