"""GoodData's provisioning library's API (`gooddata-pipelines`), on the reconciler's engine.

    from reconciler.provisioning import UserIncrementalLoad, UserProvisioner   # the only line that changes

`PermissionProvisioner` (models `PermissionFullLoad`, `PermissionIncrementalLoad`, `EntityType`) loads
workspace permissions; it keeps `hierarchyPermissions`, which the library's PUT drops.
"""

from reconciler.provisioning.logger import LogObserver
from reconciler.provisioning.models import (
    EntityType,
    ModelError,
    PermissionFullLoad,
    PermissionIncrementalLoad,
    UserFullLoad,
    UserGroupFullLoad,
    UserGroupIncrementalLoad,
    UserIncrementalLoad,
)
from reconciler.provisioning.provisioners import (
    PermissionProvisioner,
    ProvisioningError,
    UserGroupProvisioner,
    UserProvisioner,
)

__all__ = [
    "EntityType",
    "LogObserver",
    "ModelError",
    "PermissionFullLoad",
    "PermissionIncrementalLoad",
    "PermissionProvisioner",
    "ProvisioningError",
    "UserFullLoad",
    "UserGroupFullLoad",
    "UserGroupIncrementalLoad",
    "UserGroupProvisioner",
    "UserIncrementalLoad",
    "UserProvisioner",
]
