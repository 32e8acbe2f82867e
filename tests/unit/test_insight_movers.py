"""Ranking movers between two windows, by hand."""

from __future__ import annotations

from decimal import Decimal as Dec

from finops.insights import rank_movers


def test_rises_and_falls_ranked_by_absolute_change() -> None:
    current = {"EC2": Dec("150"), "S3": Dec("10"), "RDS": Dec("40"), "New": Dec("5")}
    previous = {"EC2": Dec("100"), "S3": Dec("30"), "RDS": Dec("40"), "Gone": Dec("7")}
    rising, falling = rank_movers(current, previous)
    assert [(m.key, m.change) for m in rising] == [("EC2", Dec("50")), ("New", Dec("5"))]
    assert [(m.key, m.change) for m in falling] == [("S3", Dec("-20")), ("Gone", Dec("-7"))]
    assert rising[0].change_percent == Dec("50.00")
    assert rising[1].change_percent is None  # nothing before: no percentage
    assert falling[0].change_percent == Dec("-66.67")


def test_top_limits_each_side() -> None:
    current = {str(i): Dec(i) for i in range(1, 10)}
    rising, falling = rank_movers(current, {}, top=3)
    assert [m.key for m in rising] == ["9", "8", "7"]
    assert falling == []
