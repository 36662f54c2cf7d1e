"""CLI command: `reconciler emulator`, the server on a port: GoodData Cloud, or the older platform."""

from __future__ import annotations

import signal
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click

from reconciler.cli.options import NO_CONFIG, GlobalOptions, command, pass_globals
from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context
from reconciler.emulator.platform import ADMIN_LOGIN, ADMIN_PASSWORD, DOMAIN, PlatformEmulator
from reconciler.emulator.serving import Serving
from reconciler.errors import ReconcilerError

CLOUD = "gooddata-cloud"
PLATFORM = "gooddata-platform"
CLOUD_ONLY = ("token", "data_file", "bootstrap_user", "bootstrap_group")
PLATFORM_ONLY = ("domain", "admin_login", "admin_password", "projects")


@command("emulator")
@click.option(
    "--platform",
    type=click.Choice([CLOUD, PLATFORM]),
    default=CLOUD,
    show_default=True,
    help="Which API to serve: GoodData Cloud (/api/v1) or the older GoodData platform (/gdc).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=3000,
    show_default=True,
    help="Port to listen on (0 = any free port; the URL is printed).",
)
@click.option(
    "--token",
    default=DEFAULT_TOKEN,
    envvar="RECONCILER_EMULATOR_TOKEN",
    show_default="the Community Edition's bootstrap token",
    help="Bearer token the server accepts, owned by the bootstrap user (or set RECONCILER_EMULATOR_TOKEN).",
)
@click.option(
    "--data",
    "data_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Keep the organization in this JSON file: loaded on start, written atomically on every "
    "accepted PUT. Without it the organization lives in memory.",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of requests answered with 503 (fault injection).",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Seconds to wait before each answer.",
)
@click.option("--seed", type=int, help="Seed of the --fail-rate generator, for repeatable runs.")
@click.option("--bootstrap-user", default="admin", show_default=True, help="Id of the bootstrap admin user.")
@click.option("--bootstrap-group", default="adminGroup", show_default=True, help="Id of the bootstrap group.")
@click.option(
    "--certfile",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Serve HTTPS with this PEM certificate (chain); for clients that insist on https://.",
)
@click.option(
    "--keyfile",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The certificate's PEM private key (when not inside --certfile).",
)
@click.option("--domain", default=DOMAIN, show_default=True, help="[gooddata-platform] The admin's domain.")
@click.option(
    "--admin-login",
    default=ADMIN_LOGIN,
    show_default=True,
    help="[gooddata-platform] The domain admin's login.",
)
@click.option(
    "--admin-password",
    default=ADMIN_PASSWORD,
    envvar="RECONCILER_EMULATOR_PASSWORD",
    show_default="the emulator's default, printed at start",
    help="[gooddata-platform] The domain admin's password (or set RECONCILER_EMULATOR_PASSWORD); a custom "
    "one is never printed.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="ID[=TITLE]",
    help="[gooddata-platform] Create this project at start (repeatable).",
)
@pass_globals(names=NO_CONFIG)
def emulator_command(
    opts: GlobalOptions,
    /,
    platform: str,
    host: str,
    port: int,
    token: str,
    data_file: Path | None,
    fail_rate: float,
    latency: float,
    seed: int | None,
    bootstrap_user: str,
    bootstrap_group: str,
    certfile: Path | None,
    keyfile: Path | None,
    domain: str,
    admin_login: str,
    admin_password: str,
    projects: tuple[str, ...],
) -> int:
    """Run a GoodData-compatible user/group API server until Ctrl-C.

    Serves GET/PUT /api/v1/layout/usersAndUserGroups (and the /users and /userGroups halves) and
    GET /api/v1/profile, with bearer-token auth, the server's validation rules and its normalized answers.
    With --platform gooddata-platform it serves the older platform's /gdc user provisioning instead
    (SST/TT login, domain users, project members and roles, invitations, user groups), in memory.

    \b
    Example:
      reconciler emulator --port 3000 --data .reconciler/dev/org.json
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/api/v1/layout/usersAndUserGroups
      (TOKEN: the default token it prints at start, or yours from --token)
      reconciler emulator --platform gooddata-platform --port 3001 --project sales="Sales"
    """
    if keyfile is not None and certfile is None:
        raise click.UsageError("--keyfile needs --certfile")
    _refuse_foreign_options(platform)
    try:
        context = tls_context(certfile, keyfile) if certfile is not None else None
    except (OSError, ValueError) as e:
        raise ReconcilerError(f"emulator: cannot use the certificate {certfile}: {e}") from e
    faults = f"fail rate {fail_rate}, latency {latency} s, seed {seed}"
    if platform == PLATFORM:
        legacy = PlatformEmulator(
            domain=domain,
            admin_login=admin_login,
            admin_password=admin_password,
            fail_rate=fail_rate,
            latency=latency,
            seed=seed,
        )
        for spec in projects:
            pid, _, title = spec.partition("=")
            if not pid.strip():
                raise click.BadParameter(f"{spec!r}: expected ID or ID=TITLE", param_hint="--project")
            legacy.add_project(pid.strip(), title.strip())
        url = _listen(legacy, host, port, context)
        shown = admin_password if admin_password == ADMIN_PASSWORD else "(yours, not shown)"
        ids = ", ".join(p.partition("=")[0].strip() for p in projects) or "none"
        lines = [
            f"domain: {domain}; admin: {admin_login}, password {shown}",
            f"projects: {ids}; in memory; Ctrl-C to stop",
        ]
        return _serve(legacy.stop, url, lines, f"settings: {faults}", opts)
    try:
        emu = Emulator(
            token=token,
            data_file=data_file,
            bootstrap_user=bootstrap_user,
            bootstrap_group=bootstrap_group,
            fail_rate=fail_rate,
            latency=latency,
            seed=seed,
        )
    except (ValueError, OSError) as e:
        raise ReconcilerError(f"emulator: cannot load {data_file}: {e}") from e
    url = _listen(emu, host, port, context)
    lines = [f"token: {DEFAULT_TOKEN} (the Community Edition default)"] if token == DEFAULT_TOKEN else []
    lines.append(f"organization: {data_file if data_file else 'in memory'}; Ctrl-C to stop")
    settings = f"settings: bootstrap user {bootstrap_user}, group {bootstrap_group}; {faults}"
    return _serve(emu.stop, url, lines, settings, opts)


