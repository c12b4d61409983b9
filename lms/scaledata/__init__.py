"""Synthetic association-sized data for benchmarks: ``flask lms seed-scale``.

Not a domain: nothing in the application imports it. It sits above every
domain (it writes their tables) and is used by ``tests/perf`` and the query-count
tests. :mod:`.plan` draws the rows (pure, deterministic for a seed),
:mod:`.learning` continues with the learning records, :mod:`.seed` writes them.
"""
