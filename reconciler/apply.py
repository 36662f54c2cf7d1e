"""The apply sequence (SPEC §5): guards → lock → re-check live → backup + commit → re-check → PUT → verify.

Nothing is written when the plan has no changes. Every write is preceded by a backup of the live document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler import backup, freshness, invitations
from reconciler.backup_source import BackupSource
from reconciler.client import layout_body
from reconciler.engine import Session, backups_dir, deletion_limits
from reconciler.errors import ApiError, ReconcilerError, TransportError, VerificationError
from reconciler.freshness import LiveRead
from reconciler.layout import digest
from reconciler.lock import DEFAULT_WAIT, target_lock
from reconciler.plan import Change, Plan, check_guards, verify
from reconciler.plan_documents import USERS_GROUPS_KEY
from reconciler.resources import by_keys
from reconciler.resources.base import Resource
from reconciler.resources.order import progress_note, write_order
from reconciler.resources.reading import read_documents, write_documents

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ApplyOptions:
    """How to apply: overrides of the guards, and what to do with backups and mismatches."""

    allow_deletions: int | None = None
    commit: bool = True
    rollback_on_mismatch: bool = False
    lock_wait: float = DEFAULT_WAIT  # seconds to wait for another apply to the same target to finish
    restore_of: str | None = None  # the backup being restored (its revision or file), for the commit message


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did."""

    plan: Plan
    applied: bool
    backup_file: Path | None = None
    backup_rev: str | None = None
    rolled_back: bool = False
    invited: tuple[str, ...] = ()  # users e-mailed an invitation after the apply
    invitation_warnings: tuple[str, ...] = ()


def commit_message(plan: Plan, source: BackupSource | None = None, restore_of: str | None = None) -> str:
    """The backup commit's message: target, what it precedes, fingerprint, counts; then where it was read."""
    c = plan.counts
    before = f"restore of {restore_of}, plan" if restore_of else "apply"
    subject = (
        f"reconciler: backup of {plan.target} before {before} {plan.fingerprint[:12]} "
        f"({c['add']} to add, {c['change']} to change, {c['destroy']} to destroy)"
    )
    return f"{subject}\n\n{source.trailers()}\n" if source else subject


def check(session: Session, plan: Plan, options: ApplyOptions) -> None:
    """The guards: protected principals and max_deletions (GuardError, exit 4)."""
    check_guards(
        plan,
        limits=deletion_limits(session.config),
        allow_deletions=options.allow_deletions,
        protected_users=session.protected_users,
        protected_groups=session.protected_groups,
    )


def apply_plan(session: Session, plan: Plan, options: ApplyOptions) -> ApplyResult:
    """Apply a plan computed against this session's target (holding the target's lock while writing)."""
    own = getattr(session, "apply_own", None)  # a target kind with documents of its own applies them itself
    if own is not None:
        result: ApplyResult = own(plan, options)
        return result
    check(session, plan, options)
    if not plan.has_changes:
        log.info("no changes: nothing written")
        return ApplyResult(plan, applied=False)
    with target_lock(
        session.config.root, plan.target, wait=options.lock_wait, progress=session.progress
    ) as held:
        # The documents this session's plan read are the live state it was computed against: backed up as
        # they are, unless another apply ran in between (then, like a saved plan, everything is read again).
        read, session.last_read = session.last_read, None
        if held.waited or read is None or read.live_digest != plan.live_digest:
            read = None
        return _apply_locked(session, plan, options, read)


