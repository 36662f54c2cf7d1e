"""Running one measured step in a fresh process (wall time, peak RSS) and the emulator as its own process."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.emulator import DEFAULT_TOKEN
from reconciler.emulator.certs import self_signed

PYTHON = sys.executable
TOKEN = DEFAULT_TOKEN  # the emulator's default (Community Edition) token
LAYOUT = "/api/v1/layout/usersAndUserGroups"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Measurement:
    """One process: wall seconds from spawn to exit, its peak RSS in MiB, exit code and output."""

    seconds: float
    rss_mib: float
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str, ok: Sequence[int] = (0,)) -> Measurement:
        """Raise with the process's stderr when it exited with a code outside `ok`."""
        if self.returncode not in ok:
            raise RuntimeError(f"{what} exited {self.returncode}:\n{self.stderr[-3000:]}")
        return self


LAUNCHER = Path(__file__).with_name("launch.py")


def run(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 3600
) -> Measurement:
    """Run `args` in a fresh process under the small launcher (benchmarks/launch.py): wall time and peak RSS
    of exactly that process, not inflated by the harness's own size."""
    out_path, err_path, res_path = cwd / ".bench-stdout", cwd / ".bench-stderr", cwd / ".bench-result"
    res_path.unlink(missing_ok=True)
    launcher = [PYTHON, "-S", "-I", str(LAUNCHER), str(res_path), *args]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(  # noqa: S603
            launcher, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    err_path.unlink()
    if not res_path.exists():
        return Measurement(float(timeout), 0.0, -9, stdout, stderr + "\n(killed: timeout)")
    seconds, maxrss_kib, code = res_path.read_text(encoding="utf-8").split()
    res_path.unlink()
    return Measurement(float(seconds), int(maxrss_kib) / 1024, int(code), stdout, stderr)


def median_of(n: int, args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> Measurement:
    """The run with the median wall time of `n` runs of `args` (short commands vary run to run)."""
    runs = sorted((run(args, cwd=cwd, env=env) for _ in range(n)), key=lambda m: m.seconds)
    return runs[len(runs) // 2]


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for measured processes: the bench token, no color, plus `extra`."""
    env = dict(os.environ)
    env.update(BENCH_TOKEN=TOKEN, NO_COLOR="1", PYTHONHASHSEED="0")
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com")
    env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    env.pop("GOODDATA_HOST", None)
    env.pop("GOODDATA_TOKEN", None)
    env.update(extra)
    return env


@dataclass(frozen=True)
class RunningEmulator:
    """An emulator process and the URL it printed."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def emulator(
    workdir: Path, *, certfile: Path | None = None, keyfile: Path | None = None, latency: float = 0.0
) -> Iterator[RunningEmulator]:
    """`python -m reconciler emulator --port 0` as a separate process (in memory), answering each request
    after `latency` seconds; stopped on exit."""
    args = [PYTHON, "-m", "reconciler", "emulator", "--port", "0", "--latency", str(latency)]
    if certfile is not None:
        args += ["--certfile", str(certfile)]
    if keyfile is not None:
        args += ["--keyfile", str(keyfile)]
    proc = subprocess.Popen(args, cwd=workdir, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().decode().strip()
        if not first.startswith("listening on "):
            raise RuntimeError(f"emulator did not start: {first!r}")
        yield RunningEmulator(first.split()[-1], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made now with the openssl CLI."""
    return self_signed(directory)


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, Python version and OS of this machine."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                ram_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(ram_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }
