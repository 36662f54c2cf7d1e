"""GoodData's provisioning library's API (`gooddata-pipelines`), on the reconciler's engine.

    from reconciler.provisioning import UserIncrementalLoad, UserProvisioner   # the only line that changes

`PermissionProvisioner` (and its models) come with the permissions resource (issue 12): not here yet.
"""

from reconciler.provisioning.logger import LogObserver
from reconciler.provisioning.models import (
    ModelError,
    UserFullLoad,
    UserGroupFullLoad,
    UserGroupIncrementalLoad,
    UserIncrementalLoad,
)
from reconciler.provisioning.provisioners import ProvisioningError, UserGroupProvisioner, UserProvisioner

__all__ = [
    "LogObserver",
    "ModelError",
    "ProvisioningError",
    "UserFullLoad",
    "UserGroupFullLoad",
    "UserGroupIncrementalLoad",
    "UserGroupProvisioner",
    "UserIncrementalLoad",
    "UserProvisioner",
]
