"""reconciler.yaml: where the state lives, the targets, the bootstrap ids and the policy (SPEC §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.platform_targets import Finding, platform_findings, spec_fields
from reconciler.schema import shorten
from reconciler.schema_check import pointer, schema_findings
from reconciler.targets import TargetSpec
from reconciler.yamlio import MarkedDocument, YamlSyntaxError, load_marked

CONFIG_FILE = "reconciler.yaml"
CONFIG_SCHEMA = "config.schema.json"


@dataclass(frozen=True)
class Bootstrap:
    """The bootstrap admin user and group: never deleted, kept when the state does not declare them."""

    user: str = "admin"
    group: str = "adminGroup"


@dataclass(frozen=True)
class MaxDeletions:
    """Bounds on deletions per apply; None disables a bound."""

    users: int | None = 10
    groups: int | None = 5
    percent: float | None = 25.0
    grants: int | None = 50  # workspace and organization permissions revoked


@dataclass(frozen=True)
class ExpiryPolicy:
    """Memberships with `expires` (docs/configuration.md, policy.expiry)."""

    warn_days: int = 14  # plans warn this many days ahead of an expiry
    max_days: int | None = 400  # validate warns about dates further ahead; None: no bound
    apply: str = "pr"  # the scheduled drift run: "auto" applies expirations, "pr" opens a pull request


@dataclass(frozen=True)
class Policy:
    """What the reconciler may do to live objects."""

    prune: bool = True
    ignore_users: tuple[str, ...] = ()
    ignore_groups: tuple[str, ...] = ()
    ignore_workspaces: tuple[str, ...] = ()
    max_deletions: MaxDeletions = MaxDeletions()
    expiry: ExpiryPolicy = ExpiryPolicy()


@dataclass(frozen=True)
class Search:
    """How `find_config` looked for reconciler.yaml: what it found, the directories, where it ended."""

    config: Path | None  # the reconciler.yaml found
    root: Path | None  # the directory found: that of `config`, or one holding a state/ directory
    searched: tuple[Path, ...]
    stop: str  # why the search ended where it did

    def describe(self) -> str:
        """`no reconciler.yaml in A, B or C (…)`, for messages."""
        dirs = [str(d) for d in self.searched]
        listed = dirs[0] if len(dirs) == 1 else f"{', '.join(dirs[:-1])} or {dirs[-1]}"
        return f"no {CONFIG_FILE} in {listed} ({self.stop})"


@dataclass(frozen=True)
class Config:
    """reconciler.yaml as read, with every path made absolute."""

    path: Path | None  # the reconciler.yaml read, None when defaults were used
    root: Path  # directory of reconciler.yaml (or cwd): relative paths resolve against it
    state_dir: Path
    backups_dir: Path
    default_target: str = "local"
    targets: Mapping[str, TargetSpec] = field(default_factory=lambda: {"local": TargetSpec("local")})
    bootstrap: Bootstrap = Bootstrap()
    policy: Policy = Policy()
    search: Search | None = field(default=None, compare=False)  # how reconciler.yaml was looked for

    def describe_search(self) -> str:
        """Which reconciler.yaml this is, or where none was found (and so the defaults apply)."""
        if self.path is not None:
            return str(self.path)
        if self.search is None:
            return f"no {CONFIG_FILE} (the defaults apply in {self.root})"
        return self.search.describe()

    def state_dir_missing(self) -> str:
        """The message for a state directory that does not exist, naming the paths looked at."""
        if self.path is not None:
            return f"the state directory {self.state_dir} does not exist (the state directory of {self.path})"
        return (
            f"the state directory {self.state_dir} does not exist, and there is {self.describe_search()}: "
            "run reconciler inside the repository that holds reconciler.yaml, or give --config PATH"
        )

    def relative(self, path: Path) -> str:
        """`path` relative to the config root when it is inside it (POSIX form), else as given."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_config(cwd: Path) -> Search:
    """The nearest directory, from `cwd` upward, that holds reconciler.yaml or a state/ directory.

    Like git finding `.git`: upward from `cwd`, stopping at the root of the git work tree `cwd` is in (a
    directory holding `.git`), or at the filesystem root outside a work tree; a reconciler.yaml above the
    repository belongs to something else and is never used. A directory with state/ and no reconciler.yaml
    is a project with the default configuration, as it is when the command runs in it.
    """
    searched: list[Path] = []
    here = cwd.resolve()
    for directory in (here, *here.parents):
        searched.append(directory)
        if (directory / CONFIG_FILE).is_file():
            return Search(directory / CONFIG_FILE, directory, tuple(searched), "found")
        if (directory / "state").is_dir():
            stop = f"the defaults apply: {directory} holds a state directory"
            return Search(None, directory, tuple(searched), stop)
        if (directory / ".git").exists():
            return Search(None, None, tuple(searched), "the search stops at the repository root")
    return Search(None, None, tuple(searched), "the search stops at the filesystem root")


