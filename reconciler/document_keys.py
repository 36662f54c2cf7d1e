"""The names of GoodData's documents as the plan, the backups and the resources key them: a leaf module
(nothing of the package below it), so pure modules such as grant_expiry can name a document without
importing the resources, which import the client."""

from __future__ import annotations

import re

USERS_GROUPS_KEY = "usersAndUserGroups"
ORGANIZATION_KEY = "organization.permissions"
WORKSPACE_PREFIX = "workspaces/"
WORKSPACE_SUFFIX = ".permissions"
# The other documents' keys: a workspace's permissions (its id as the state schema allows it) or the
# organization's. Keys become URLs and backup file names, so a saved plan may hold no other.
DOCUMENT_KEY = re.compile(r"workspaces/(?!\.)[.A-Za-z0-9_-]{1,255}\.permissions|organization\.permissions")


def workspace_key(workspace_id: str) -> str:
    """`workspaces/<id>.permissions`."""
    return f"{WORKSPACE_PREFIX}{workspace_id}{WORKSPACE_SUFFIX}"


def workspace_of(key: str) -> str | None:
    """The workspace id of a workspace permissions key, else None."""
    if key != ORGANIZATION_KEY and DOCUMENT_KEY.fullmatch(key):  # never a path out of the backups
        return key[len(WORKSPACE_PREFIX) : -len(WORKSPACE_SUFFIX)]
    return None
