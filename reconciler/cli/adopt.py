"""CLI command: adopt — the live organization's differences written into the state files (drift accepted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler import engine
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.statefiles import finish
from reconciler.cli.target import setup, target_options
from reconciler.source import load_state


@command("adopt")
@click.option(
    "--only", type=click.Choice(["users", "groups"]), help="Adopt only this kind (default: users and groups)."
)
@click.option(
    "--id",
    "ids",
    multiple=True,
    metavar="GLOB",
    help="Adopt only the users and groups whose id matches GLOB (repeatable; fnmatch, case-sensitive).",
)
@click.option(
    "--into",
    type=click.Path(path_type=Path, dir_okay=False),
    help="State file for entries not declared yet (default: the file declaring most of that kind).",
)
@click.option("--dry-run", is_flag=True, help="Print the diff of the state files; write nothing.")
@target_options
@pass_globals
def adopt(opts: GlobalOptions, /, **kw: Any) -> int:
    """Write the target's live users and groups into the state files where they differ, so plan is empty.

    Adopt is the other answer to drift: `apply` puts git's version back on the organization, `adopt` writes
    the organization's version into git. What `plan` would destroy is appended (to the file that declares
    most of its kind, or --into); what it would change gets only its differing fields edited in place (only
    fields the YAML manages); what it would create is removed. Comments and formatting of every other entry
    stay as they were. The bootstrap user and group, the token's owner and what policy.ignore matches are
    never written into the state unless declared. Nothing is sent to the server: review the change with
    `git diff`, commit it and open a pull request.

    \b
    Examples:
      reconciler --target prod adopt --dry-run
      reconciler --target prod adopt --only users --id 'jane.*'
      reconciler --target prod adopt --into state/users/new.yaml
    """
    # Imported here: round-trip YAML (ruamel.yaml) costs every other command's start-up ~20 ms otherwise.
    from reconciler.adopt import AdoptOptions, plan_adopt

    config, choice = setup(opts, kw)
    state = load_state(config)
    into = kw["into"]
    options = AdoptOptions(
        only=kw["only"], ids=tuple(kw["ids"]), into=(Path.cwd() / into) if into is not None else None
    )
    with engine.open_session(config, choice) as session:
        result = plan_adopt(config, state, session.live(), session.render_options(), options)
    return finish(
        config,
        result,
        command="Adopt",
        what="adopted",
        review="`git diff`",
        dry_run=kw["dry_run"],
        quiet=opts.quiet,
    )


COMMANDS: list[click.Command] = [adopt]
