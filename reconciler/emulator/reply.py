"""A request as an endpoint family sees it, and the answer it gives: no sockets, so each family is pure.

The handler (handler.py) turns the HTTP request into a `Request`, asks the families (families.py) for a
`Reply`, and writes it: the trace id, the recorded cache headers and problem+json bodies are the handler's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.faults import Fault
from reconciler.emulator.store import encode

JSON = "application/json"
VND = "application/vnd.gooddata.api+json"
NOT_FOUND_DETAIL = "The requested endpoint does not exist or you do not have permission to access it."


@dataclass(frozen=True)
class Request:
    """What an endpoint needs of one authenticated request."""

    method: str
    path: str
    target: str  # the path and query as sent
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    base: str  # scheme://host:port as the client addressed the server
    user_id: str
    fault: Fault | None = None  # a scripted fault that the endpoint itself must act out (ignore_field, ...)

    @property
    def url(self) -> str:
        """The URL the client asked for, query included (what `links.self` repeats)."""
        return self.base + self.target

    def entity_type(self) -> str:
        """The JSON:API answer's media type (`negotiate` of the request's Accept)."""
        return negotiate(self.headers.get("accept", ""))


def negotiate(accept: str) -> str:
    """A JSON:API answer's media type: application/json when Accept asks for it, else GoodData's own."""
    wanted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return JSON if JSON in wanted and VND not in wanted else VND


@dataclass(frozen=True)
class Reply:
    """An answer: a body (already encoded) with its media type, or a problem `detail` (problem+json)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    detail: str | None = None  # set: the handler answers application/problem+json with this detail
    drop: bool = False  # close the connection without answering (the drop_after_apply fault)


def hash_set_order(ids: Iterable[str]) -> list[str]:
    """`ids` in the iteration order of a Java HashSet of them: how GoodData's server orders `included`.

    Every recorded `included` array follows it (visitorsGroup before demoGroup, adminGroup before demoGroup);
    ties within a bucket, whose order the set's insertion history decides, are broken by id.
    """
    unique = sorted(set(ids))
    capacity = 16
    while len(unique) > capacity * 3 // 4:
        capacity *= 2

    def bucket(value: str) -> int:
        h = 0
        for ch in value:  # ids are ASCII: one UTF-16 unit per character, as Java hashes them
            h = (31 * h + ord(ch)) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(unique, key=bucket)


def document(status: int, payload: Any, content_type: str) -> Reply:
    """A JSON answer."""
    return Reply(status, encode(payload), content_type)


def no_content(content_type: str | None = None) -> Reply:
    """204; GoodData's entity API labels even that with its media type."""
    return Reply(204, content_type=content_type)


def problem(status: int, detail: str, *, allow: tuple[str, ...] = ()) -> Reply:
    """A refusal; `allow` lists the methods a 405 names."""
    return Reply(status, headers={"Allow": ", ".join(allow)} if allow else {}, detail=detail)


def not_found() -> Reply:
    """GoodData's 404 (the same text for an unknown id and an unknown endpoint)."""
    return problem(404, NOT_FOUND_DETAIL)


def wrong_method(method: str, allowed: tuple[str, ...]) -> Reply:
    """405 with Allow."""
    return problem(405, f"Request method '{method}' is not supported", allow=allowed)


def parse(request: Request, types: tuple[str, ...]) -> tuple[Any, Reply | None]:
    """The request's JSON body, or the 415/400 answered instead."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in types:
        return None, problem(415, f"Content-Type '{media or '(none)'}' is not supported; use {types[-1]}")
    try:
        return json.loads(request.body), None
    except ValueError as e:
        return None, problem(400, f"malformed JSON: {e}")
