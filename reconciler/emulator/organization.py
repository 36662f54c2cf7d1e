"""The organization entity, as recorded (cassettes users/store_declarative_*): what gooddata-sdk reads to name
the folder of `store_declarative_*` and `load_and_put_declarative_*`.

`GET /api/v1/entities/organization` redirects (302) to `GET /api/v1/entities/admin/organizations/{id}`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from reconciler.emulator.reply import VND, Reply, Request, document, not_found, wrong_method
from reconciler.emulator.state import ORGANIZATION_ID, ORGANIZATION_NAME

CURRENT = "/api/v1/entities/organization"
ADMIN = "/api/v1/entities/admin/organizations/"
# A default organization's early-access flags, as the recorded server answered.
EARLY_ACCESS = (
    "enableAlerting",
    "enableSmtp",
    "enablePreAggregationDatasets",
    "enableScheduling",
    "enableCompositeGrain",
    "enableUserManagement",
    "enableRawExports",
    "enableFlexibleDashboardLayout",
)


def answer(request: Request) -> Reply | None:
    """The answer when `request` is for the organization, else None."""
    if request.path == CURRENT:
        if request.method != "GET":
            return wrong_method(request.method, ("GET",))
        return Reply(302, content_type=VND, headers={"Location": ADMIN + ORGANIZATION_ID})
    if not request.path.startswith(ADMIN) or "/" in request.path[len(ADMIN) :]:
        return None
    if request.method != "GET":
        return wrong_method(request.method, ("GET",))
    if request.path[len(ADMIN) :] != ORGANIZATION_ID:
        return not_found()
    attributes = {
        "allowedOrigins": [],
        "dataCenter": "",
        "earlyAccess": EARLY_ACCESS[0],
        "earlyAccessValues": list(EARLY_ACCESS),
        "hostname": urlsplit(request.base).hostname or "",
        "name": ORGANIZATION_NAME,
        "region": "",
    }
    data = {"attributes": attributes, "id": ORGANIZATION_ID, "type": "organization"}
    return document(200, {"data": data, "links": {"self": request.url}}, request.entity_type())
