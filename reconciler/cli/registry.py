"""The subcommands by name, each imported from its module the first time it is looked up.

`reconciler --version` or `reconciler validate` must not import the network stack, the emulator and every
other command's dependencies: the group knows its commands' names and modules (`MODULES`), and click finds a
command through the group's `commands` mapping (`get_command`, `list_commands`, "did you mean"), which
imports only the module asked for. `--help` of the group imports them all, for their short help.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping

import click

MODULES: dict[str, str] = {
    "validate": "reconciler.cli.validate",
    "render": "reconciler.cli.reconcile",
    "plan": "reconciler.cli.reconcile",
    "apply": "reconciler.cli.reconcile",
    "import": "reconciler.cli.recovery",
    "backups": "reconciler.cli.recovery",
    "restore": "reconciler.cli.recovery",
    "load": "reconciler.cli.load",
    "emulator": "reconciler.cli.emulator",
    "init": "reconciler.cli.init",
    "expire": "reconciler.cli.expire",
    "history": "reconciler.cli.history",
    "review": "reconciler.cli.history",
    "adopt": "reconciler.cli.adopt",
    "access": "reconciler.cli.access",
    "invite": "reconciler.cli.invite",
}
"""Command name → the module whose `COMMANDS` list defines it."""


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands: names known up front, each module imported on the first lookup of its commands."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module = importlib.import_module(self._modules[name])
            for command in module.COMMANDS:
                if command.name is not None:
                    self._loaded.setdefault(command.name, command)
            if name not in self._loaded:
                raise LookupError(f"{module.__name__} defines no command {name!r} (see MODULES)")
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._modules.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._modules) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in self._modules or name in self._loaded
