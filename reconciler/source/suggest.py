"""`did you mean 'engineering'?`: the declared ids closest to an unknown one (difflib, standard library)."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

# A suggestion needs this similarity (difflib's ratio, 0..1, case ignored): 'enginering' → 'engineering'
# is 0.95, 'analyst' → 'analysts' 0.93, 'sales-all' → 'sales' 0.71; 'eng' → 'engineering' (0.43) is not one.
CUTOFF = 0.7
MOST = 3
NEAR = 0.05  # shown besides the best: only those about as close
# Comparisons (about 10 µs each) one validation may spend on suggestions: thousands of distinct unknown ids
# against thousands of groups would otherwise take minutes; past it, unknown ids get no suggestion.
BUDGET = 200_000


class Suggester:
    """The known ids, folded once; `hint()` of an unknown id is remembered (one typo is often repeated)."""

    def __init__(self, known: Iterable[str]) -> None:
        self._folded: dict[str, list[str]] = {}
        for ident in sorted(known):
            self._folded.setdefault(ident.casefold(), []).append(ident)
        self._candidates = list(self._folded)
        self._hints: dict[tuple[str, str | None], str] = {}
        self._budget = BUDGET

    def closest(self, unknown: str, *, exclude: str | None = None) -> list[str]:
        """Up to MOST known ids about as similar to `unknown` as the best, best first; never `exclude`."""
        if self._budget < len(self._candidates):
            return []
        self._budget -= len(self._candidates)
        matcher = SequenceMatcher()
        matcher.set_seq2(unknown.casefold())
        scored: list[tuple[float, str]] = []
        for folded in self._candidates:  # as difflib.get_close_matches, but ties keep alphabetical order
            matcher.set_seq1(folded)
            if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
                score = matcher.ratio()
                if score >= CUTOFF:
                    scored.extend((-score, i) for i in self._folded[folded] if i != exclude)
        scored.sort()
        # 'tema1' → 'team1' (0.80), not also 'team10' (0.73)
        return [i for score, i in scored if -score >= -scored[0][0] - NEAR][:MOST]

    def hint(self, unknown: str, *, exclude: str | None = None) -> str:
        """`"; did you mean 'a' or 'b'?"`, or "" when nothing known is close."""
        key = (unknown, exclude)
        if key not in self._hints:
            self._hints[key] = did_you_mean(self.closest(unknown, exclude=exclude))
        return self._hints[key]


def did_you_mean(ids: list[str]) -> str:
    """`"; did you mean 'a', 'b' or 'c'?"` for `ids`, "" for none."""
    if not ids:
        return ""
    shown = [repr(i) for i in ids]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"; did you mean {listed}?"
