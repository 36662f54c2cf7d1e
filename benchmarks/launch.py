"""The launcher every measured step runs under: `python -S -I launch.py RESULT CMD...`.

A child forked from a large process reports the larger of its own peak RSS and the parent's (Linux keeps the
forked address space's high-water mark across exec), so the harness, which grows to hundreds of MiB, cannot
measure its children directly. This script starts small (no site, only `os`, `sys` and `time`), forks and
execs CMD, waits for it, and writes `seconds maxrss_kib exitcode` of exactly that child to RESULT. The wall
time runs from the fork to the child's exit: the launcher's own start is not counted.
"""

import os
import sys
import time


def main() -> None:
    """Fork, exec, wait4; write the child's wall time, ru_maxrss and exit code."""
    result, args = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child becomes CMD
        try:
            os.execvp(args[0], args)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(result, "w", encoding="utf-8") as fh:
        fh.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")


if __name__ == "__main__":
    main()
