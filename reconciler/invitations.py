"""Invitations (`invite: true`): GoodData Cloud e-mails a user an invitation after the apply creating them.

The older GoodData platform invited a user into a project; GoodData Cloud's counterpart is
`POST /api/v1/actions/invite`. Only users a plan creates are invited (re-running the apply sends nothing),
after the apply is verified; `reconciler invite USER --resend` sends another. A server without the endpoint
(GoodData.CN answers 404 or 405) gets a warning, never a failure: the users exist, they are just not e-mailed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.errors import ApiError, ConfigError, TransportError
from reconciler.layout import disabled
from reconciler.source.model import DesiredState


def invitation(uid: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """The invitation of user `uid` with the state's (or the organization's) `email` and names."""
    out = {"userId": uid, "email": str(fields.get("email") or "")}
    for key, name in (("firstname", "firstName"), ("lastname", "lastName")):
        if isinstance(fields.get(key), str):
            out[name] = fields[key]
    return out


def planned(
    state: DesiredState, live: Mapping[str, Any], desired: Mapping[str, Any]
) -> tuple[dict[str, str], ...]:
    """The invitations of the declared users with `invite: true` that the plan creates: in the `desired`
    document and not in the `live` one (a user `policy.ignore` keeps out of the document is not created, so
    not invited)."""
    existing = {u["id"] for u in live.get("users") or ()}
    created = {u["id"] for u in desired.get("users") or ()} - existing
    return tuple(
        invitation(uid, entry.fields)
        for uid, entry in state.users.items()
        if entry.fields.get("invite") is True and uid in created and not disabled(entry)
    )


def notes(invitations: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
    """One plan note per invitation: who will be e-mailed, at which address."""
    return tuple(f"user {i['userId']} will be e-mailed an invitation ({i['email']})" for i in invitations)


def send(
    client: GoodDataClient, invitations: Iterable[Mapping[str, str]], *, resend: bool = False
) -> list[str]:
    """Send each invitation; the problems as warnings (a server without the endpoint, a refused one)."""
    warnings: list[str] = []
    for i in invitations:
        try:
            client.invite(i, force=resend)
        except ApiError as e:
            if e.status in (404, 405):
                warnings.append(
                    f"the server has no invitation endpoint (GoodData.CN has none): {i['userId']} was not "
                    "invited; the user exists and can log in through your identity provider"
                )
                break  # the next ones would be refused the same way
            warnings.append(f"the invitation of {i['userId']} failed: {e}")
        except TransportError as e:
            warnings.append(f"the invitation of {i['userId']} was not sent: {e}")
    return warnings


def for_users(live: Mapping[str, Any], ids: Iterable[str]) -> list[dict[str, str]]:
    """Invitations for existing users (`reconciler invite`), from the live organization's fields."""
    users = {u["id"]: u for u in live.get("users") or ()}
    out = []
    for uid in ids:
        user = users.get(uid)
        if user is None:
            raise ConfigError(f"invalid argument: user {uid!r} does not exist on the target (apply first)")
        if not user.get("email"):
            raise ConfigError(f"invalid argument: user {uid!r} has no email to send the invitation to")
        out.append(invitation(uid, user))
    return out
