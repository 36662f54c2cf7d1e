"""Cycles in the group `parents` graph: one linear-time search for validator, engine and emulator."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


def iter_cycles(parents: Mapping[str, Iterable[str]]) -> Iterator[list[str]]:
    """Each cycle closed by a back edge, as `[a, b, …, a]`; iterative DFS from the roots in mapping order.

    Edges to ids that are not keys of `parents` are ignored (unknown references are reported elsewhere).
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in parents:
        if root in state:
            continue
        path = [root]
        stack = [iter(parents[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif nxt not in parents:
                continue
            elif state.get(nxt) == 1:
                yield path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(parents[nxt]))
