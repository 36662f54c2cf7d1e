"""`reconciler init`: point reconciler.yaml at a real organization and import it into the state directory.

The steps, each reusing the code the other commands run: connect and import (engine + importer) before
anything is written; then write reconciler.yaml and the state files; then load both back and check that the
plan is empty. The token itself is never written: reconciler.yaml names its environment variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reconciler import engine
from reconciler.config import CONFIG_FILE, Config, load_config
from reconciler.errors import ConfigError, GuardError, ReconcilerError
from reconciler.importer import existing_state_files, write_state
from reconciler.layout import to_state
from reconciler.plan import Plan
from reconciler.schema import schema_path
from reconciler.targets import LOCAL_TARGET, TargetSpec

# The made-up targets of the example reconciler.yaml: init replaces them without --force.
EXAMPLE_TARGETS: Mapping[str, TargetSpec] = {
    "prod": TargetSpec("prod", host="https://acme.cloud.gooddata.com", token="$GOODDATA_TOKEN_PROD"),
    "dev": TargetSpec("dev", profile="dev"),
}
# The token variables the workflows in .github/workflows pass to reconciler.
WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InitRefused(GuardError):
    """reconciler.yaml already names real targets (use --force)."""


class InitCheckFailed(ReconcilerError):
    """The imported state does not plan empty against the organization it was imported from."""


@dataclass(frozen=True, kw_only=True)
class InitRequest:
    """What `init` is asked to do: one target, by host + token variable, or by a GoodData profile."""

    target: str = "prod"
    host: str | None = None
    token_env: str | None = None
    profile: str | None = None
    split: bool = False
    force: bool = False

    def spec(self) -> TargetSpec:
        """The target as reconciler.yaml will declare it (ConfigError when the request is incomplete)."""
        if not _NAME.match(self.target) or self.target == LOCAL_TARGET:
            raise ConfigError(
                f"invalid config: target name {self.target!r}: use letters, digits, '_' or '-', "
                f"and not {LOCAL_TARGET!r} (the embedded organization)"
            )
        if (self.host is None) == (self.profile is None):
            raise ConfigError("invalid config: init needs exactly one of a host or a profile")
        if self.host is not None:
            if not self.host.startswith(("https://", "http://")):
                raise ConfigError(f"invalid config: host {self.host!r} must start with https://")
            if not self.token_env or not _ENV_NAME.match(self.token_env):
                raise ConfigError(
                    f"invalid config: token variable {self.token_env or ''!r} is not an environment variable "
                    "name (letters, digits and '_', not starting with a digit)"
                )
            return TargetSpec(self.target, host=self.host.rstrip("/"), token=f"${self.token_env}")
        return TargetSpec(self.target, profile=self.profile)


@dataclass(frozen=True)
class InitResult:
    """What `init` did, for the CLI to report."""

    config_file: Path
    target: TargetSpec
    host: str
    written: tuple[Path, ...]
    removed: tuple[Path, ...]
    dropped_targets: tuple[str, ...]
    users: int
    groups: int
    plan: Plan
    ignored: tuple[str, ...]  # live users and groups policy.ignore keeps out of the state files
    missing_bootstrap: tuple[str, ...]
    workflows_without_secret: tuple[str, ...]


def real_targets(config: Config) -> list[str]:
    """Targets other than `local` that are not the example's made-up ones."""
    return sorted(
        name
        for name, spec in config.targets.items()
        if not spec.is_local and EXAMPLE_TARGETS.get(name) != spec
    )


