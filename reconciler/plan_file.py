"""A plan saved as JSON (`plan --out`) and read back (`apply --plan`)."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.atomic import write_atomically
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.plan import Plan


def save_plan(path: Path, plan: Plan) -> None:
    """Write a plan as JSON for a later `apply --plan`."""
    try:
        text = json.dumps(plan.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomically(path, text.encode("utf-8"))
    except OSError as e:
        raise ReconcilerError(f"i/o error: cannot write the plan to {path}: {e.strerror or e}") from e


def load_plan(path: Path) -> Plan:
    """Read a plan saved by `plan --out`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"invalid plan: cannot read {path}: {e.strerror or e}") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(f"invalid plan: {path} is not JSON: {e}") from e
    return Plan.from_dict(data)
