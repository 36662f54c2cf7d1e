"""The documents a plan covers besides the users-and-groups layout: their keys and the digests over them all.

A leaf under `plan_model` and `resources`: a users-only plan's digests are the layout's alone, as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.document_keys import DOCUMENT_KEY as DOCUMENT_KEY
from reconciler.document_keys import USERS_GROUPS_KEY as USERS_GROUPS_KEY
from reconciler.layout import digest

# The older GoodData platform's documents (reconciler.platform.documents): the domain's users, a project's
# members or user groups.
PLATFORM_KEY = re.compile(r"platform\.users|projects/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(?:users|userGroups)")


def document_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of a canonical permissions document's compact JSON."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def combined_digest(users_digest: str, documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The users layout's digest alone, or one digest over it and every other document's (by key)."""
    if not documents:
        return users_digest
    digests = {USERS_GROUPS_KEY: users_digest} | {k: document_digest(d) for k, d in documents.items()}
    return hashlib.sha256("".join(f"{k}\n{digests[k]}\n" for k in sorted(digests)).encode()).hexdigest()


def desired_digest(desired: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The digest a plan records for its desired documents."""
    return combined_digest(digest(desired), documents)
