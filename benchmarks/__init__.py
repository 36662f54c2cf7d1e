"""The performance harness of issue #7: `python -m benchmarks.run --sizes 1000,10000,100000`."""
