"""GoodData's permission names (../shared/gooddata/API.md §2; the openapi DeclarativeWorkspacePermissions and
DeclarativeOrganizationPermission enums), strongest first. New server releases add names: the state's
validation warns about an unknown one instead of refusing it."""

from __future__ import annotations

WORKSPACE_PERMISSIONS = (
    "MANAGE",
    "ANALYZE",
    "EXPORT",
    "EXPORT_TABULAR",
    "EXPORT_PDF",
    "CREATE_AUTOMATION",
    "USE_AI_ASSISTANT",
    "WRITE_KNOWLEDGE_DOCUMENTS",
    "READ_KNOWLEDGE_DOCUMENTS",
    "CREATE_FILTER_VIEW",
    "VIEW",
)
ORGANIZATION_PERMISSIONS = ("MANAGE", "SELF_CREATE_TOKEN", "BASE_UI_ACCESS")
