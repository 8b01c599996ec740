"""``make bench``: the benchmark command (``python -m benchmarks.run``) and its scenarios."""
