"""The grants a `review` row's access comes from: the state files' permissions as of the reviewed commit.

The replay (reconciler/history.py) gives memberships and parents; the workspace and organization grants are
read from the state files as the reviewed commit holds them (`git archive` of the state directory into a
temporary directory, loaded as `validate` loads it, grants past their `expires` on the review's day left
out), and turned into the access model of reconciler/access with the replayed groups. Offline, the workspace
tree is unknown unless given: a hierarchy grant then reaches the workspace it is declared on.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from reconciler import grant_expiry
from reconciler.access.model import AccessModel
from reconciler.access_review import AccessOf, access_of, direct_access_of
from reconciler.config import Config
from reconciler.resources.grants import from_grants
from reconciler.source import validate_state
from reconciler.source.model import DesiredState


def model_of(
    state: DesiredState, groups: Mapping[str, frozenset[str]], tree: Mapping[str, str | None] | None = None
) -> AccessModel:
    """The access model of the state's grants, with `groups` (id → parents) and the workspace `tree`."""
    workspaces = {
        wid: {
            "permissions": from_grants(e.permissions or ()),
            "hierarchyPermissions": from_grants(e.hierarchy_permissions or ()),
        }
        for wid, e in state.workspaces.items()
    }
    org = state.organization
    organization = from_grants(org.permissions or ()) if org is not None else []
    doc = {
        "userGroups": [{"id": g, "parents": [{"id": p} for p in sorted(ps)]} for g, ps in groups.items()],
        "users": [],
    }
    return AccessModel.from_documents(doc, tree, workspaces, organization)


def state_at(config: Config, commit: str, day: date | None) -> DesiredState | None:
    """The state the state files of `commit` declare (None when they declare no permissions)."""
    top = _git(config.root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return None
    root = Path(top.stdout.decode().strip())
    try:
        rel = config.state_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    declares = _git(root, "grep", "-q", "-E", "^(workspaces|organization):", commit, "--", rel)
    if declares.returncode != 0:  # the common case of a users-and-groups state: nothing to load
        return None
    archived = _git(root, "archive", "--format=tar", commit, "--", rel)
    if archived.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        tar.extractall(tmp, filter="data")
        state_dir = Path(tmp) / rel
        if not state_dir.is_dir():
            return None
        inside = replace(config, root=Path(tmp), state_dir=state_dir, backups_dir=state_dir / "backups")
        state = validate_state(inside, today=day).state
    if not state.workspaces and state.organization is None:
        return None
    return grant_expiry.as_of(state, day) if day is not None else state


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)


def review_access(
    config: Config, commit: str | None, groups: Mapping[str, frozenset[str]], day: date | None
) -> tuple[AccessOf, AccessOf] | None:
    """The `AccessOf` of groups and of users themselves for the review of `commit` (None: no commit, or its
    state declares no permissions)."""
    if commit is None:
        return None
    state = state_at(config, commit, day)
    if state is None:
        return None
    model = model_of(state, groups)
    return access_of(model), direct_access_of(model)
