"""`GET/PUT /api/v1/layout/dataSources`: the emulator has no data sources, and says so.

GET answers `{"dataSources": []}`; a PUT is validated like the real one (an object holding a `dataSources`
array of objects with an id) and accepted only when the array is empty, so nothing is pretended to be stored.
"""

from __future__ import annotations

from reconciler.emulator.reply import JSON, Reply, Request, document, no_content, parse, problem, wrong_method
from reconciler.emulator.user_rules import ID_RE

PATH = "/api/v1/layout/dataSources"


def answer(request: Request) -> Reply | None:
    """The answer when `request` is for the data sources layout, else None."""
    if request.path != PATH:
        return None
    if request.method == "GET":
        return document(200, {"dataSources": []}, JSON)
    if request.method != "PUT":
        return wrong_method(request.method, ("GET", "PUT"))
    raw, refused = parse(request, (JSON,))
    if refused is not None:
        return refused
    sources = raw.get("dataSources") if isinstance(raw, dict) else None
    if not isinstance(sources, list):
        return problem(400, "the body must be an object with a 'dataSources' array")
    for i, source in enumerate(sources):
        if (
            not isinstance(source, dict)
            or not isinstance(source.get("id"), str)
            or not ID_RE.fullmatch(source["id"])
        ):
            return problem(400, f"dataSources[{i}]: expected an object with a valid 'id'")
    if sources:
        return problem(
            400, "the emulator serves no data sources: only an empty 'dataSources' array is accepted"
        )
    return no_content()
