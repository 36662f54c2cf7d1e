"""The text of a backup file: JSON with one entity per line (issue 14), written by json's C encoder.

A backup of 100,000 users is a 25 MB document: `json.dumps(indent=2)` runs json's pure-Python encoder over
it (seconds, and a list of millions of string pieces in memory). Here the C encoder writes each entity of the
document's lists (a user, a group, a permission) on one line, in canonical form with sorted keys, so a
changed user is one changed line in `git diff` and the file stays readable:

    {
      "userGroups": [
        {"id": "adminGroup", "name": "adminGroup", "permissions": []}
      ],
      "users": [
        {"email": "admin@example.com", "id": "admin", "permissions": [], "settings": []}
      ]
    }

It is plain JSON: anything that reads JSON reads it, and backups written before (`indent=2`) read the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# indent=None: json uses its C encoder; sort_keys is done in C as well.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _items(values: Iterable[Any], indent: str) -> str:
    """A list with one item per line at `indent`, the brackets at two spaces less."""
    encode = _ENCODER.encode
    body = f",\n{indent}".join(map(encode, values))
    return f"[\n{indent}{body}\n{indent[2:]}]" if body else "[]"


def entity_lines(data: Any) -> str:
    """`data` (an object of lists, or a list) as the backup's text: each list item on its own line."""
    if isinstance(data, list):
        return _items(data, "  ") + "\n"
    if not isinstance(data, dict):
        return _ENCODER.encode(data) + "\n"
    fields = [
        f"  {_ENCODER.encode(str(key))}: "
        + (_items(value, "    ") if isinstance(value, list) else _ENCODER.encode(value))
        for key, value in sorted(data.items())
    ]
    return "{\n" + ",\n".join(fields) + "\n}\n" if fields else "{}\n"
