"""Benchmarks of the Lever extractor and the dbt build against the sandbox (`make bench`, issue 7)."""