def onboard(config: Config, request: InitRequest, choice: engine.TargetChoice) -> InitResult:
    """Import the organization `request` names into `config`'s state directory and rewrite reconciler.yaml.

    `config` is the configuration as it is now (or the defaults); `choice` carries the environment, the
    profiles file and the client options (its host/token/profile overrides are not used).
    """
    spec = request.spec()
    existing = real_targets(config)
    if existing and not request.force:
        raise InitRefused(
            f"refused: {config.relative(_config_file(config))} already names real targets "
            f"({', '.join(existing)}); pass --force to replace reconciler.yaml and the state files"
        )
    choice = replace(choice, name=spec.name, host=None, token_env=None, profile=None)
    planned = replace(config, targets={LOCAL_TARGET: TargetSpec(LOCAL_TARGET), spec.name: spec})
    planned = replace(planned, default_target=spec.name)
    # Read the organization before writing anything: a wrong host or token leaves the repository as it was.
    with engine.open_session(planned, choice) as session:
        live = session.live()
        state = to_state(live, session.render_options())
        host = session.target.host or ""
    config_file = _config_file(config)
    config_file.write_text(config_text(planned), encoding="utf-8")
    previous = existing_state_files(config.state_dir, config.backups_dir)
    repo_schema = config.root / "schemas" / "state-file.schema.json"
    written = write_state(
        state,
        config.state_dir,
        split=request.split,
        force=True,
        backups_dir=config.backups_dir,
        schema_file=repo_schema if repo_schema.is_file() else schema_path("state-file.schema.json"),
    )
    _remove_empty_dirs(config.state_dir, config.backups_dir)
    plan = check_empty(config_file, choice)
    return InitResult(
        config_file=config_file,
        target=spec,
        host=host,
        written=tuple(written),
        removed=tuple(p for p in previous if p not in written),
        dropped_targets=tuple(sorted(n for n in config.targets if n not in planned.targets)),
        users=len(state.get("users", [])),
        groups=len(state.get("groups", [])),
        plan=plan,
        ignored=_ignored(live, state),
        missing_bootstrap=_missing_bootstrap(config, state),
        workflows_without_secret=_workflows_without(config.root, spec),
    )


def check_empty(config_file: Path, choice: engine.TargetChoice) -> Plan:
    """Load the written configuration and state back (validating them) and plan: it must have no changes."""
    config = load_config(config_file, cwd=config_file.parent)
    state = engine.load_desired(config)
    with engine.open_session(config, choice) as session:
        plan = session.plan_state(state)
    if plan.has_changes:
        raise InitCheckFailed(
            f"init: the imported state does not plan empty ({plan.summary}); the files are written: "
            "run `reconciler plan` to see the difference"
        )
    return plan


def config_text(config: Config) -> str:
    """reconciler.yaml for `config`: its targets, paths, bootstrap and policy, with comments."""
    root = config.root
    lines = [
        "# yaml-language-server: $schema=schemas/config.schema.json",
        "# Written by `reconciler init`; see docs/configuration.md.",
        f"state: {_q(_rel(config.state_dir, root))}",
        f"backups: {_q(_rel(config.backups_dir, root))}",
        f"default_target: {_q(config.default_target)}",
        "targets:",
    ]
    for name, spec in config.targets.items():
        if spec.is_local:
            lines.append(
                f"  {_q(name)}: {{}}                # the embedded organization: no server, no token"
            )
        elif spec.profile is not None:
            lines.append(f"  {_q(name)}:")
            lines.append(f"    profile: {_q(spec.profile)}   # host and token from ~/.gooddata/profiles.yaml")
        else:
            lines.append(f"  {_q(name)}:")
            lines.append(f"    host: {_q(spec.host or '')}")
            lines.append(f"    token: {_q(spec.token or '')}   # the environment variable holding the token")
    boot, policy, md = config.bootstrap, config.policy, config.policy.max_deletions
    percent = md.percent if md.percent is None or md.percent % 1 else int(md.percent)
    lines += [
        f"bootstrap: {{user: {_q(boot.user)}, group: {_q(boot.group)}}}",
        "policy:",
        f"  prune: {_j(policy.prune)}                   # delete live users/groups the state omits",
        "  ignore:                       # live objects matching these globs are carried over untouched",
        f"    users: {_j(list(policy.ignore_users))}",
        f"    groups: {_j(list(policy.ignore_groups))}",
        f"  max_deletions: {{users: {_j(md.users)}, groups: {_j(md.groups)}, percent: {_j(percent)}}}"
        "   # past any bound: --allow-deletions N",
    ]
    return "\n".join(lines) + "\n"


