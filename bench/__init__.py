"""Performance benchmarks: ``python bench/run.py`` (or ``make bench``). Not part of the tests."""
