"""Access that expires (issue 15 §3, acceptance 3): `{id, expires}` memberships, judged by an injected day.

The day is always given (`--today`, RECONCILER_TODAY, or a parameter): no test reads the real clock. The
membership below holds through 2027-03-31; the plan warns from 14 days ahead (policy.expiry.warn_days) and
removes it, naming it expired, from 2027-04-01.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.engine import render_offline
from reconciler.errors import StateError
from reconciler.expiry import as_of, expiry_notes, memberships
from reconciler.layout import RenderOptions, canonical, render_with_notes
from reconciler.plan import PlanContext, make_plan
from reconciler.source import load_state, validate_state

LAST_DAY = date(2027, 3, 31)
CONFIG = """\
state: state
default_target: local
targets: {local: {}}
policy:
  max_deletions: {percent: 100}
"""
STATE = """\
groups:
  - id: engineering
  - id: finance
users:
  - id: alice
    email: alice@example.com
    authId: alice
    userGroups: [engineering, {id: finance, expires: 2027-03-31}]
  - id: bob
    email: bob@example.com
    authId: bob
    userGroups: [finance]
"""
ENV = {"NO_COLOR": "1", "RECONCILER_TODAY": None, "GOODDATA_HOST": None, "GOODDATA_TOKEN": None}


def repo(tmp_path: Path, state: str = STATE, config: str = CONFIG) -> Path:
    (tmp_path / "state").mkdir(parents=True, exist_ok=True)
    (tmp_path / "reconciler.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "state" / "s.yaml").write_text(state, encoding="utf-8")
    return tmp_path


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={**ENV, **(env or {})}, catch_exceptions=False)


def day(offset: int) -> str:
    return (LAST_DAY + timedelta(days=offset)).isoformat()


# --- loading: ids where ids are expected, the days beside them


def test_an_expiring_membership_loads_as_its_id_with_the_day_beside_it(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path))
    state = load_state(config, today=LAST_DAY)
    alice = state.users["alice"]
    assert alice.fields["userGroups"] == ["engineering", "finance"]
    assert alice.expires == {"finance": LAST_DAY}
    assert state.users["bob"].expires == {}
    assert state.as_of == LAST_DAY
    assert list(memberships(state)) and next(memberships(state)).group == "finance"


@pytest.mark.parametrize(("offset", "kept"), [(-1, True), (0, True), (1, False), (400, False)])
def test_render_leaves_the_membership_out_from_the_day_after_its_date(
    tmp_path: Path, offset: int, kept: bool
) -> None:
    config = load_config(cwd=repo(tmp_path))
    state = load_state(config, today=date.fromisoformat(day(offset)))
    doc = render_offline(config, state)
    alice = next(u for u in doc["users"] if u["id"] == "alice")
    groups = [r["id"] for r in alice["userGroups"]]
    assert groups == (["engineering", "finance"] if kept else ["engineering"])
    bob = next(u for u in doc["users"] if u["id"] == "bob")
    assert [r["id"] for r in bob["userGroups"]] == ["finance"]  # a plain id stays valid


def test_without_a_day_nothing_expires(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path))
    state = load_state(config)
    assert state.as_of is None
    alice = next(u for u in render_offline(config, state)["users"] if u["id"] == "alice")
    assert [r["id"] for r in alice["userGroups"]] == ["engineering", "finance"]
    assert as_of(state, LAST_DAY) is state  # nothing past on its last day: the same state back


def test_the_plan_removes_an_expired_membership_and_names_it_expired(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path))
    live_state = load_state(config, today=LAST_DAY)
    live = render_with_notes(live_state, None, RenderOptions()).document
    state = load_state(config, today=LAST_DAY + timedelta(days=1))
    rendered = render_with_notes(state, live, RenderOptions())
    plan = make_plan(live, rendered.document, target="t", context=PlanContext(notes=rendered.notes))
    [change] = plan.changes
    assert (change.op, change.id) == ("update", "alice")
    assert [(f.field, f.removed) for f in change.fields] == [("userGroups", ("finance",))]
    [warning] = plan.warnings
    assert (warning.kind, warning.severity, warning.subject, warning.id) == (
        "expired",
        "info",
        "user",
        "alice",
    )
    assert "expired on 2027-03-31" in warning.message and "finance" in warning.message


def test_once_removed_the_expired_membership_still_asks_to_be_deleted_from_the_file() -> None:
    from reconciler.source.model import DesiredState, Entry, Location

    entry = Entry(
        "user", "alice", {"userGroups": ["finance"]}, Location("s.yaml"), expires={"finance": LAST_DAY}
    )
    state = DesiredState(users={"alice": entry}, groups={})
    after = LAST_DAY + timedelta(days=1)
    held = {"alice": {"id": "alice", "userGroups": [{"id": "finance", "type": "userGroup"}]}}
    [removes] = expiry_notes(state, after, held, 14)
    [gone] = expiry_notes(state, after, {"alice": {"id": "alice"}}, 14)
    assert "the plan removes it" in removes and "the plan removes it" not in gone
    assert "delete it from the state file" in gone
    assert expiry_notes(state, after, held, 14, ignore_users=("ali*",)) == []


@pytest.mark.parametrize(
    ("offset", "warned"),
    [(-15, False), (-14, True), (-13, True), (-1, True), (0, True), (1, False)],
)
def test_the_warning_appears_within_the_window(tmp_path: Path, offset: int, warned: bool) -> None:
    config = load_config(cwd=repo(tmp_path))
    state = load_state(config, today=date.fromisoformat(day(offset)))
    notes = render_with_notes(state, None, RenderOptions(expiry_warn_days=14)).notes
    expiring = [n for n in notes if "the membership expires" in n]
    assert bool(expiring) is warned
    if offset == 0:
        assert "today is its last day" in expiring[0]
    if offset == -1:
        assert "in 1 day)" in expiring[0]


def test_the_window_is_configurable(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path, config=CONFIG + "  expiry: {warn_days: 3}\n"))
    assert config.policy.expiry.warn_days == 3
    for offset, warned in ((-4, False), (-3, True)):
        state = load_state(config, today=date.fromisoformat(day(offset)))
        options = RenderOptions(expiry_warn_days=config.policy.expiry.warn_days)
        notes = render_with_notes(state, None, options).notes
        assert any("the membership expires" in n for n in notes) is warned


# --- every format, through the CLI on the embedded local organization


@pytest.fixture
def applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    result = run("apply", "--auto-approve", "--today", day(-30))
    assert result.exit_code == 0, result.output
    return root


def test_every_format_names_the_expired_membership_the_day_after(applied: Path) -> None:
    text = run("plan", "--today", day(1))
    assert text.exit_code == 0, text.output
    assert "expired on 2027-03-31" in text.stdout and "userGroups: -finance" in text.stdout
    assert "1 to change" in text.stdout
    markdown = run("plan", "--today", day(1), "--format", "markdown")
    assert "expired on 2027-03-31" in markdown.stdout and "-finance" in markdown.stdout
    data = json.loads(run("plan", "--today", day(1), "--format", "json").stdout)
    assert [w["kind"] for w in data["warnings"]] == ["expired"]
    assert data["warnings"][0]["severity"] == "info"
    [change] = data["changes"]
    assert change["id"] == "alice" and change["fields"][0]["removed"] == ["finance"]


@pytest.mark.parametrize("offset", [-14, -1, 0])
def test_every_format_warns_within_the_window_and_changes_nothing(applied: Path, offset: int) -> None:
    for fmt in ("text", "markdown"):
        result = run("plan", "--today", day(offset), "--format", fmt, "--detailed-exitcode")
        assert result.exit_code == 0, result.output  # no changes yet: no drift
        assert "leaves group finance after 2027-03-31" in result.stdout
    data = json.loads(run("plan", "--today", day(offset), "--format", "json").stdout)
    assert data["changes"] == [] and [w["kind"] for w in data["warnings"]] == ["expiring"]


def test_outside_the_window_the_plan_says_nothing(applied: Path) -> None:
    data = json.loads(run("plan", "--today", day(-15), "--format", "json").stdout)
    assert data["changes"] == [] and data["warnings"] == []


def test_apply_removes_it_and_the_day_comes_from_the_environment_too(applied: Path) -> None:
    env = {"RECONCILER_TODAY": day(1)}
    result = run("apply", "--auto-approve", env=env)
    assert result.exit_code == 0, result.output
    after = json.loads(run("plan", "--format", "json", env=env).stdout)
    assert after["changes"] == [] and [w["kind"] for w in after["warnings"]] == ["expired"]
    live = run("render", "--live", "--today", day(-1))  # renders with the live fields, the day before
    alice = next(u for u in json.loads(live.stdout)["users"] if u["id"] == "alice")
    assert [r["id"] for r in alice["userGroups"]] == ["engineering", "finance"]


@pytest.mark.parametrize("value", ["2027-02-30", "tomorrow", "2027-4-1"])
def test_a_day_that_is_no_date_is_refused(applied: Path, value: str) -> None:
    option = run("plan", "--today", value)
    assert option.exit_code == 3 and "invalid --today" in option.output
    env = run("validate", env={"RECONCILER_TODAY": value})
    assert env.exit_code == 3 and "invalid RECONCILER_TODAY" in env.output


# --- validate


def problems(tmp_path: Path, state: str, today: date | None, config: str = CONFIG) -> list[str]:
    cfg = load_config(cwd=repo(tmp_path, state, config))
    return [str(p) for p in validate_state(cfg, today=today).problems]


def test_validate_warns_about_past_dates_with_file_and_line(tmp_path: Path) -> None:
    [past] = problems(tmp_path, STATE, LAST_DAY + timedelta(days=1))
    assert past.startswith("state/s.yaml:8:45: warning: user 'alice': the membership in group 'finance'")
    assert "expired on 2027-03-31 (1 day ago)" in past
    assert problems(tmp_path, STATE, LAST_DAY) == []


def test_validate_warns_about_dates_too_far_ahead(tmp_path: Path) -> None:
    [far] = problems(tmp_path, STATE, LAST_DAY - timedelta(days=401))
    assert "401 days ahead: more than policy.expiry.max_days (400)" in far and ":8:45: warning:" in far
    assert problems(tmp_path, STATE, LAST_DAY - timedelta(days=400)) == []
    short = CONFIG + "  expiry: {max_days: 30}\n"
    assert len(problems(tmp_path, STATE, LAST_DAY - timedelta(days=31), short)) == 1
    unbounded = CONFIG + "  expiry: {max_days: null}\n"
    assert problems(tmp_path, STATE, LAST_DAY - timedelta(days=9999), unbounded) == []


def test_a_date_that_is_not_a_date_is_an_error(tmp_path: Path) -> None:
    state = STATE.replace("2027-03-31", "2027-02-30")
    [error] = problems(tmp_path, state, None)
    assert error == (
        "state/s.yaml:8:45: error: user 'alice': the membership in group 'finance' expires on "
        "'2027-02-30', which is not a date"
    )
    with pytest.raises(StateError):
        load_state(load_config(cwd=tmp_path), today=LAST_DAY)


@pytest.mark.parametrize(
    ("membership", "expected"),
    [
        ("{id: finance, expires: 31.3.2027}", "'31.3.2027' is not a date: write it YYYY-MM-DD"),
        ("{id: finance}", "'expires' is a required property"),
        (
            "{id: finance, expires: 2027-03-31, until: x}",
            "unknown key 'until' (expected one of: expires, id)",
        ),
        ("{id: fin ance, expires: 2027-03-31}", "is not a valid GoodData id"),
        ("{id: nosuch, expires: 2027-03-31}", "names unknown group 'nosuch'"),
        ("finance, {id: finance, expires: 2027-03-31}", "group 'finance' is listed twice in userGroups"),
    ],
)
def test_bad_expiring_memberships_are_errors(tmp_path: Path, membership: str, expected: str) -> None:
    state = STATE.replace("[engineering, {id: finance, expires: 2027-03-31}]", f"[engineering, {membership}]")
    found = problems(tmp_path, state, LAST_DAY)
    assert any(expected in p and ": error: " in p and p.startswith("state/s.yaml:8:") for p in found), found


def test_the_bootstrap_users_bootstrap_membership_cannot_expire(tmp_path: Path) -> None:
    state = STATE + "  - id: admin\n    userGroups: [{id: adminGroup, expires: 2027-03-31}]\n"
    found = problems(tmp_path, state, LAST_DAY)
    assert any("bootstrap group 'adminGroup' cannot expire" in p for p in found), found


def test_validate_cli_uses_the_given_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo(tmp_path))
    assert run("validate", "--strict", "--today", day(0)).exit_code == 0
    late = run("validate", "--strict", "--today", day(1))
    assert late.exit_code == 3 and "state/s.yaml:8:45: warning:" in late.stdout


# --- import and load keep plain ids; edits keep declared expiries


def test_import_writes_plain_ids_and_warns_that_force_drops_expiries(applied: Path) -> None:
    result = run("import", "--force")
    assert result.exit_code == 0, result.output
    assert "1 membership(s) with `expires`" in result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((applied / "state").rglob("*.yaml")))
    assert "expires" not in text and "finance" in text


def test_a_csv_load_that_changes_a_users_groups_keeps_the_expiry(applied: Path) -> None:
    (applied / "records.csv").write_text(
        "user_id,email,user_groups,is_active\nalice,alice@example.com,finance|engineering|newgroup,true\n",
        encoding="utf-8",
    )
    result = run("load", "records.csv", "--kind", "users", "--mode", "incremental")
    assert result.exit_code == 0, result.output
    state = load_state(load_config(cwd=applied), today=LAST_DAY)
    assert state.users["alice"].expires == {"finance": LAST_DAY}
    assert set(state.users["alice"].fields["userGroups"]) == {"engineering", "finance", "newgroup"}


def test_canonical_documents_never_hold_expires(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path))
    doc = render_offline(config, load_state(config, today=LAST_DAY))
    assert "expires" not in json.dumps(canonical(doc))


# --- `reconciler expire`: what the drift run does under policy.expiry.apply

TWO = STATE.replace(
    "    userGroups: [engineering, {id: finance, expires: 2027-03-31}]\n",
    "    # a contractor until spring\n"
    "    userGroups: [engineering, {id: finance, expires: 2027-03-31}, {id: audit, expires: 2027-06-30}]\n",
).replace("  - id: finance\n", "  - id: finance  # the money people\n  - id: audit\n")


def test_expire_lists_and_names_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo(tmp_path, TWO, CONFIG + "  expiry: {apply: auto, warn_days: 100}\n"))
    text = run("expire", "--today", day(1))
    assert text.exit_code == 0, text.output
    assert "expired  user alice in group finance: last day 2027-03-31" in text.stdout
    assert "expiring user alice in group audit: last day 2027-06-30" in text.stdout
    data = json.loads(run("expire", "--today", day(1), "--format", "json").stdout)
    assert data["policy"] == "auto" and data["today"] == "2027-04-01"
    assert [(m["user"], m["group"]) for m in data["expired"]] == [("alice", "finance")]
    assert [(m["user"], m["group"]) for m in data["expiring"]] == [("alice", "audit")]
    assert run("expire", "--write", "--apply").exit_code == 64  # a usage error


def test_expire_write_deletes_only_the_expired_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, TWO)
    monkeypatch.chdir(root)
    assert run("expire", "--write", "--today", day(0)).stdout == ""  # nothing past yet: nothing written
    result = run("expire", "--write", "--today", day(1))
    assert result.exit_code == 0 and result.stdout == "state/s.yaml\n"
    text = (root / "state" / "s.yaml").read_text(encoding="utf-8")
    before, after = TWO.splitlines(), text.splitlines()
    assert (
        after[: before.index("    # a contractor until spring") + 1]
        == before[: after.index("    userGroups:")]
    )
    assert "finance, expires" not in text and "expires: 2027-06-30" in text  # the kept day stays plain
    assert after[-4:] == before[-4:]  # bob untouched
    state = load_state(load_config(cwd=root), today=LAST_DAY + timedelta(days=1))
    assert state.users["alice"].expires == {"audit": date(2027, 6, 30)}


def test_expire_apply_removes_only_the_expirations(applied: Path) -> None:
    # other drift in git (bob leaves finance) is not applied by `expire --apply`
    (applied / "state" / "s.yaml").write_text(STATE.replace("userGroups: [finance]", "userGroups: []"))
    result = run("expire", "--apply", "--auto-approve", "--today", day(1))
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.stdout
    after = json.loads(run("plan", "--today", day(1), "--format", "json").stdout)
    assert [(c["id"], c["fields"][0]["removed"]) for c in after["changes"]] == [("bob", ["finance"])]


def test_policy_expiry_defaults_and_refusals(tmp_path: Path) -> None:
    from reconciler.errors import ConfigError

    expiry = load_config(cwd=repo(tmp_path)).policy.expiry
    assert (expiry.warn_days, expiry.max_days, expiry.apply) == (14, 400, "pr")
    for bad in ("{apply: sometimes}", "{warn_days: -1}", "{warn_day: 3}"):
        (tmp_path / "reconciler.yaml").write_text(CONFIG + f"  expiry: {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"reconciler.yaml:6:"):
            load_config(cwd=tmp_path)
