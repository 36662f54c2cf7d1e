"""A conservative JSON Schema check that needs no jsonschema: "certainly valid", or "ask jsonschema".

Importing jsonschema (and its referencing and format machinery) costs more than reading a small
reconciler.yaml and a few state files. `certainly_valid` understands the handful of keywords the shipped
schemas use, with jsonschema's semantics, and answers True only when the instance certainly has no
violation; an unknown keyword, a `$ref` it cannot follow, a value of an unusual Python type, or any doubt
answers False, and the caller asks jsonschema (which also writes the messages). Tests check against
jsonschema that whatever passes here has no violations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_PLAIN = (dict, list, str, int, float, bool, type(None))
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),  # jsonschema also accepts 1.0: that case asks jsonschema
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "$defs", "title", "description", "default", "examples", "deprecated"}
)


def certainly_valid(schema: Any, instance: Any, root: Any = None) -> bool:
    """True only when `instance` certainly satisfies `schema` (a draft 2020-12 schema; `root` for `$ref`)."""
    if schema is True:
        return True
    if type(schema) is not dict or type(instance) not in _PLAIN:
        return False
    root = schema if root is None else root
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or (keyword == "$id" and schema is root):
            continue
        check = _KEYWORDS.get(keyword)
        if check is None or not check(value, instance, schema, root):
            return False
    return True


def _type(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    names = value if type(value) is list else [value]
    return any(type(name) is str and type(instance) in _TYPES.get(name, ()) for name in names)


def _properties(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    if type(instance) is not dict:
        return True
    return all(certainly_valid(sub, instance[key], root) for key, sub in value.items() if key in instance)


def _additional(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    if type(instance) is not dict:
        return True
    if "patternProperties" in schema:
        return False
    known = schema.get("properties", {})
    return all(certainly_valid(value, item, root) for key, item in instance.items() if key not in known)


def _property_names(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) is not dict or all(certainly_valid(value, key, root) for key in instance)


def _required(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) is not dict or all(key in instance for key in value)


def _items(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    if "prefixItems" in schema:
        return False
    return type(instance) is not list or all(certainly_valid(value, item, root) for item in instance)


def _enum(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    if type(instance) not in (str, int, bool, type(None)):
        return False  # floats, lists and mappings compare with jsonschema's own rules
    return any(type(option) is type(instance) and option == instance for option in value)


def _const(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return _enum([value], instance, schema, root)


def _min_length(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) is not str or len(instance) >= value


def _max_length(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) is not str or len(instance) <= value


def _pattern(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) is not str or re.search(value, instance) is not None  # as jsonschema does


def _minimum(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) not in (int, float) or instance >= value


def _maximum(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    return type(instance) not in (int, float) or instance <= value


def _ref(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    if type(value) is not str or not value.startswith("#/") or "~" in value or "%" in value:
        return False
    target = root
    for part in value[2:].split("/"):
        if type(target) is not dict or part not in target:
            return False
        target = target[part]
    return certainly_valid(target, instance, root)


_EXACT_TYPES = frozenset({"object", "array", "string", "boolean", "null"})  # no 1.0-is-an-integer doubt


def _if(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    """`if` of a type alone (decided exactly), then the `then` or the `else` beside it."""
    if type(value) is not dict or set(value) != {"type"}:
        return False
    names = value["type"] if type(value["type"]) is list else [value["type"]]
    if not names or not all(type(n) is str and n in _EXACT_TYPES for n in names):
        return False
    branch = schema.get("then") if _type(value["type"], instance, value, root) else schema.get("else")
    return True if branch is None else certainly_valid(branch, instance, root)


def _decided_by_if(value: Any, instance: Any, schema: Any, root: Any) -> bool:
    """`then` / `else`: checked by the `if` beside them (alone they mean nothing)."""
    return True


_KEYWORDS: dict[str, Callable[[Any, Any, Any, Any], bool]] = {
    "if": _if,
    "then": _decided_by_if,
    "else": _decided_by_if,
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "required": _required,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": _minimum,
    "maximum": _maximum,
    "$ref": _ref,
}
