"""Count HTTP requests client-side: every urllib3 `urlopen` (requests and GoodData's SDK both go through it).

`python -m benchmarks.counted ARGS...` runs the reconciler CLI with ARGS and, at exit, writes the counts by
method as JSON to the file named by BENCH_COUNTS. The pipelines side installs the same counter.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import sys
from pathlib import Path
from typing import Any

import urllib3.connectionpool

COUNTS: collections.Counter[str] = collections.Counter()


def install() -> None:
    """Patch urllib3 so every request (each retry too) is counted by method; save the counts at exit."""
    original = urllib3.connectionpool.HTTPConnectionPool.urlopen

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        COUNTS[method] += 1
        return original(self, method, url, *args, **kwargs)

    urllib3.connectionpool.HTTPConnectionPool.urlopen = urlopen  # type: ignore[method-assign]
    target = os.environ.get("BENCH_COUNTS")
    if target:
        atexit.register(lambda: Path(target).write_text(json.dumps(dict(COUNTS)), encoding="utf-8"))


if __name__ == "__main__":
    install()
    from reconciler.cli import main

    sys.argv = ["reconciler", *sys.argv[1:]]
    main()
