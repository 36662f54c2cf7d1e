"""Writing YAML: plain data as block-style YAML, the bytes `yaml.dump` writes, through libyaml's C emitter.

`yaml.dump` builds a node for every value in Python (representer, resolver) and then hands the node graph to
libyaml's serializer and emitter: at 100,000 users the Python half was ~90% of `reconciler import`. `dump`
walks the data once and feeds the emitter the very events that serializer would produce — the same anchors
(none), tags, implicit flags and styles — so libyaml still decides every quote, escape and line fold:

- a mapping or list: a block-style start event (an empty one comes out as `{}` / `[]`, as before);
- a string: plain-implicit unless one of PyYAML's implicit resolvers would read it back as something else
  (`'yes'`, `'123'`, `'2027-03-31'` are quoted, exactly as yaml.dump quotes them);
- any other scalar (bool, int, float, None): the node PyYAML's SafeRepresenter makes and the implicit flags
  its serializer computes, unchanged.

What it does not do itself, it leaves to `yaml.dump` (`reference_dump`) for the whole document, so the output
never differs: a container that appears twice (yaml.dump writes `&id001` / `*id001`), a type other than
exactly dict, list, str, bool, int, float or None (a subclass, a date: yaml.dump represents or refuses it).
tests/test_yamlio_emit.py checks the identity against yaml.dump on generated data; tests/test_golden.py on
whole imports.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import yaml

try:
    _Dumper: type[Any] = yaml.CSafeDumper
except AttributeError:  # PyYAML built without libyaml: the same events through the Python emitter
    _Dumper = yaml.SafeDumper

_OPTIONS: dict[str, Any] = {"sort_keys": False, "default_flow_style": False, "allow_unicode": True}
_RESOLVERS: dict[Any, list[tuple[str, Any]]] = _Dumper.yaml_implicit_resolvers
_MAP_START = yaml.MappingStartEvent(None, None, True, flow_style=False)
_MAP_END = yaml.MappingEndEvent()
_SEQ_START = yaml.SequenceStartEvent(None, None, True, flow_style=False)
_SEQ_END = yaml.SequenceEndEvent()
_SCALARS = (bool, int, float, type(None))


class _Unsupported(Exception):
    """The data needs something only yaml.dump does (an alias, a type it represents its own way)."""


def reference_dump(data: Any) -> str:
    """`yaml.dump` with the options `dump` reproduces: block style, keys in the given order, UTF-8 text."""
    text: str = yaml.dump(data, Dumper=_Dumper, **_OPTIONS)
    return text


_PLAIN = (True, True)  # the implicit flags of a string that reads back as a string when written plainly
_QUOTED = (False, True)  # … and of one that would read back as another type (yaml.dump quotes it)


def _implicit(value: str) -> tuple[bool, bool]:
    """The serializer's implicit flags of a string: `Resolver.resolve(ScalarNode, value, (True, False))` is
    str unless one of the implicit resolvers for its first character (YAML 1.1 bool, int, null, …) claims
    the plain form."""
    for _tag, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return _QUOTED
    return _PLAIN


def _walker(emit: Callable[[Any], None]) -> Callable[[Any], None]:
    """A function that emits the events of one value (and everything in it) through `emit`; _Unsupported
    for a container met twice (an alias) or a type yaml.dump represents its own way."""
    scalar = yaml.ScalarEvent
    representer = yaml.representer.SafeRepresenter(default_flow_style=False, sort_keys=False)
    resolve: Callable[..., str] = yaml.resolver.Resolver().resolve
    scalar_node = yaml.ScalarNode
    seen: set[int] = set()
    keys: dict[str, Any] = {}  # a key's event, made once per distinct key (reusing value events is slower)

    def other(value: Any) -> Any:
        if type(value) not in _SCALARS:
            raise _Unsupported(type(value).__name__)
        node: Any = representer.represent_data(value)
        implicit = (
            node.tag == resolve(scalar_node, node.value, (True, False)),
            node.tag == resolve(scalar_node, node.value, (False, True)),
        )
        return scalar(None, node.tag, implicit, node.value, style=node.style)

    def walk(value: Any) -> None:
        kind = type(value)
        if kind is str:
            emit(scalar(None, None, _implicit(value), value))
            return
        if kind is not dict and kind is not list:
            emit(other(value))
            return
        if id(value) in seen:
            raise _Unsupported("alias")
        seen.add(id(value))
        if kind is dict:
            emit(_MAP_START)
            for key, item in value.items():
                event = keys.get(key)
                if event is None:
                    if type(key) is not str:
                        event = other(key)
                    else:
                        event = keys[key] = scalar(None, None, _implicit(key), key)
                emit(event)
                if type(item) is str:
                    emit(scalar(None, None, _implicit(item), item))
                else:
                    walk(item)
            emit(_MAP_END)
        else:
            emit(_SEQ_START)
            for item in value:
                if type(item) is str:
                    emit(scalar(None, None, _implicit(item), item))
                else:
                    walk(item)
            emit(_SEQ_END)

    return walk


def emitted(data: Any) -> str:
    """`data` through libyaml's emitter as the events yaml.dump's serializer makes; _Unsupported for an
    alias or a type yaml.dump represents its own way."""
    stream = io.StringIO()
    dumper = _Dumper(stream, **_OPTIONS)
    try:
        dumper.open()
        dumper.emit(yaml.DocumentStartEvent(explicit=False))
        _walker(dumper.emit)(data)
        dumper.emit(yaml.DocumentEndEvent(explicit=False))
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def dump(data: Any) -> str:
    """Serialize plain data as block-style YAML, keys in the given order: byte for byte `reference_dump`."""
    if None in _RESOLVERS:  # a resolver for every first character: _implicit would not hold
        return reference_dump(data)
    try:
        return emitted(data)
    except _Unsupported:
        return reference_dump(data)
