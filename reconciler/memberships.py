"""The memberships one version of a state file declares: each user's groups, each group's parents.

History reads thousands of versions of the same files, each differing from the last in a few entries. A
version's text is split into its entries (the items of `users:` and `groups:`); an entry whose exact text
was seen before is not parsed again, and the new ones are parsed together in one document by the project's
loader. A file that does not split plainly (flow style, anchors and aliases, other top-level content) is
parsed whole: the split is only ever a shortcut to the same result.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler.yamlio import YamlSyntaxError, load_marked

SECTIONS = {"users": "userGroups", "groups": "parents"}  # the section, and the field naming its groups
# a section's first line; any other line at the start of a line ends the shortcut (checked by _plain)
_HEADER_LINE = re.compile(r"^(users|groups):[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_FIRST_ITEM = re.compile(r"^( *)- ", re.MULTILINE)
_ANCHOR = re.compile(r"[&*][^\s]")  # an anchor or alias: entries would depend on each other
_BEFORE_ANCHOR = " \t\n[{,:"
BLOB_CACHE = 256

Entry = tuple[str, tuple[str, ...]]  # an id and the groups it names


@dataclass(frozen=True)
class Version:
    """What one file version declares: user id → its groups, group id → its parents (first entry wins)."""

    users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


EMPTY = Version()


class VersionParser:
    """Parses file versions, remembering every entry's text and the last blobs parsed."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Entry | None] = {}  # (section, text) → entry
        self._blobs: OrderedDict[str, Version | None] = OrderedDict()  # the last ones: reverts are common

    def parse_blob(self, blob: str, read: Any) -> Version | None:
        """The version in `blob` (read with `read(blob)` unless seen); None when it is not valid YAML."""
        if blob in self._blobs:
            self._blobs.move_to_end(blob)
            return self._blobs[blob]
        version = self._blobs[blob] = self.parse(read(blob))
        if len(self._blobs) > BLOB_CACHE:
            self._blobs.popitem(last=False)
        return version

    def parse(self, data: bytes) -> Version | None:
        """The memberships `data` declares; None when it is not valid YAML (or not a state file)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _whole(data)
        sections = None if _anchored(text) else _split(text)
        if sections is None or not self._parse_new(sections):
            return _whole(data)
        version = Version()
        for section, (_, chunks) in sections.items():
            entries = self._entries
            found = [entries[section, chunk] for chunk in chunks]
            out = version.users if section == "users" else version.groups
            out.update(e for e in reversed(found) if e is not None)  # reversed: the first entry wins
        return version

    def _parse_new(self, sections: dict[str, tuple[int, list[str]]]) -> bool:
        """Check and parse the entries not seen before, one document per section; False when that fails."""
        for section, (indent, chunks) in sections.items():
            new = list(dict.fromkeys(c for c in chunks if (section, c) not in self._entries))
            if not new:
                continue
            if not all(_plain(chunk, indent) for chunk in new):
                return False
            try:
                doc = load_marked("\n".join(new).encode("utf-8"))
            except YamlSyntaxError:
                return False
            if not isinstance(doc.data, list) or len(doc.data) != len(new):
                return False
            for chunk, item in zip(new, doc.data, strict=True):
                self._entries[section, chunk] = _entry(item, SECTIONS[section])
        return True


def _anchored(text: str) -> bool:
    """True when the text may hold an anchor or an alias (`&a`, `*a` after a space or a bracket)."""
    if "&" not in text and "*" not in text:
        return False
    return any(m.start() == 0 or text[m.start() - 1] in _BEFORE_ANCHOR for m in _ANCHOR.finditer(text))


def _split(text: str) -> dict[str, tuple[int, list[str]]] | None:
    """Per section, the indentation of its items and the text of each; None when not plainly that.

    Only the layout is found here (in C-speed string operations); each entry's lines are checked when the
    entry is new (`_plain`), since an entry's text seen before was checked then.
    """
    headers = list(_HEADER_LINE.finditer(text))
    if not headers or not _only_comments(text[: headers[0].start()]):
        return None
    sections: dict[str, tuple[int, list[str]]] = {}
    for i, header in enumerate(headers):
        name = header.group(1)
        if name in sections:
            return None
        body = text[header.end() : headers[i + 1].start() if i + 1 < len(headers) else len(text)]
        first = _FIRST_ITEM.search(body)
        if first is None:
            if not _only_comments(body):
                return None
            sections[name] = (0, [])
            continue
        indent = len(first.group(1))
        pieces = ("\n" + body[first.start() :]).split("\n" + " " * indent + "- ")
        if not _only_comments(body[: first.start()]) or "\n" + " " * indent + "-\n" in body:
            return None
        prefix = " " * indent + "- "
        chunks = [prefix + piece for piece in pieces[1:]]  # pieces[0] is ""
        sections[name] = (indent, chunks)
    return sections


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n"))


def _plain(chunk: str, indent: int) -> bool:
    """Every line after the entry's first is blank, a comment, or indented deeper than the entry."""
    for line in chunk.split("\n")[1:]:
        stripped = line.lstrip(" ")
        if stripped and stripped[0] != "#" and len(line) - len(stripped) <= indent:
            return False
    return True


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
