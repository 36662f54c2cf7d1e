"""Where a backup was read from (issue 10 §3): its sidecar file, its commit trailers, and the restore check.

The backup itself stays a plain layout document (`curl -X PUT` accepts it); its source is recorded next to it
in `usersAndUserGroups.source.json`:

    {"host": "https://acme.cloud.gooddata.com", "organizationId": "acme", "readAt": "2026-12-01T19:40:00Z",
     "target": "prod"}

`organizationId` is there only when the server named it (GET /api/v1/entities/organization).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import BackupError, GuardError
from reconciler.targets import same_host

SOURCE_SUFFIX = ".source.json"
EMBEDDED = "embedded organization"  # the host recorded for the local target (its port changes every run)
ALLOW_FLAG = "--allow-other-source"


@dataclass(frozen=True)
class BackupSource:
    """The organization a backup was read from, and when."""

    target: str
    host: str
    read_at: str  # ISO 8601, UTC
    organization_id: str | None = None

    def describe(self) -> str:
        """`https://acme… (organization acme)`."""
        return self.host + (f" (organization {self.organization_id})" if self.organization_id else "")

    def to_json(self) -> dict[str, str]:
        data = {"target": self.target, "host": self.host, "readAt": self.read_at}
        if self.organization_id:
            data["organizationId"] = self.organization_id
        return data

    def text(self) -> str:
        """The sidecar file's content."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def trailers(self) -> str:
        """The lines the backup commit's message carries (git trailers)."""
        lines = [f"Source-Host: {self.host}"]
        if self.organization_id:
            lines.append(f"Source-Organization: {self.organization_id}")
        lines.append(f"Read-At: {self.read_at}")
        return "\n".join(lines)


def source_path(backup_file: Path) -> Path:
    """`usersAndUserGroups.json` -> `usersAndUserGroups.source.json`, in the same directory."""
    return backup_file.with_name(backup_file.stem + SOURCE_SUFFIX)


def parse_source(text: str, where: str) -> BackupSource:
    """A sidecar's content; BackupError when it is not one."""
    try:
        data: Any = json.loads(text)
    except ValueError as e:
        raise BackupError(f"backup error: {where} is not JSON: {e}") from e
    fields = ("target", "host", "readAt")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in fields):
        raise BackupError(f"backup error: {where} is not a backup source record (needs {', '.join(fields)})")
    org = data.get("organizationId")
    return BackupSource(
        target=data["target"],
        host=data["host"],
        read_at=data["readAt"],
        organization_id=org if isinstance(org, str) and org else None,
    )


def check_same_source(recorded: BackupSource, current: BackupSource, *, what: str) -> None:
    """Refuse (exit 4) to restore `what`, read from `recorded`, onto the organization `current` describes."""
    other_host = not same_host(recorded.host, current.host)
    other_org = (
        recorded.organization_id is not None
        and current.organization_id is not None
        and recorded.organization_id != current.organization_id
    )
    if other_host or other_org:
        raise GuardError(
            f"refused: {what} was read from {recorded.describe()} (target {recorded.target!r}), "
            f"not from {current.describe()}, the organization of target {current.target!r}; restoring it "
            f"would put another organization's users and groups here (pass {ALLOW_FLAG} if you mean it)"
        )