def _listen(server: Serving, host: str, port: int, context: ssl.SSLContext | None) -> str:
    """Start either emulator on host:port; a port it cannot bind is a clear error."""
    try:
        return server.start(host=host, port=port, ssl_context=context)
    except OSError as e:
        raise ReconcilerError(f"emulator: cannot listen on {host}:{port}: {e}") from e


def _refuse_foreign_options(platform: str) -> None:
    """A Cloud-only option given with --platform gooddata-platform (or the reverse) is a usage error."""
    ctx = click.get_current_context()
    foreign = CLOUD_ONLY if platform == PLATFORM else PLATFORM_ONLY
    for name in foreign:
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            flag = "--" + {"data_file": "data", "projects": "project"}.get(name, name).replace("_", "-")
            raise click.UsageError(f"{flag} does not apply to --platform {platform}")


def _serve(
    stop_server: Callable[[], None], url: str, lines: list[str], settings: str, opts: GlobalOptions
) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Before the first line: whoever reads it may send SIGTERM at once.
    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        # Tests read this first line to find a port chosen with --port 0; -q keeps it (it is the result).
        click.echo(f"listening on {url}", err=True)
        if not opts.quiet:
            for line in lines:
                click.echo(line, err=True)
        if opts.verbose:
            click.echo(settings, err=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_server()
    if not opts.quiet:
        click.echo("emulator stopped", err=True)
    return 0


COMMANDS: list[click.Command] = [emulator_command]
