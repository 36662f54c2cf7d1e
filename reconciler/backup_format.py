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
from collections.abc import Iterator, Sequence
from typing import Any

# indent=None: json uses its C encoder; sort_keys is done in C as well.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False)


_CHUNK = 2000  # entities encoded and written at a time: the whole text never sits in memory at once


def _items(values: Sequence[Any], indent: str) -> Iterator[str]:
    """A list with one item per line at `indent`, the brackets at two spaces less."""
    if not values:
        yield "[]"
        return
    encode = _ENCODER.encode
    separator = f",\n{indent}"
    yield f"[\n{indent}"
    for start in range(0, len(values), _CHUNK):
        if start:
            yield separator
        yield separator.join(map(encode, values[start : start + _CHUNK]))
    yield f"\n{indent[2:]}]"


def entity_chunks(data: Any) -> Iterator[str]:
    """`data` (an object of lists, or a list) as the backup's text, in pieces: each list item on its own
    line."""
    if isinstance(data, list):
        yield from _items(data, "  ")
        yield "\n"
        return
    if not isinstance(data, dict) or not data:
        yield _ENCODER.encode(data) + "\n"
        return
    for i, (key, value) in enumerate(sorted(data.items())):
        yield ("{\n" if i == 0 else ",\n") + f"  {_ENCODER.encode(str(key))}: "
        if isinstance(value, list):
            yield from _items(value, "    ")
        else:
            yield _ENCODER.encode(value)
    yield "\n}\n"


def entity_lines(data: Any) -> str:
    """`data` (an object of lists, or a list) as the backup's text: each list item on its own line."""
    return "".join(entity_chunks(data))
