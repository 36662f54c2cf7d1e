"""`reconciler import`: write the live organization as state files, deterministically."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.errors import GuardError

SCHEMA_NAME = "state-file.schema.json"


class ImportRefused(GuardError):
    """The output directory already holds state files (use --force)."""


def plan_files(state: Mapping[str, Any], *, split: bool) -> dict[str, dict[str, Any]]:
    """The files to write, by relative path: groups in one file; users in one, or one per first group;
    workspaces' permissions in one, the organization's in one (when the organization has them)."""
    files: dict[str, dict[str, Any]] = {"groups.yaml": {"groups": list(state.get("groups", []))}}
    if state.get("workspaces"):
        files["workspaces.yaml"] = {"workspaces": list(state["workspaces"])}
    if state.get("roles"):  # the older platform's role bundles its workspaces' grants name
        files["roles.yaml"] = {"roles": dict(state["roles"])}
    if state.get("organization") is not None:
        files["organization.yaml"] = {"organization": dict(state["organization"])}
    users = list(state.get("users", []))
    if not split:
        files["users.yaml"] = {"users": users}
        return dict(sorted(files.items()))
    for user in users:
        groups = user.get("userGroups") or []
        name = f"users/{sorted(groups)[0]}.yaml" if groups else "users/_ungrouped.yaml"
        files.setdefault(name, {"users": []})["users"].append(user)
    return dict(sorted(files.items()))


def existing_state_files(out_dir: Path, backups_dir: Path) -> list[Path]:
    """State files already under `out_dir` (backups excluded)."""
    if not out_dir.is_dir():
        return []
    found = []
    for p in sorted(out_dir.rglob("*")):
        if p.suffix in (".yaml", ".yml") and p.is_file() and backups_dir not in p.parents:
            found.append(p)
    return found


def write_state(
    state: Mapping[str, Any],
    out_dir: Path,
    *,
    split: bool,
    force: bool,
    backups_dir: Path,
    schema_file: Path | None,
) -> list[Path]:
    """Write the imported state; refuse to overwrite existing state files unless `force`."""
    files = plan_files(state, split=split)
    existing = existing_state_files(out_dir, backups_dir)
    if existing and not force:
        listed = ", ".join(str(p) for p in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise ImportRefused(
            f"refused: {out_dir} already holds state files ({listed}); import into an empty directory "
            "with --out, or pass --force to replace them"
        )
    if force:
        for p in existing:
            p.unlink()
    written = []
    for rel, content in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        header = ""
        if schema_file is not None:
            header = f"# yaml-language-server: $schema={os.path.relpath(schema_file, path.parent)}\n"
        path.write_text(header + yamlio.dump(content), encoding="utf-8")
        written.append(path)
    return written
