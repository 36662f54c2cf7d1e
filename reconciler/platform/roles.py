"""Project roles of the older platform as bundles of GoodData Cloud workspace permissions. Pure.

A principal's effective permissions on a project select the one role whose bundle means the same access:
both sides are closed under what a permission includes (reconciler.access.effective: MANAGE includes
ANALYZE, EXPORT and VIEW; ANALYZE and EXPORT include VIEW; …), and the closures must be equal. So
`[MANAGE, VIEW]` is `adminRole`, `[ANALYZE, EXPORT]` is `editorRole`, and `[ANALYZE]` alone matches no
default role: a validation error naming the closest roles. Roles are named by identifier, never by number
(numbers differ between servers, API.md §4.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from reconciler.access.effective import implied, permission_key

# The defaults (#16 §2): the platform's four everyday roles.
DEFAULT_ROLES: Mapping[str, tuple[str, ...]] = {
    "adminRole": ("MANAGE",),
    "editorRole": ("ANALYZE", "EXPORT"),
    "readOnlyUserRole": ("VIEW", "EXPORT"),
    "dashboardOnlyRole": ("VIEW",),
}
# Every role identifier the recordings show (API.md §4.1); a `roles` bundle of one of these names is a
# platform role, another name is only a Cloud bundle.
PLATFORM_ROLES = (
    "unverifiedAdminRole",
    "adminRole",
    "dashboardOnlyRole",
    "readOnlyUserRole",
    "editorRole",
    "superAdminRole",
    "connectorsSystemRole",
    "explorerRole",
    "explorerOnlyRole",
    "editorInviteRole",
    "editorUserAdminRole",
    "readOnlyNoExportRole",
)


def closure(names: Iterable[str]) -> frozenset[str]:
    """The permissions and everything they include."""
    return _closure(frozenset(names))


@cache
def _closure(names: frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for n in names:
        out |= implied(n)
    return frozenset(out)


def bundles(
    configured: Mapping[str, Iterable[str]] | None = None, state: Mapping[str, Iterable[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """The role bundles: the defaults, replaced or extended by the target's `roles` (any identifier), then
    by the state's `roles` named like a platform role (one of PLATFORM_ROLES or a configured one); other
    state bundles (`viewer: [VIEW]`) are Cloud-only names and not roles here."""
    out = {k: tuple(v) for k, v in DEFAULT_ROLES.items()}
    out.update({k: tuple(v) for k, v in (configured or {}).items()})
    for name, names in (state or {}).items():
        if name in PLATFORM_ROLES or name in out:
            out[name] = tuple(names)
    return out


def select(permissions: Iterable[str], roles: Mapping[str, Iterable[str]]) -> str | None:
    """The role whose bundle means exactly `permissions` (by closure), else None; the first by name when
    two bundles mean the same (the validation refuses such bundles)."""
    want = closure(permissions)
    return next((name for name in sorted(roles) if closure(roles[name]) == want), None)


def closest(permissions: Iterable[str], roles: Mapping[str, Iterable[str]], n: int = 2) -> list[str]:
    """The `n` roles whose bundles differ least from `permissions` (permissions missing or extra)."""
    want = closure(permissions)
    return sorted(roles, key=lambda r: (len(closure(roles[r]) ^ want), r))[:n]


def describe(names: Iterable[str]) -> str:
    """`[MANAGE, VIEW]`, strongest first."""
    return "[" + ", ".join(sorted(set(names), key=permission_key)) + "]"


def same_meaning(roles: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """Pairs of roles whose bundles mean the same access (ambiguous: one permission set, two roles)."""
    names = sorted(roles)
    return [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if closure(roles[a]) == closure(roles[b])
    ]
