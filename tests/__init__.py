"""The test suite. A package, so that its shared code is `tests.support` both here and in bench/."""
