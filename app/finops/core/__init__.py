"""What every capability shares: errors, money, units, date windows, paging, status lifecycles,
and the base classes of input and view models. Depends on nothing else in ``finops``."""
