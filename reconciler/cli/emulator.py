"""CLI command: `reconciler emulator`, the GoodData-compatible server on a port."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from reconciler.cli.options import NO_CONFIG, GlobalOptions, command, pass_globals
from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context
from reconciler.errors import ReconcilerError


@command("emulator")
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
@pass_globals(names=NO_CONFIG)
def emulator_command(
    opts: GlobalOptions,
    /,
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
) -> int:
    """Run a GoodData-compatible user/group API server until Ctrl-C.

    Serves GET/PUT /api/v1/layout/usersAndUserGroups (and the /users and /userGroups halves) and
    GET /api/v1/profile, with bearer-token auth, the server's validation rules and its normalized answers.

    \b
    Example:
      reconciler emulator --port 3000 --data .reconciler/dev/org.json
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/api/v1/layout/usersAndUserGroups
      (TOKEN: the default token it prints at start, or yours from --token)
    """
    if keyfile is not None and certfile is None:
        raise click.UsageError("--keyfile needs --certfile")
    try:
        context = tls_context(certfile, keyfile) if certfile is not None else None
    except (OSError, ValueError) as e:
        raise ReconcilerError(f"emulator: cannot use the certificate {certfile}: {e}") from e
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
        url = emu.start(host=host, port=port, ssl_context=context)
    except ValueError as e:
        raise ReconcilerError(f"emulator: cannot load {data_file}: {e}") from e
    except OSError as e:
        raise ReconcilerError(f"emulator: cannot listen on {host}:{port}: {e}") from e
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Before the first line: whoever reads it may send SIGTERM at once.
    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        _say_started(url, token, data_file, opts)
        if opts.verbose:
            click.echo(
                f"settings: bootstrap user {bootstrap_user}, group {bootstrap_group}; fail rate {fail_rate}, "
                f"latency {latency} s, seed {seed}",
                err=True,
            )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        emu.stop()
    if not opts.quiet:
        click.echo("emulator stopped", err=True)
    return 0


def _say_started(url: str, token: str, data_file: Path | None, opts: GlobalOptions) -> None:
    # Tests read this first line to find a port chosen with --port 0; -q keeps it (it is the result).
    click.echo(f"listening on {url}", err=True)
    if opts.quiet:
        return
    if token == DEFAULT_TOKEN:
        click.echo(f"token: {DEFAULT_TOKEN} (the Community Edition default)", err=True)
    click.echo(f"organization: {data_file if data_file else 'in memory'}; Ctrl-C to stop", err=True)


COMMANDS: list[click.Command] = [emulator_command]
