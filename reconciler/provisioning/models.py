"""The provisioning library's input models, field for field: `UserFullLoad(**row)` works as it does there.

`gooddata-pipelines` validates with pydantic; these are plain classes with the same fields and the same
rules (unknown fields refused, `user_groups` a list, a group's empty name defaulting to its id), plus
GoodData's id rule on every id. A bad value raises `ModelError` (a `ValueError`, like pydantic's
`ValidationError`) naming the model, the field and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from reconciler.permission_names import WORKSPACE_PERMISSIONS
from reconciler.permission_records import PermissionRecord
from reconciler.records import ID, ID_WORDS, Record
from reconciler.source.model import Location


class ModelError(ValueError):
    """A record does not fit its model."""


class _Fields:
    """What every model shares: its checked values as attributes, equality, repr and pydantic's two names."""

    _values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values == self._values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict (pydantic's name for it)."""
        return dict(self._values)

    @classmethod
    def model_validate(cls, data: Mapping[str, Any]) -> Any:
        """Build from a mapping (pydantic's name for it)."""
        return cls(**data)


class _Model(_Fields):
    """Keyword-only fields; `_required` must be given (None allowed where `_nullable` says so)."""

    _kind: ClassVar[str]
    _id: ClassVar[str]
    _text: ClassVar[tuple[str, ...]]
    _list: ClassVar[str]
    _incremental: ClassVar[bool] = False

    def __init__(self, **values: Any) -> None:
        name = type(self).__name__
        allowed = {self._id, *self._text, self._list} | ({"is_active"} if self._incremental else set())
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ModelError(
                f"{name}: unknown field {', '.join(unknown)} (the fields are {', '.join(sorted(allowed))})"
            )
        for field in (self._id, *self._required()):
            if field not in values:
                raise ModelError(f"{name}: field {field} is required")
        rid = values[self._id]
        if not isinstance(rid, str) or not ID.fullmatch(rid):
            raise ModelError(f"{name}: {self._id} {rid!r} is not a valid GoodData id: {ID_WORDS}")
        self._values: dict[str, Any] = {self._id: rid}
        for field in self._text:
            value = self._default(field, values.get(field))
            if value is not None and not isinstance(value, str):
                raise ModelError(f"{name}: {field} must be text or None, not {type(value).__name__}")
            self._values[field] = value
        members = values.get(self._list)
        if members is None and self._list not in self._required():
            members = []
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ModelError(f"{name}: {self._list} must be a list of group ids, not {members!r}")
        for m in members:
            if not ID.fullmatch(m):
                raise ModelError(f"{name}: {self._list} holds {m!r}, not a valid GoodData id: {ID_WORDS}")
        self._values[self._list] = list(members)
        if self._incremental:
            active = values.get("is_active")
            if not isinstance(active, bool):
                raise ModelError(f"{name}: is_active must be true or false, not {active!r}")
            self._values["is_active"] = active

    def _required(self) -> tuple[str, ...]:
        return ()

    def _default(self, field: str, value: Any) -> Any:
        return value

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values[self._id]))

    def to_record(self, index: int) -> Record:
        """The engine's record; a None text field is one the record leaves as it is live."""
        fields = {f: self._values[f] for f in self._text if self._values[f] is not None}
        return Record(
            id=self._values[self._id],
            fields=fields,
            members=tuple(dict.fromkeys(self._values[self._list])),
            is_active=self._values.get("is_active", True),
            location=Location(f"{type(self).__name__}[{index}]"),
        )


class _User(_Model):
    _kind = "users"
    _id = "user_id"
    _text = ("firstname", "lastname", "email", "auth_id")
    _list = "user_groups"

    def _required(self) -> tuple[str, ...]:
        return ("firstname", "lastname", "email", "auth_id", "user_groups")

    def _default(self, field: str, value: Any) -> Any:
        return None if value == "" else value  # an empty auth_id is no auth_id


class UserFullLoad(_User):
    """One user of a full load: every user of the organization (`UserProvisioner.full_load`)."""


class UserIncrementalLoad(_User):
    """One user of an incremental load: `is_active` true creates or updates, false deletes."""

    _incremental = True


class _Group(_Model):
    _kind = "groups"
    _id = "user_group_id"
    _text = ("user_group_name",)
    _list = "parent_user_groups"

    def _required(self) -> tuple[str, ...]:
        return ("user_group_name",)

    def _default(self, field: str, value: Any) -> Any:
        return value or self._values[self._id]  # as the provisioning library: an empty name is the id


class UserGroupFullLoad(_Group):
    """One group of a full load: every group of the organization (`UserGroupProvisioner.full_load`)."""


class UserGroupIncrementalLoad(_Group):
    """One group of an incremental load: `is_active` true creates or updates, false deletes."""

    _incremental = True


class EntityType(StrEnum):
    """Who a permission is granted to (the provisioning library's enum)."""

    user = "user"
    user_group = "userGroup"


class _Permission(_Fields):
    """`permission, workspace_id, entity_id, entity_type` [+ `is_active`], checked as the library does, plus
    GoodData's id rule on the ids and the API's workspace permission names."""

    _incremental: ClassVar[bool] = False

    def __init__(self, **values: Any) -> None:
        name = type(self).__name__
        allowed = {"permission", "workspace_id", "entity_id", "entity_type"} | (
            {"is_active"} if self._incremental else set()
        )
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ModelError(
                f"{name}: unknown field {', '.join(unknown)} (the fields are {', '.join(sorted(allowed))})"
            )
        for f in sorted(allowed):
            if f not in values:
                raise ModelError(f"{name}: field {f} is required")
        for f in ("workspace_id", "entity_id"):
            if not isinstance(values[f], str) or not ID.fullmatch(values[f]):
                raise ModelError(f"{name}: {f} {values[f]!r} is not a valid GoodData id: {ID_WORDS}")
        if values["permission"] not in WORKSPACE_PERMISSIONS:
            raise ModelError(
                f"{name}: permission {values['permission']!r} is not a workspace permission "
                f"(one of {', '.join(WORKSPACE_PERMISSIONS)})"
            )
        try:
            entity_type = EntityType(values["entity_type"])
        except ValueError:
            raise ModelError(
                f"{name}: entity_type {values['entity_type']!r} is not user or userGroup"
            ) from None
        self._values: dict[str, Any] = {
            "permission": values["permission"],
            "workspace_id": values["workspace_id"],
            "entity_id": values["entity_id"],
            "entity_type": entity_type,
        }
        if self._incremental:
            if not isinstance(values["is_active"], bool):
                raise ModelError(f"{name}: is_active must be true or false, not {values['is_active']!r}")
            self._values["is_active"] = values["is_active"]

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(str(v) for v in self._values.values())))

    def to_record(self, index: int) -> PermissionRecord:
        """The engine's record."""
        v = self._values
        return PermissionRecord(
            v["workspace_id"],
            "user" if v["entity_type"] is EntityType.user else "userGroup",
            v["entity_id"],
            (v["permission"],),
            v.get("is_active", True),
            Location(f"{type(self).__name__}[{index}]"),
        )


class PermissionFullLoad(_Permission):
    """One permission of a full load: with the others of its workspace, all its direct permissions."""


class PermissionIncrementalLoad(_Permission):
    """One permission of an incremental load: `is_active` true grants it, false takes it away."""

    _incremental = True
