"""No state file content makes `validate` crash: malformed inputs end in exit 0 or 3 with a message."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli import cli

SEED = b"""# yaml-language-server: $schema=../schemas/state-file.schema.json
groups:
  - id: everyone
    name: Everyone
  - id: analysts
    name: Analysts
    parents: [everyone]
    permissions:
      - {name: SEE, assignee: {id: everyone, type: userGroup}}
users:
  - &jane
    id: jane.doe
    email: jane.doe@acme.com
    firstname: Jane
    lastname: "Doe"
    authId: 'auth0|5f1c'
    userGroups: [analysts, adminGroup]
    settings:
      - {id: locale, type: LOCALE, content: {value: en-US}}
    systemAccount: false
  - <<: *jane
    id: john
    email: null
    authId: null
    userGroups:
      - everyone
"""
TOKENS = [
    b"\t",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b":",
    b"- ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"&a ",
    b"*a",
    b"!!int ",
    b"!x ",
    b"<<: ",
    b"---\n",
    b"\n",
    b"  ",
    b"'",
    b'"',
    b"#",
    b"?",
    b"|",
    b">",
    b"%YAML 1.1\n",
    b"\\",
    b"\xc3",
    b"\r",
    b"null",
    b"~",
    b"1e9",
    b"0x",
    b"2020-01-01",
    b"@",
    b"`",
    b"id: ",
]
SWAPS = [
    b"[]",
    b"{}",
    b"null",
    b"123",
    b"true",
    b"[a, b]",
    b"{x: 1}",
    b"''",
    b"-1.5",
    b"*jane",
    b"!!binary x",
]


def mutate(rng: random.Random, text: bytes) -> bytes:
    """One to four random edits: byte edits, token inserts, truncation, indentation changes, type swaps."""
    data = bytearray(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:  # replace a byte
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:  # insert a YAML-significant token
            data[pos:pos] = rng.choice(TOKENS)
        elif op == 2:  # truncate
            del data[pos:]
        elif op == 3:  # indent or dedent one line
            lines = bytes(data).split(b"\n")
            i = rng.randrange(len(lines))
            lines[i] = (b" " * rng.randint(1, 3) + lines[i]) if rng.random() < 0.5 else lines[i].lstrip(b" ")
            data = bytearray(b"\n".join(lines))
        elif op == 4:  # swap a value's type
            lines = bytes(data).split(b"\n")
            candidates = [i for i, line in enumerate(lines) if b": " in line]
            if candidates:
                i = rng.choice(candidates)
                key, _, _ = lines[i].partition(b": ")
                lines[i] = key + b": " + rng.choice(SWAPS)
                data = bytearray(b"\n".join(lines))
        else:  # delete a span
            del data[pos : pos + rng.randint(1, 20)]
    return bytes(data)


def run(tmp_path: Path, contents: list[bytes]) -> tuple[int, str]:
    state = tmp_path / "state"
    if state.exists():
        for old in state.iterdir():
            old.unlink()
    state.mkdir(exist_ok=True)
    for i, content in enumerate(contents):
        (state / f"f{i}.yaml").write_bytes(content)
    result = CliRunner().invoke(cli, ["validate"], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crash: {result.exception!r} on {contents!r}"
    )
    return result.exit_code, result.stdout


def check(code: int, out: str) -> None:
    assert code in (0, 3), out
    lines = out.splitlines()
    assert lines, "no message"
    if code == 0:
        assert lines[-1].startswith("ok: ")
    else:
        assert " error" in lines[-1] or " warning" in lines[-1]
        assert all(": error: " in line or ": warning: " in line for line in lines[:-1])


def test_seed_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(tmp_path, [SEED]) == (0, "ok: 2 users, 2 groups in 1 file\n")


def test_300_mutated_state_trees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(20260311)
    outcomes = {0: 0, 3: 0}
    for _ in range(300):
        contents = [mutate(rng, SEED) for _ in range(rng.randint(1, 2))]
        code, out = run(tmp_path, contents)
        check(code, out)
        outcomes[code] += 1
    assert outcomes[3] > 150  # the mutations really do break things


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))
    )
)
def test_arbitrary_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run(tmp_path, [content])
    check(code, out)
