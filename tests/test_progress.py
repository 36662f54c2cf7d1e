"""Long operations show progress (issue 10 §6): redrawn in place on a terminal, a line per stage elsewhere,
nothing with -q, and nothing at all for library use."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from reconcile_helpers import TOKEN_VAR, Repo, running, user

from reconciler.client import ClientOptions, GoodDataClient, RetryPolicy
from reconciler.emulator import Emulator, Fault
from reconciler.lock import target_lock
from reconciler.progress import NULL, LineProgress, TerminalProgress, for_stream

TOKEN = "tok-progress-Vb27-distinctive"
GROUPS = [{"id": "everyone", "name": "Everyone"}]
USERS = [user("jane", "everyone"), user("joe", "everyone")]
SECONDS = r"\d+\.\d s"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    yield from running(TOKEN)


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    return Repo.with_state(tmp_path / "org", emu, TOKEN, groups=GROUPS, users=USERS)


def matching(pattern: str, text: str) -> list[str]:
    return [line for line in text.splitlines() if re.fullmatch(pattern, line)]


# -- the two displays ----------------------------------------------------------------------------------


def test_line_progress_writes_a_line_per_finished_stage_with_its_duration() -> None:
    out = io.StringIO()
    progress = LineProgress(out)
    with progress.stage("loading the state files", total=3, unit="files") as stage:
        stage.advance(3)
        stage.done("loaded 3 state files (2 users, 1 group)")
    with progress.stage("reading the profile", done="read the profile"):
        progress.notice("reading the profile: retrying in 0.5 s (connection refused, attempt 2 of 6)")
    with pytest.raises(RuntimeError), progress.stage("writing", done="wrote"):
        raise RuntimeError("a failed stage is told by its error, not by a done line")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert re.fullmatch(rf"loaded 3 state files \(2 users, 1 group\) in {SECONDS}", lines[0])
    assert lines[1] == "reading the profile: retrying in 0.5 s (connection refused, attempt 2 of 6)"
    assert re.fullmatch(rf"read the profile in {SECONDS}", lines[2])
    assert "\r" not in out.getvalue()


def test_terminal_progress_redraws_one_line_in_place_and_clears_it() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out)
    with progress.stage("loading the state files", total=20, unit="files") as stage:
        stage.advance(5)
        progress.notice("a notice goes above the progress line")  # and the line is drawn again at once
    text = out.getvalue()
    assert "a notice goes above the progress line\n" in text
    drawn = re.search(r"\r. loading the state files \[#####-{15}\] 5 of 20 files \d+\.\d s\x1b\[K", text)
    assert drawn, repr(text)
    assert text.endswith("\r\x1b[K")  # nothing is left on the line once the stage ends
    assert "\n" not in text.replace("a notice goes above the progress line\n", "")


def test_byte_counts_are_megabytes() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out)
    with progress.stage("reading the users and groups", total=31_000_000, unit="bytes") as stage:
        stage.advance(12_345_678)
        progress.notice("-")
    assert "12.3 of 31.0 MB" in out.getvalue()


def test_the_cli_picks_the_display_from_the_stream() -> None:
    out = io.StringIO()
    assert for_stream(out, quiet=True, terminal=True) is NULL
    assert isinstance(for_stream(out, quiet=False, terminal=True), TerminalProgress)
    assert isinstance(for_stream(out, quiet=False, terminal=False), LineProgress)


def test_library_use_is_silent(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    emu.faults.add(Fault.status(503), method="GET")
    retry = RetryPolicy(total=2, backoff_factor=0.001, backoff_jitter=0.0)
    with GoodDataClient(emu.url, TOKEN, options=ClientOptions(retry=retry)) as client:
        client.put_layout(client.get_layout())
    assert capsys.readouterr() == ("", "")


# -- without a terminal (CI): a line per stage -------------------------------------------------------


def test_plan_and_apply_without_a_terminal_show_a_line_per_stage(repo: Repo) -> None:
    host = re.escape(repo.emulator.url)
    plan = repo.run("plan")
    assert plan.exit_code == 0, plan.output
    assert matching(rf"loaded 2 state files \(2 users, 1 group\) in {SECONDS}", plan.stderr), plan.stderr
    assert matching(rf"read 1 user and 1 group from {host} in {SECONDS}", plan.stderr), plan.stderr
    assert "\r" not in plan.stderr

    apply = repo.run("apply", "--auto-approve")
    assert apply.exit_code == 0, apply.output
    assert matching(rf"wrote 3 users and 2 groups to {host} in {SECONDS}", apply.stderr), apply.stderr
    # the read-back is the bytes the PUT sent (the emulator answers so): hashed, not parsed
    assert matching(rf"read the users and groups from {host}: as sent in {SECONDS}", apply.stderr), (
        apply.stderr
    )
    assert matching(rf"verified the organization in {SECONDS}", apply.stderr), apply.stderr
    # The stage lines are on stderr: stdout is the plan and the result, as before.
    assert " in 0." not in apply.stdout and "Apply complete" in apply.stdout


def test_quiet_shows_no_progress(repo: Repo) -> None:
    result = repo.run("-q", "apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert not matching(rf".* in {SECONDS}", result.stderr), result.stderr


def test_the_lock_wait_is_a_stage(repo: Repo) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with target_lock(repo.root, "test"):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(30)
        threading.Timer(0.5, release.set).start()
        result = repo.run("apply", "--auto-approve")
    finally:
        release.set()
        holder.join()
    assert result.exit_code == 0, result.output
    waited = rf"waited for another apply to test to finish \(pid {os.getpid()}\) in {SECONDS}"
    assert matching(waited, result.stderr), result.stderr


# -- on a terminal: redrawn in place -----------------------------------------------------------------


def run_on_a_terminal(repo: Repo, *args: str) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal: the exit code, stdout and what the terminal got."""
    import fcntl
    import pty
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))  # 24 rows, 200 columns
    env = {**os.environ, TOKEN_VAR: TOKEN, "NO_COLOR": "1", "TERM": "xterm"}
    for name in ("GOODDATA_HOST", "GOODDATA_TOKEN"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--config", str(repo.root / "reconciler.yaml"), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks: list[bytes] = []

    def pump() -> None:  # read as it comes: a full terminal buffer would block the child
        while True:
            try:
                data = os.read(primary, 4096)
            except OSError:  # EIO: the child closed its side
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=pump)
    reader.start()
    try:
        stdout, _ = proc.communicate(timeout=120)
    finally:
        reader.join(30)
        os.close(primary)
    return proc.returncode, stdout.decode(), b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_progress_is_redrawn_in_place(tmp_path: Path) -> None:
    # Each answer takes 0.6 s, as from a distant GoodData: long enough for the line to be drawn.
    with Emulator(token=TOKEN, latency=0.6) as emu:
        repo = Repo(tmp_path / "org", emu, TOKEN).setup()
        repo.write_state(groups=GROUPS, users=USERS)
        code, stdout, terminal = run_on_a_terminal(repo, "apply", "--auto-approve")
        assert code == 0, stdout + terminal
        assert "Apply complete" in stdout
        host = re.escape(emu.url)
        assert re.search(rf"\r. reading the users and groups from {host} .*\d+\.\d s\x1b\[K", terminal), (
            terminal
        )
        assert re.search(rf"\r. writing 3 users and 2 groups \(0\.0 MB\) to {host} .*\x1b\[K", terminal), (
            terminal
        )
        assert not re.search(
            rf"read \d+ users? and \d+ groups? from .* in {SECONDS}", terminal
        )  # no log lines

        code, stdout, terminal = run_on_a_terminal(repo, "-q", "plan")
        assert code == 0, stdout + terminal
        assert "reading" not in terminal and "\x1b[K" not in terminal, terminal
