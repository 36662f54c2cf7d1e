"""The route families of the platform emulator, asked in turn for an authenticated request."""

from __future__ import annotations

from reconciler.emulator.platform import auth, groups, invitations, projects, role_routes, users
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """The first family's answer; None when no family serves the path."""
    return (
        auth.answer(emu, request)
        or users.answer(emu, request)
        or projects.answer(emu, request)
        or role_routes.answer(emu, request)
        or invitations.answer(emu, request)
        or groups.answer(emu, request)
    )