def _q(value: str) -> str:
    """A YAML scalar for `value`: plain when unambiguous, else a JSON (= YAML) double-quoted string."""
    plain = re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_./:$-]*", value) is not None and not value.endswith(":")
    return (
        value
        if plain and value.lower() not in {"true", "false", "null", "yes", "no", "on", "off"}
        else (json.dumps(value))
    )


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _rel(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix() or "."


def _config_file(config: Config) -> Path:
    return config.path or config.root / CONFIG_FILE


def _remove_empty_dirs(state_dir: Path, backups_dir: Path) -> None:
    """Directories the example state files leave empty (never the backups, never the state dir itself)."""
    for d in sorted((p for p in state_dir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if d == backups_dir or backups_dir in d.parents or d in backups_dir.parents:
            continue
        if not any(d.iterdir()):
            d.rmdir()


def _ignored(live: Mapping[str, Any], state: Mapping[str, list[dict[str, Any]]]) -> tuple[str, ...]:
    imported = {("user", u["id"]) for u in state.get("users", [])}
    imported |= {("group", g["id"]) for g in state.get("groups", [])}
    found = [("group", g["id"]) for g in live.get("userGroups", [])]
    found += [("user", u["id"]) for u in live.get("users", [])]
    return tuple(f"{kind} {i}" for kind, i in found if (kind, i) not in imported)


def _missing_bootstrap(config: Config, state: Mapping[str, list[dict[str, Any]]]) -> tuple[str, ...]:
    users = {u["id"] for u in state.get("users", [])}
    groups = {g["id"] for g in state.get("groups", [])}
    missing = []
    if config.bootstrap.user not in users:
        missing.append(f"user {config.bootstrap.user!r}")
    if config.bootstrap.group not in groups:
        missing.append(f"group {config.bootstrap.group!r}")
    return tuple(missing)


def _workflows_without(root: Path, spec: TargetSpec) -> tuple[str, ...]:
    """The workflows that do not pass the target's token variable to reconciler (none for a profile)."""
    if spec.token is None:
        return ()
    variable = spec.token.lstrip("$")
    out = []
    for name in WORKFLOWS:
        path = root / ".github" / "workflows" / name
        if path.is_file() and not re.search(rf"secrets\.{variable}\b", path.read_text(encoding="utf-8")):
            out.append(f".github/workflows/{name}")
    return tuple(out)


def next_steps(result: InitResult) -> list[str]:
    """What to do after init to run the organization through pull requests (the CLI prints these)."""
    t = result.target
    steps = [
        "Review and commit on a branch, then open a pull request (its plan should say: No changes):\n"
        f"     git checkout -b init-{t.name} && git add -A reconciler.yaml state && "
        f'git commit -m "Manage {t.name} with reconciler" && git push -u origin init-{t.name}',
    ]
    if t.token is not None:
        variable = t.token.lstrip("$")
        steps.append(
            f"Add the API token as a repository secret named {variable} (Settings → Secrets and variables "
            "→ Actions); it must belong to a user with organization MANAGE permission."
        )
        if result.workflows_without_secret:
            steps.append(
                f"Pass it to reconciler: add `{variable}: ${{{{ secrets.{variable} }}}}` to the env: of the "
                f"reconciler step in {', '.join(result.workflows_without_secret)}."
            )
    else:
        steps.append(
            f"CI has no ~/.gooddata/profiles.yaml: give target {t.name} a host and `token: $NAME` in "
            "reconciler.yaml (or run init again with --host and --token-env) and add the token as a "
            "repository secret named NAME."
        )
    if t.name != "prod":
        steps.append(
            f'Set the repository variable RECONCILER_TARGETS to ["{t.name}"] (the workflows default to prod).'
        )
    steps += [
        "Protect main: require a pull request with a Code Owners review and the checks `test suite` and "
        f"`plan {t.name}`; put your admins team into .github/CODEOWNERS.",
        "The workflows in .github/workflows do the rest: plan.yml comments the plan on each pull request, "
        "apply.yml applies on merge and commits the backup, drift.yml checks the organization daily "
        "(docs/gitops.md).",
    ]
    return steps
