"""The access review on a long history (issue 15 §2): `python -m benchmarks.history --commits 5000`.

Builds, with one `git fast-import`, a repository whose state has USERS users in team files of 200 users
(--team-size) and whose mainline is a sequence of pull requests — GitHub merge commits (a branch commit and
its merge) and squash merges, each adding or removing a few memberships, adding or deleting a user, or
moving a group — until it holds COMMITS commits. Then times `reconciler review` (and `reconciler history`)
on it, each a fresh process.

`build` also returns the truth the generator knows: for every membership at the end, the mainline commit
that last added it; the tests compare the review with it.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEAM_SIZE = 200
START = 1767258000  # 2026-01-01T09:00:00Z
STEP = 3600  # an hour between commits
CONFIG = "state: state\nbackups: state/backups\n"


@dataclass
class Truth:
    """What the generator made: per (user, group) the mark of the commit that gave it, and the commits."""

    given: dict[tuple[str, str], int] = field(default_factory=dict)
    # mark → (author name, email, unix time, PR number or None) of every mainline commit
    mainline: dict[int, tuple[str, str, int, int | None]] = field(default_factory=dict)
    shas: dict[int, str] = field(default_factory=dict)
    commits: int = 0


@dataclass
class _Model:
    teams: list[dict[str, list[str]]]  # per team file: user id → its groups, in order
    parents: dict[str, list[str]]  # group id → its parents
    next_user: int


def _user_text(uid: str, groups: list[str], index: int) -> str:
    if index % 5 == 0:  # some entries write their groups as a block list
        items = "".join(f"      - {g}\n" for g in groups)
        return f"  - id: {uid}\n    email: {uid}@acme.test\n    userGroups:\n{items}"
    return f"  - id: {uid}\n    email: {uid}@acme.test\n    userGroups: [{', '.join(groups)}]\n"


def _team_file(team: int, users: dict[str, list[str]]) -> bytes:
    head = f"# team {team:03d}: its members, one entry each\nusers:\n"
    body = "".join(_user_text(uid, groups, int(uid[1:])) for uid, groups in users.items())
    return (head + body).encode()


def _groups_file(parents: dict[str, list[str]]) -> bytes:
    lines = ["# the group hierarchy", "groups:"]
    for gid, ps in parents.items():
        lines.append(f"  - id: {gid}")
        if ps:
            lines.append(f"    parents: [{', '.join(ps)}]")
    return ("\n".join(lines) + "\n").encode()


class _Stream:
    """The fast-import stream being written, and the marks it has used."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0

    def blob(self, data: bytes) -> int:
        self.mark += 1
        self.parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (self.mark, len(data), data))
        return self.mark

    def commit(
        self,
        ref: str,
        who: tuple[str, str],
        when: int,
        message: str,
        files: dict[str, int],
        parents: tuple[int, ...],
    ) -> int:
        self.mark += 1
        msg = message.encode()
        ident = f"{who[0]} <{who[1]}> {when} +0000".encode()
        out = [b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (ref.encode(), self.mark, ident, ident)]
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if parents:
            out.append(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.append(b"merge :%d\n" % p)
        for path, blob in files.items():
            out.append(b"M 100644 :%d %s\n" % (blob, path.encode()))
        self.parts.append(b"".join(out) + b"\n")
        return self.mark


def build(root: Path, *, users: int, commits: int, seed: int = 15, team_size: int = TEAM_SIZE) -> Truth:
    """A git repository at `root` with the generated history; the truth about its memberships."""
    rng = random.Random(seed)
    teams = max(1, users // team_size)
    projects = [f"proj-{i:02d}" for i in range(max(2, teams // 2))]
    parents: dict[str, list[str]] = {"employees": []}
    parents.update({f"team-{t:03d}": ["employees"] for t in range(teams)})
    parents.update({p: [f"team-{i % teams:03d}"] for i, p in enumerate(projects)})
    model = _Model([{} for _ in range(teams)], parents, users)
    for i in range(users):
        model.teams[i % teams][f"u{i:06d}"] = [f"team-{i % teams:03d}"]
    truth = Truth()
    s = _Stream()
    when = START
    files = {"reconciler.yaml": s.blob(CONFIG.encode()), "state/groups.yaml": s.blob(_groups_file(parents))}
    for t, team in enumerate(model.teams):
        files[f"state/users/team-{t:03d}.yaml"] = s.blob(_team_file(t, team))
    seed_who = ("Seed Admin", "seed@acme.test")
    head = s.commit("refs/heads/main", seed_who, when, "Initial state", files, ())
    truth.mainline[head] = (*seed_who, when, None)
    truth.commits = 1
    for team in model.teams:
        for uid, groups in team.items():
            for g in groups:
                truth.given[(uid, g)] = head
    pr = 0
    while truth.commits < commits:
        pr += 1
        when += STEP
        changed, gained, lost = _change(rng, model, projects)
        blobs = {path: s.blob(data) for path, data in changed.items()}
        author = (f"Dev {pr % 17}", f"dev{pr % 17}@acme.test")
        if pr % 3 == 0 or truth.commits + 1 >= commits:  # a squash merge: the PR's one commit on main
            who = author
            head = s.commit(
                "refs/heads/main", who, when, f"Change memberships, batch {pr} (#{pr})", blobs, (head,)
            )
            truth.commits += 1
        else:  # a branch commit and GitHub's merge commit, by whoever approved and merged
            side = s.commit(
                f"refs/heads/change-{pr}", author, when - 600, f"Change batch {pr}", blobs, (head,)
            )
            who = (f"Approver {pr % 5}", f"approver{pr % 5}@acme.test")
            message = f"Merge pull request #{pr} from acme/change-{pr}\n\nChange batch {pr}"
            head = s.commit("refs/heads/main", who, when, message, blobs, (head, side))
            truth.commits += 2
        truth.mainline[head] = (*who, when, pr)
        for key in lost:
            truth.given.pop(key, None)
        for key in gained:
            truth.given[key] = head
    _fast_import(root, b"".join(s.parts), truth)
    return truth


def _change(
    rng: random.Random, model: _Model, projects: list[str]
) -> tuple[dict[str, bytes], list[tuple[str, str]], list[tuple[str, str]]]:
    """One PR's edit of the model: the files it rewrites, the memberships gained and lost."""
    gained: list[tuple[str, str]] = []
    lost: list[tuple[str, str]] = []
    roll = rng.random()
    if roll < 0.05:  # move a project group under another team
        project = rng.choice(projects)
        model.parents[project] = [f"team-{rng.randrange(len(model.teams)):03d}"]
        return {"state/groups.yaml": _groups_file(model.parents)}, gained, lost
    t = rng.randrange(len(model.teams))
    team = model.teams[t]
    if roll < 0.12:  # a new user
        uid = f"u{model.next_user:06d}"
        model.next_user += 1
        team[uid] = [f"team-{t:03d}"]
        gained.append((uid, team[uid][0]))
    elif roll < 0.17 and len(team) > 1:  # a user leaves
        uid = rng.choice(sorted(team))
        lost.extend((uid, g) for g in team.pop(uid))
    else:  # one to three users join or leave a project
        for uid in rng.sample(sorted(team), min(len(team), rng.randint(1, 3))):
            project = rng.choice(projects)
            if project in team[uid]:
                team[uid].remove(project)
                lost.append((uid, project))
            else:
                team[uid].append(project)
                gained.append((uid, project))
    return {f"state/users/team-{t:03d}.yaml": _team_file(t, team)}, gained, lost


def _fast_import(root: Path, stream: bytes, truth: Truth) -> None:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(root)], check=True)
    marks = root / ".git" / "marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=root, input=stream, check=True
    )
    for line in marks.read_text().splitlines():
        mark, sha = line.split()
        truth.shas[int(mark[1:])] = sha
    subprocess.run(["git", "checkout", "--quiet", "--force", "main"], cwd=root, check=True)


def _timed(args: list[str], cwd: Path) -> tuple[float, int]:
    begin = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode())
    return time.perf_counter() - begin, len(proc.stdout.splitlines())


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Build the repository, time `review` and `history`; print and return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--team-size", type=int, default=TEAM_SIZE, help="users per state file")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        root = (args.workdir or Path(tmp)) / "repo"
        begin = time.perf_counter()
        truth = build(root, users=args.users, commits=args.commits, team_size=args.team_size)
        built = time.perf_counter() - begin
        reconciler = [sys.executable, "-m", "reconciler"]
        review, rows = _timed([*reconciler, "review", "--format", "csv"], root)
        history, _ = _timed([*reconciler, "history", "u000001"], root)
        result = {
            "users": float(args.users),
            "commits": float(truth.commits),
            "team_size": float(args.team_size),
            "build_seconds": round(built, 2),
            "review_seconds": round(review, 2),
            "review_rows": float(rows - 1),
            "history_seconds": round(history, 2),
        }
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