def load_config(path: Path | None = None, *, cwd: Path) -> Config:
    """Read reconciler.yaml (`path`, else the nearest, see `find_config`, else defaults); raise ConfigError.

    Without a reconciler.yaml the defaults apply in the directory found (else `cwd`). Paths in the file are
    relative to its directory, wherever the command runs.
    """
    if path is None:
        search = find_config(cwd)
        if search.config is None:
            root = search.root or cwd.resolve()
            return Config(
                path=None,
                root=root,
                state_dir=root / "state",
                backups_dir=root / "state" / "backups",
                search=search,
            )
        path = search.config
    path = path if path.is_absolute() else cwd / path
    try:
        shown = path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    try:
        raw = path.read_bytes()
    except OSError as e:
        looked = "" if Path(shown).is_absolute() else f" {path.resolve()}"
        raise ConfigError(f"invalid config: {shown}: cannot read{looked}: {e.strerror or e}") from e
    try:
        doc = load_marked(raw)
    except YamlSyntaxError as e:
        raise ConfigError(f"invalid config: {shown}:{e.line}:{e.column}: {e}") from e
    if doc.data is None:  # an empty reconciler.yaml: all defaults
        doc.data = {}
    data = doc.data
    problems = [(i.line, i.column, i.message) for i in doc.issues]
    if not isinstance(data, dict):
        raise ConfigError(f"invalid config: {shown}:1:1: the file must be a mapping")
    problems += _violations(doc)
    if problems:
        lines = [f"{shown}:{line}:{column}: {message}" for line, column, message in sorted(problems)]
        raise ConfigError(
            "invalid config: " + lines[0] if len(lines) == 1 else "invalid config:\n  " + "\n  ".join(lines)
        )
    return _build(data, path.parent.resolve(), path.resolve(), doc, shown)


def _violations(doc: MarkedDocument) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for f in schema_findings(CONFIG_SCHEMA, doc):
        message = f.message
        if f.path and f.path[0] == "targets":
            # never echo a value that might be a secret
            where = pointer(f.path)
            if len(f.path) == 3 and f.path[-1] in ("token", "password"):
                message = (
                    f"{where}: a literal {f.path[-1]} is refused; write $NAME to read it from the "
                    "environment variable NAME"
                )
            elif len(f.path) == 2 and "is not of type" in message:
                message = f"{where}: a target is a mapping: {{}}, {{host: …, token: $NAME}} or {{profile: …}}"
        out.append((f.line, f.column, message))
    return out or [_placed(doc, f) for f in platform_findings(doc.data)]


def _placed(doc: MarkedDocument, finding: Finding) -> tuple[int, int, str]:
    line, col = doc.locate(finding.path, key=finding.at_key)
    return line, col, f"{pointer(finding.path)}: {finding.message}"


def _resolve(path: Path, key: str, doc: MarkedDocument, shown: str) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python 3.11)
        line, col = doc.locate([key]) if key in (doc.data or {}) else (1, 1)
        raise ConfigError(f"invalid config: {shown}:{line}:{col}: {key}: cannot resolve {path}: {e}") from e


def _inside(root: Path, key: str, value: str, doc: MarkedDocument, shown: str) -> Path:
    """`root / value` resolved; ConfigError when it leaves the root (a config must not reach outside it)."""
    path = _resolve(root / value, key, doc, shown)
    if path != root and root not in path.parents:
        line, col = doc.locate([key])
        raise ConfigError(
            f"invalid config: {shown}:{line}:{col}: {key}: {shorten(repr(value), 80)} is outside the "
            f"directory of the configuration ({root}); the tool reads and writes only inside it"
        )
    return path


def _build(data: dict[str, Any], root: Path, path: Path, doc: MarkedDocument, shown: str) -> Config:
    state_dir = _inside(root, "state", data.get("state", "state"), doc, shown)
    backups_dir = (
        _inside(root, "backups", data["backups"], doc, shown) if "backups" in data else state_dir / "backups"
    )
    targets: dict[str, TargetSpec] = {"local": TargetSpec("local")}
    for name, spec in (data.get("targets") or {}).items():
        targets[name] = TargetSpec(
            name,
            host=spec.get("host"),
            token=spec.get("token"),
            profile=spec.get("profile"),
            **spec_fields(spec),
        )
    default_target = data.get("default_target", "local")
    if default_target not in targets:
        line, col = doc.locate(["default_target"])
        raise ConfigError(
            f"invalid config: {shown}:{line}:{col}: default_target: {shorten(repr(default_target), 80)} "
            f"is not one of the targets ({', '.join(sorted(targets))})"
        )
    boot = data.get("bootstrap", {})
    pol = data.get("policy", {})
    ignore = pol.get("ignore", {})
    md = pol.get("max_deletions", {})
    defaults = MaxDeletions()
    ex, ex_defaults = pol.get("expiry", {}), ExpiryPolicy()
    policy = Policy(
        prune=pol.get("prune", True),
        ignore_users=tuple(ignore.get("users", ())),
        ignore_groups=tuple(ignore.get("groups", ())),
        ignore_workspaces=tuple(ignore.get("workspaces", ())),
        max_deletions=MaxDeletions(
            users=md.get("users", defaults.users),
            groups=md.get("groups", defaults.groups),
            grants=md.get("grants", defaults.grants),
            percent=float(md["percent"])
            if md.get("percent") is not None
            else (None if "percent" in md else defaults.percent),
        ),
        expiry=ExpiryPolicy(
            warn_days=ex.get("warn_days", ex_defaults.warn_days),
            max_days=ex.get("max_days", ex_defaults.max_days),
            apply=ex.get("apply", ex_defaults.apply),
        ),
    )
    return Config(
        path=path,
        root=root,
        state_dir=state_dir,
        backups_dir=_resolve(backups_dir, "backups", doc, shown),
        default_target=default_target,
        targets=targets,
        bootstrap=Bootstrap(user=boot.get("user", "admin"), group=boot.get("group", "adminGroup")),
        policy=policy,
    )
