"""The memberships one version of a state file declares: each user's groups, each group's parents.

History reads thousands of versions of the same files, each differing from the last in a few entries. A
version's text is split into its entries (the items of `users:` and `groups:`); an entry whose exact text
was seen before is not parsed again, and the new ones are parsed together in one document by the project's
loader. A file that does not split plainly (flow style, anchors and aliases, other top-level content) is
parsed whole: the split is only ever a shortcut to the same result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler.yamlio import YamlSyntaxError, load_marked

SECTIONS = {"users": "userGroups", "groups": "parents"}  # the section, and the field naming its groups
_HEADER = re.compile(r"(users|groups):[ \t]*(?:#.*)?")
_ANCHOR = re.compile(r"(?:^|[\s\[{,:])[&*]\S")  # an anchor or alias: entries would depend on each other

Entry = tuple[str, tuple[str, ...]]  # an id and the groups it names


@dataclass(frozen=True)
class Version:
    """What one file version declares: user id → its groups, group id → its parents (first entry wins)."""

    users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


EMPTY = Version()


class VersionParser:
    """Parses file versions, remembering every entry's text and every blob already parsed."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Entry | None] = {}  # (section, text) → entry
        self._blobs: dict[str, Version | None] = {}

    def parse_blob(self, blob: str, read: Any) -> Version | None:
        """The version in `blob` (read with `read(blob)` unless seen); None when it is not valid YAML."""
        if blob not in self._blobs:
            self._blobs[blob] = self.parse(read(blob))
        return self._blobs[blob]

    def parse(self, data: bytes) -> Version | None:
        """The memberships `data` declares; None when it is not valid YAML (or not a state file)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _whole(data)
        sections = None if _ANCHOR.search(text) else _split(text)
        if sections is None:
            return _whole(data)
        if not self._parse_new(sections):
            return _whole(data)
        version = Version()
        for section, chunks in sections.items():
            out = version.users if section == "users" else version.groups
            for chunk in chunks:
                entry = self._entries[section, chunk]
                if entry is not None:
                    out.setdefault(entry[0], entry[1])
        return version

    def _parse_new(self, sections: dict[str, list[str]]) -> bool:
        """Parse the entries not seen before, one document per section; False when that fails."""
        for section, chunks in sections.items():
            new = list(dict.fromkeys(c for c in chunks if (section, c) not in self._entries))
            if not new:
                continue
            try:
                doc = load_marked("\n".join(new).encode("utf-8"))
            except YamlSyntaxError:
                return False
            if not isinstance(doc.data, list) or len(doc.data) != len(new):
                return False
            for chunk, item in zip(new, doc.data, strict=True):
                self._entries[section, chunk] = _entry(item, SECTIONS[section])
        return True


def _split(text: str) -> dict[str, list[str]] | None:
    """The text of every entry of each section; None when the file is not plainly a list per section."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    chunk: list[str] | None = None
    indent = -1
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            if chunk is not None:
                chunk.append(line)  # comments are part of no value: harmless in the entry's text
            continue
        depth = len(line) - len(stripped)
        item = stripped == "-" or stripped.startswith("- ")
        if depth == 0 and not item:
            found = _HEADER.fullmatch(line)
            if found is None or found.group(1) in sections:
                return None
            current = sections[found.group(1)] = []
            chunk, indent = None, -1
            continue
        if current is None:
            return None
        if indent < 0:
            if not item:
                return None
            indent = depth
        if depth == indent and item:
            chunk = [line]
            current.append(chunk)
        elif depth <= indent or chunk is None:
            return None
        else:
            chunk.append(line)
    return {section: ["\n".join(c).rstrip() for c in chunks] for section, chunks in sections.items()}


def _whole(data: bytes) -> Version | None:
    """Parse the whole file (the slow, always right way)."""
    try:
        doc = load_marked(data)
    except YamlSyntaxError:
        return None
    if doc.data is None:
        return EMPTY
    if not isinstance(doc.data, dict):
        return None
    version = Version()
    for section, key in SECTIONS.items():
        items = doc.data.get(section)
        out = version.users if section == "users" else version.groups
        for item in items if isinstance(items, list) else ():
            entry = _entry(item, key)
            if entry is not None:
                out.setdefault(entry[0], entry[1])
    return version


def _entry(item: Any, key: str) -> Entry | None:
    """(id, the group ids in `key`) of one entry; None when it is not an entry with an id."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    return item["id"], tuple(_ids(item.get(key)))


def _ids(values: Any) -> Iterable[str]:
    """Group ids from `[a, b]` or `[{id: a, expires: …}]` (issue 15 §3's expiring memberships)."""
    for value in values if isinstance(values, list) else ():
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict) and isinstance(value.get("id"), str):
            yield value["id"]
