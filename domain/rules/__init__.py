"""Pure business rules: no ORM, no I/O, unit-tested in microseconds."""