def _apply_locked(session: Session, plan: Plan, options: ApplyOptions, read: LiveRead | None) -> ApplyResult:
    # Where and when the backup is read from (asking the organization's id outside the GET-to-PUT window).
    source = session.source(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    resources = by_keys(plan.documents, session.config)
    if read is None:
        read = freshness.read_live(session.client, session.read_documents, resources)
        freshness.check(plan, read, "before the backup")
    others = read.documents
    root = backups_dir(session.config, session.target)
    path = backup.backup_path(root, plan.target)
    assert read.users is not None
    backup.write_backup(path, read.users)
    read.users = None  # one copy of the live layout at a time: a rollback reads it back from the backup
    backup.write_source(path, source)
    files = backup.write_documents(path.parent, {r.key: r.to_file(others[r.key]) for r in resources})
    steps = write_order(plan, resources, others)
    body = _Body(plan.desired)
    rev = None
    if options.commit and session.target.is_local:
        backup.ensure_repository(root)  # the sandbox's own history: nothing is committed to the user's clone
    if options.commit and backup.in_git_work_tree(path):
        message = commit_message(plan, source, options.restore_of)
        # While git hashes and compresses the backup (in its own process), the PUT's body is encoded; it is
        # sent only once the commit is made.
        meanwhile = body if any(s.key == USERS_GROUPS_KEY for s in steps) else None
        rev = backup.commit_backup(path, message, files, meanwhile=meanwhile)
    where = f"{path.parent}" + (f" (commit {rev[:12]})" if rev else "")
    log.info("backup of the live organization written to %s", where)

    # Writing and committing the backup takes time: the last GET before the PUT is the one compared, so the
    # window in which another writer could slip in is one round trip (the same documents, so the backup
    # still equals the live documents these PUTs replace).
    try:
        freshness.check_again(
            session.client,
            session.read_documents,
            resources,
            plan,
            read,
            "right before the PUT; the backup written is still the live state",
        )
    except (TransportError, ApiError) as e:
        raise _with_note(e, f"nothing was written, the backup is {path}") from e
    written: list[str] = []
    sent: str | None = None  # the SHA-256 of the layout's body PUT
    factory = session.documents.factory
    workers = session.documents.workers
    for segment in _segments(steps):
        try:
            if segment[0].key == USERS_GROUPS_KEY:  # its own PUT: a failed one is read back and explained
                sent = _put(session, plan.desired, path, body.take())
                written.append(segment[0].label)
            else:  # documents of one rank are independent: written in parallel
                items = [(s, plan.documents[s.key]) for s in segment]
                write_documents(items, session.client, factory, written, workers)
        except (TransportError, ApiError) as e:
            raise _with_note(e, progress_note(steps, written, where)) from e
    with session.progress.stage("verifying the organization", done="verified the organization") as stage:
        difference = _verify(session, plan, steps, sent)
        if difference:
            stage.done(f"verification found {len(difference)} differing objects")
    if not difference:
        # Invitations last: only for an apply that is verified (an e-mail cannot be taken back).
        warnings = tuple(invitations.send(session.client, plan.invitations))
        invited = tuple(i["userId"] for i in plan.invitations) if not warnings else ()
        return ApplyResult(plan, True, path, rev, invited=invited, invitation_warnings=warnings)

    rolled_back = False
    if options.rollback_on_mismatch:
        log.warning("verification failed; putting the backup back (--rollback-on-mismatch)")
        for step in reversed(steps):
            if step.key == USERS_GROUPS_KEY:
                _put(session, backup.read_backup_file(path), path)
            else:
                step.write(session.client, others[step.key])
        rolled_back = True
    raise VerificationError(
        "verification failed: the live organization differs from the desired documents after the PUT"
        + (" (rolled back to the backup)" if rolled_back else f"; the backup is {path}"),
        difference=_describe(difference),
    )


def _segments(steps: Sequence[Resource]) -> list[list[Resource]]:
    """The write order cut into runs that may be written together: consecutive documents of one rank (the
    users and groups always alone)."""
    out: list[list[Resource]] = []
    for step in steps:
        last = out[-1][0] if out else None
        if last is not None and USERS_GROUPS_KEY not in (step.key, last.key) and last.rank == step.rank:
            out[-1].append(step)
        else:
            out.append([step])
    return out


class _Body:
    """The PUT body of the users and groups, encoded once: ahead of time by calling it, else by `take()`."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self._doc = doc
        self._body: bytes | None = None

    def __call__(self) -> None:
        if self._body is None:
            self._body = layout_body(self._doc)

    def take(self) -> bytes:
        """The body; this object lets go of it (30 MB at 100,000 users), the PUT is its last use."""
        self()
        body, self._body = self._body, b""
        assert body is not None
        return body


def _verify(session: Session, plan: Plan, steps: Sequence[Resource], sent: str | None) -> tuple[Change, ...]:
    """Every document written, read back (the permissions documents in parallel) and compared."""
    found: list[Change] = []
    if any(s.key == USERS_GROUPS_KEY for s in steps):
        found += _verify_layout(session, plan.desired, sent)
    documents = [s for s in steps if s.key != USERS_GROUPS_KEY]
    actual = read_documents(documents, session.client, session.documents.factory, session.documents.workers)
    for step in documents:
        found += step.diff(actual[step.key], step.canonical(plan.documents[step.key]))
    return tuple(found)


def _verify_layout(session: Session, desired: Mapping[str, Any], sent: str | None) -> tuple[Change, ...]:
    """The layout read back and compared with `desired`. A server that answers with the very bytes it was
    sent (SHA-256 `sent`) holds `desired`: nothing is parsed. Another answer is parsed and compared as it is
    (one C-level `==`, true when the server keeps the canonical order), and only when that differs put in
    canonical form and diffed."""
    doc, _ = session.client.read_layout(sent, known_as="as sent")
    if doc is None or doc == desired:
        return ()
    return verify(desired, doc)


def _put(session: Session, doc: Mapping[str, Any], path: Path, body: bytes | None = None) -> str | None:
    """PUT `doc` (its `body` when encoded already); the SHA-256 of the body sent, None when the PUT failed
    but the organization reads back as sent. When the PUT fails, read the organization back and say whether
    it was written (compared with the backup `path` of the live layout before)."""
    try:
        return session.client.put_layout(doc, body)
    except (TransportError, ApiError) as e:
        # A PUT whose answer was lost may have been applied: find out, so the message is not a guess.
        try:
            now = session.live()
        except ReconcilerError:
            where = f"unknown (the server cannot be read either); compare it with the backup {path}"
        else:
            if not verify(doc, now):
                log.warning("the PUT failed (%s) but the organization reads back as sent", e)
                return None
            where = (
                f"unchanged, equal to the backup {path}"
                if digest(now) == digest(backup.read_backup_file(path))
                else f"neither the backup nor the desired document; restore from the backup {path}"
            )
        raise _with_note(e, f"the organization is {where}") from e


def _with_note(e: TransportError | ApiError, note: str) -> ReconcilerError:
    """The same error with what happened to the organization appended."""
    if isinstance(e, ApiError):
        return ApiError(f"{e}; {note}", status=e.status, trace_id=e.trace_id)
    return TransportError(f"{e}; {note}")


def _describe(changes: tuple[Change, ...]) -> list[str]:
    lines = []
    for ch in changes:
        parts = []
        for f in ch.fields:
            if f.added or f.removed:
                parts.append(f"{f.field}: missing {list(f.added)}, unexpected {list(f.removed)}")
            else:
                parts.append(f"{f.field}: expected {f.new!r}, found {f.old!r}")
        what = {"create": "missing on the server", "delete": "unexpected on the server"}.get(ch.op, "")
        lines.append(f"{ch.kind} {ch.id}: " + ("; ".join(parts) if parts else what))
    return lines
