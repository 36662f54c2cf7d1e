"""The command line: click commands translate options into one library call, a report and an exit code.

Only this package prints, reads the environment, or exits. The group is `reconciler.cli.group.cli`;
`main` answers a lone `--version` before click and the group are imported, with the line click prints
for `--version` anywhere else (`reconciler plan --version`).
"""

from __future__ import annotations

import sys

from reconciler import __version__

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing (and re) costs more than the answer
if TYPE_CHECKING:
    from collections.abc import Sequence

    import click


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        if sys.stdout is not None:  # None when stdout is closed: click's echo then writes nothing
            sys.stdout.write(f"reconciler, version {__version__}\n")  # click's version_option message
        sys.exit(0)
    from reconciler.cli.group import cli

    cli.main(args=argv, prog_name="reconciler")


def __getattr__(name: str) -> click.Group:
    """`from reconciler.cli import cli`: the group, imported on first use."""
    if name == "cli":
        from reconciler.cli.group import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
