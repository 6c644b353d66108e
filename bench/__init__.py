"""Benchmarks: figures, not tests. Each module runs from the repository root as `python -m bench.NAME` (`make bench`,
`make reliability`) and imports what it shares with the tests from `tests.support`."""
