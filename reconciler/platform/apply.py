"""Apply on an older-platform target: guards → lock → re-read and compare → backup + commit → re-check →
writes in dependency order → read back and verify → invitations.

Writes go domain users, then project members (batches of 100, projects 8 at a time), then groups. A user
that a 200 answer reports failed (`projectUsersUpdateResult.failed`) is never taken for a success: the rest is
applied and verified, and the apply ends with PartialApplyError (exit 1) naming each login and message. A
failure of the server midway says which documents were written and which not, and where the backup is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from reconciler import backup
from reconciler.apply import ApplyOptions, ApplyResult, commit_message
from reconciler.engine import backups_dir, deletion_limits
from reconciler.errors import ApiError, ReconcilerError, StalePlanError, TransportError, VerificationError
from reconciler.layout import digest
from reconciler.lock import target_lock
from reconciler.plan import Change, Plan
from reconciler.plan_documents import combined_digest
from reconciler.platform import guards
from reconciler.platform.invitations import unsent
from reconciler.platform.reading import each
from reconciler.platform.resources import Failure, PlatformResource, resources

if TYPE_CHECKING:
    from reconciler.backup_source import BackupSource
    from reconciler.client.platform import PlatformClient
    from reconciler.config import Config
    from reconciler.platform.resources import Directory
    from reconciler.progress import Progress
    from reconciler.targets import ResolvedTarget


class PlatformSession(Protocol):
    """What an apply needs of the session that made the plan (reconciler/platform/session.py is one; the
    session calls this module, never the other way round)."""

    config: Config
    target: ResolvedTarget
    progress: Progress
    directory: Directory
    platform_client: PlatformClient

    @property
    def token_owner(self) -> str: ...

    def source(self, read_at: str) -> BackupSource: ...

    def read(self, names: list[str]) -> dict[str, dict[str, Any]]: ...

    def live(self) -> dict[str, Any]: ...

    def live_documents(self, plan: Plan) -> dict[str, dict[str, Any]]: ...


log = logging.getLogger(__name__)


class PartialApplyError(ReconcilerError):
    """Some users failed inside 200 answers; everything else was applied and verified."""


def apply_platform(session: PlatformSession, plan: Plan, options: ApplyOptions) -> ApplyResult:
    """Apply a plan made against this older-platform target."""
    # The documents the plan was made from when this session made it (the writes re-read those they
    # replace right before writing), else read now; the backup holds them all.
    live = session.live_documents(plan) if plan.has_changes else {}
    guards.check(
        live,
        plan.documents,
        executing_login=session.token_owner,
        limits=deletion_limits(session.config),
        allow_deletions=options.allow_deletions,
    )
    if not plan.has_changes:
        log.info("no changes: nothing written")
        return ApplyResult(plan, applied=False)
    with target_lock(session.config.root, plan.target, wait=options.lock_wait, progress=session.progress):
        return _locked(session, plan, options, live)


def _fresh(
    session: PlatformSession,
    plan: Plan,
    found: Sequence[PlatformResource],
    live: Mapping[str, Any],
    when: str,
) -> None:
    empty = digest(session.live())
    if combined_digest(empty, {r.key: r.canonical(live[r.key]) for r in found}) != plan.live_digest:
        raise StalePlanError(
            "refused: the live domain or projects changed since the plan was made "
            f"(stale plan, noticed {when}); plan again"
        )


def _locked(session: PlatformSession, plan: Plan, options: ApplyOptions, live: dict[str, Any]) -> ApplyResult:
    found = resources(list(plan.documents), session.directory)
    _fresh(session, plan, found, live, "before the backup")
    source = session.source(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    path = backup.backup_path(backups_dir(session.config, session.target), plan.target)
    backup.write_backup(path, session.live())  # no layout on this platform: the documents are beside it
    backup.write_source(path, source)
    files = backup.write_documents(path.parent, {r.key: r.to_file(live[r.key]) for r in found})
    rev = None
    if options.commit and backup.in_git_work_tree(path):
        rev = backup.commit_backup(path, commit_message(plan, source, options.restore_of), files)
    where = f"{path.parent}" + (f" (commit {rev[:12]})" if rev else "")
    log.info("backup of the live domain and projects written to %s", where)
    # The documents to write are read once more, right before the writes, and must still be the ones the
    # backup holds (those not written may change meanwhile: no write replaces them).
    steps = [r for r in found if r.diff(r.canonical(live[r.key]), plan.documents[r.key])]
    try:
        now = session.read([r.key for r in steps])
    except (TransportError, ApiError) as e:
        raise _noted(e, f"nothing was written, the backup is {where}") from e
    if any(r.canonical(now[r.key]) != r.canonical(live[r.key]) for r in steps):
        raise StalePlanError(
            "refused: the live domain or projects changed since the plan was made (stale plan, noticed "
            f"right before the writes; nothing was written; the backup is {where}); plan again"
        )
    written: list[str] = []
    failures: list[tuple[str, Failure]] = []
    for rank in sorted({r.rank for r in steps}):
        batch = [r for r in steps if r.rank == rank]
        try:
            results = each(
                session.platform_client, batch, lambda c, r: r.write(c, live[r.key], plan.documents[r.key])
            )
        except (TransportError, ApiError) as e:
            raise _noted(e, _progress(steps, written, batch, where)) from e
        for r, failed in zip(batch, results, strict=True):
            written.append(r.label)
            failures += [(r.key, f) for f in failed]

    after = session.read([r.key for r in steps])
    failed_logins = {f["login"].lower() for _, f in failures}
    difference = [
        line
        for r in steps
        for line in _differences(r.diff(after[r.key], r.canonical(plan.documents[r.key])), failed_logins)
    ]
    if difference:
        raise VerificationError(
            "verification failed: the live documents differ from the plan after the writes; "
            f"the backup is {where}",
            difference=difference,
        )
    if failures:
        listed = "; ".join(f"{f['login']} ({key}): {f['message']}" for key, f in failures)
        raise PartialApplyError(
            f"apply failed for {len(failed_logins)} user(s): {listed}; everything else was applied and "
            f"verified; the backup is {where} (`reconciler restore` puts it back)"
        )
    invited = []
    for i in unsent(session.platform_client, plan.invitations):  # a saved plan applied twice: not again
        session.platform_client.invite(
            i["project"], i["email"], i["role"], i.get("firstname"), i.get("lastname")
        )
        invited.append(i["login"])
    return ApplyResult(plan, True, path, rev, invited=tuple(invited))


def _differences(changes: Sequence[Change], failed: set[str]) -> list[str]:
    """What verification finds, less what the users that failed explain (they were reported already)."""
    out = []
    for change in changes:
        if change.kind == "user" and change.id in failed:
            continue
        for f in change.fields:
            who = f.field.partition("[")[2].rstrip("]")
            added, removed = set(f.added) - failed, set(f.removed) - failed
            if who in failed or ((f.added or f.removed) and not (added or removed)):
                continue
            out.append(f"{change.kind} {change.id}: {f.field}: expected {f.old!r}, found {f.new!r}")
    return out


def _progress(
    steps: Sequence[PlatformResource], written: Sequence[str], failing: Sequence[PlatformResource], where: str
) -> str:
    rest = [s.label for s in steps if s.label not in written]
    done = "; ".join(written) if written else "nothing"
    return (
        f"written before the failure: {done}; not written (or only in part): {'; '.join(rest)}; the "
        f"backup of every document is {where} (`reconciler restore` puts them all back)"
    )


def _noted(e: TransportError | ApiError, note: str) -> ReconcilerError:
    if isinstance(e, ApiError):
        return ApiError(f"{e}; {note}", status=e.status, trace_id=e.trace_id)
    return TransportError(f"{e}; {note}")
