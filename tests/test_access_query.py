"""access_query: the one call behind `reconciler access [USER|GROUP] [--workspace W]`."""

from __future__ import annotations

import access_org
import pytest

from reconciler.access.query import access_query
from reconciler.errors import ConfigError, ExitCode


def test_everyone_one_principal_one_workspace_and_both() -> None:
    m = access_org.model()
    assert {e.principal for e in access_query(m).entries} == {"admin", "carol", "eve", "jane.doe"}
    assert [(e.scope, e.permission) for e in access_query(m, "carol").entries] == [("hr", "VIEW")]
    assert {e.principal for e in access_query(m, workspace="hr").entries} == {"admin", "carol", "eve"}
    both = access_query(m, "jane.doe", "sales")
    assert {e.scope for e in both.entries} == {"sales"}
    assert [e.reason.text for e in access_query(m, "loop-a", "hr").entries] == ["via loop-b"]


def test_empty_answers_say_so() -> None:
    m = access_org.model()
    assert access_query(m, "bob").entries == []
    assert access_query(m, "bob").empty_message == "User bob holds no permission."
    assert access_query(m, "leads", "hr").empty_message == "Group leads holds no permission on workspace hr."
    assert access_query(m, workspace="sales-us").empty_message == "Nobody can see workspace sales-us."


def test_unknown_names_are_refused_in_words() -> None:
    m = access_org.model()
    with pytest.raises(ConfigError, match="no user or group 'nobody' in the organization") as e:
        access_query(m, "nobody")
    assert e.value.exit_code == ExitCode.INVALID
    with pytest.raises(ConfigError, match="no workspace 'nowhere'"):
        access_query(m, workspace="nowhere")
