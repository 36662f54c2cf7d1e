"""A model of the HTTP call pattern of GoodData's Ruby users brick — not the brick itself.

`python -m benchmarks.platform_brick URL DOMAIN LOGIN ROWS_CSV` (password in BENCH_PASSWORD) makes the calls
the brick makes for one run over the brick's input CSV (one row per membership, API.md §7.1), as real HTTP
requests (the `requests` library), and prints one JSON object: its inner seconds, its requests by method,
and the per-user failures the server reported. What it models, from API.md §7 and the Ruby sources it cites
(`lib/gooddata/...` of gooddata-ruby; nothing of them is copied):

- log in (`POST /gdc/account/login`, `GET /gdc/account/token`), log out at the end;
- the domain phase as `add_to_organization` runs it (`models/domain.rb` `create_users`), once for all rows
  (unique by login): GET every domain user (pages of 1,000 until a short page); for a login not there POST
  the new user and GET its profile (`add_user`), for one whose names or e-mail differ PUT the merged profile
  (`update_user`); these writes 20 at a time (`pmapcat`, `$pmap_default_thread_count = 20`);
- the project phase as `sync_multiple_projects_based_on_pid` runs it (`lcm/actions/synchronize_users.rb`,
  `models/project.rb` `import_users`), one project after the other: GET the project, its internal roles and
  its members (pages of 1,000; the ENABLED ones are current), the project's groups (`check_groups`; a
  missing one is created: POST, then GET); the executing login is whitelisted; the diff by login on
  role and status gives added, changed and removed members: added, then changed, POSTed ENABLED with their
  role in batches of 100 (`set_users_roles`; the user URI built from the login, `resolve_roles`), removed
  POSTed DISABLED in batches of 100 (`disable_users`); then, if any row names a group, the members GET again
  (`login_users`), and for every group the rows mention the groups GET again (`UserGroup[name]`) and its
  members SET to the mentioned users (`modifyMembers`, `set_members`); a group no row mentions has its members
  read (the members GET, then a GET of each member's profile) and is SET to its whitelisted members.

Not modelled: the brick's own start-up (Ruby, the LCM actions before SynchronizeUsers: CollectDataProduct,
CollectMultipleProjectsColumn, CollectSegments), the SDK's 401/403 retry loop (a TT challenge is answered
with one token GET and one retry), and any e-mail.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

PAGE = 1000
BATCH = 100
DOMAIN_THREADS = 20
PROFILE = "/gdc/account/profile/"


class BrickModel:
    """One run's HTTP calls; `counts` by method, `failed` the per-user failures the server reported."""

    def __init__(self, url: str, domain: str, login: str, password: str) -> None:
        self.url, self.domain, self.login, self.password = url.rstrip("/"), domain, login.lower(), password
        self.counts: collections.Counter[str] = collections.Counter()
        self.failed: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sst = self._tt = self._profile = ""

    # -- HTTP ---------------------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
            self._local.session = session
        return session

    def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        with self._lock:
            self.counts[method] += 1
        r = self._session().request(
            method, self.url + path, json=body, headers=headers or {"X-GDC-AuthTT": self._tt}, timeout=300
        )
        return r

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One authenticated call; a TT challenge is answered by a token GET and one retry."""
        r = self._send(method, path, body)
        if r.status_code == 401 and "GDCAuthTT" in r.headers.get("WWW-Authenticate", ""):
            self._token()
            r = self._send(method, path, body)
        r.raise_for_status()
        return r.json() if r.content else None

    def _token(self) -> None:
        r = self._send("GET", "/gdc/account/token", headers={"X-GDC-AuthSST": self._sst})
        r.raise_for_status()
        self._tt = r.json()["userToken"]["token"]

    def log_in(self) -> None:
        body = {"postUserLogin": {"login": self.login, "password": self.password, "remember": 1}}
        r = self._send("POST", "/gdc/account/login", body, headers={})
        r.raise_for_status()
        answer = r.json()["userLogin"]
        self._sst, self._profile = answer["token"], answer["profile"]
        self._token()

    def log_out(self) -> None:
        user_id = self._profile.rsplit("/", 1)[-1]
        self._send(
            "DELETE",
            f"/gdc/account/login/{user_id}",
            headers={"X-GDC-AuthSST": self._sst, "X-GDC-AuthTT": self._tt},
        )

    def paged(self, path: str, key: list[str]) -> list[Any]:
        """offset/limit pages of PAGE until a short page."""
        items: list[Any] = []
        offset = 0
        while True:
            page: Any = self.call("GET", f"{path}{'&' if '?' in path else '?'}offset={offset}&limit={PAGE}")
            for k in key:
                page = page[k]
            items += page
            if len(page) < PAGE:
                return items
            offset += PAGE

    # -- the domain phase ---------------------------------------------------------------------------------

    def domain_phase(self, rows: list[dict[str, str]]) -> None:
        domain_path = f"/gdc/account/domains/{self.domain}/users"
        settings = self.paged(domain_path, ["accountSettings", "items"])
        existing = {s["accountSetting"]["login"].lower(): s["accountSetting"] for s in settings}
        unique = list({row["login"]: row for row in reversed(rows)}.values())[::-1]  # the first row per login

        def one(row: dict[str, str]) -> None:
            wanted = {"firstName": row["first_name"], "lastName": row["last_name"], "email": row["email"]}
            have = existing.get(row["login"])
            if have is None:
                secret = "Gen-" + os.urandom(12).hex()  # the SDK generates a password for a new user
                new = {"login": row["login"], **wanted, "password": secret, "verifyPassword": secret}
                created = self.call("POST", domain_path, {"accountSetting": {**new, "language": "en-US"}})
                self.call("GET", created["uri"])  # add_user reads the new profile back
            elif any(have.get(k) != v for k, v in wanted.items()):
                merged = {k: have.get(k) for k in ("firstName", "lastName", "email", "language")} | wanted
                self.call("PUT", have["links"]["self"], {"accountSetting": merged})

        with ThreadPoolExecutor(max_workers=DOMAIN_THREADS) as pool:
            list(pool.map(one, unique))

    # -- the project phase --------------------------------------------------------------------------------

    def project_phase(self, pid: str, rows: list[dict[str, str]]) -> None:
        self.call("GET", f"/gdc/projects/{pid}")
        listed = self.call("GET", f"/gdc/internal/projects/{pid}/roles")["internalProjectRoles"]["roles"]
        roles = {
            r["projectRole"]["meta"]["identifier"].lower(): r["projectRole"]["meta"]["uri"] for r in listed
        }
        current = self._enabled(pid)
        groups = self._groups(pid)
        by_name = {g["name"].lower(): g for g in groups}
        for name in dict.fromkeys(row["user_groups"] for row in rows if row["user_groups"]):
            if name.lower() not in by_name:
                body = {
                    "userGroup": {
                        "content": {"name": name, "description": name, "project": f"/gdc/projects/{pid}"}
                    }
                }
                uri = self.call("POST", "/gdc/userGroups", body)["uri"]
                by_name[name.lower()] = self.call("GET", uri)["userGroup"]["content"]
        desired = {
            row["login"]: [roles[(row["role"] or "readOnlyUserRole").lower()]]
            for row in rows
            if row["login"] != self.login
        }
        added = [who for who in desired if who not in current]
        changed = [who for who in desired if who in current and current[who]["userRoles"] != desired[who]]
        removed = [who for who in current if who not in desired and who != self.login]
        for logins in (added, changed):
            items = [self._item(PROFILE + who, "ENABLED", desired[who]) for who in logins]
            self._batches(pid, items)
        self._batches(pid, [self._item(current[who]["uri"], "DISABLED") for who in removed])
        self._group_phase(pid, rows, groups)

    def _enabled(self, pid: str) -> dict[str, dict[str, Any]]:
        members = self.paged(f"/gdc/projects/{pid}/users", ["users"])
        return {
            m["user"]["content"]["login"].lower(): {
                "uri": m["user"]["links"]["self"],
                "userRoles": m["user"]["content"]["userRoles"],
            }
            for m in members
            if m["user"]["content"]["status"] == "ENABLED"
        }

    def _groups(self, pid: str) -> list[dict[str, Any]]:
        items = self.call("GET", f"/gdc/userGroups?project={pid}")["userGroups"]["items"]
        return [{**g["userGroup"]["content"], "links": g["userGroup"]["links"]} for g in items]

    @staticmethod
    def _item(uri: str, status: str, roles: list[str] | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"status": status}
        if roles is not None:
            content["userRoles"] = roles
        return {"user": {"content": content, "links": {"self": uri}}}

    def _batches(self, pid: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), BATCH):
            answer = self.call("POST", f"/gdc/projects/{pid}/users", {"users": items[start : start + BATCH]})
            self.failed += answer["projectUsersUpdateResult"]["failed"]

    def _group_phase(self, pid: str, rows: list[dict[str, str]], groups: list[dict[str, Any]]) -> None:
        mentioned: dict[str, list[str]] = {}
        for row in rows:
            if row["user_groups"]:
                mentioned.setdefault(row["user_groups"], []).append(row["login"])
        if not mentioned:
            return
        lookup = self._enabled(pid)
        for name, logins in mentioned.items():
            uris = [lookup[who]["uri"] for who in logins if who in lookup]
            if not uris:
                continue
            group = next(g for g in self._groups(pid) if g["name"] == name)
            self._set(group["id"], uris)
        for group in groups:
            if group["name"] in mentioned:
                continue
            keep = []
            for member in self.call("GET", group["links"]["members"])["userGroupMembers"]["items"]:
                uri = member["user"]["links"]["self"]
                profile = self.call("GET", uri)["accountSetting"]
                if profile["login"].lower() == self.login:
                    keep.append(uri)
            self._set(group["id"], keep)

    def _set(self, group_id: str, uris: list[str]) -> None:
        body = {"modifyMembers": {"operation": "SET", "items": uris}}
        self.call("POST", f"/gdc/userGroups/{group_id}/modifyMembers", body)

    # -- one run --------------------------------------------------------------------------------------------

    def run(self, rows: list[dict[str, str]]) -> None:
        """The whole run: log in, the domain phase, every project's phase, log out."""
        self.log_in()
        try:
            self.domain_phase(rows)
            by_project: dict[str, list[dict[str, str]]] = {}
            for row in rows:
                by_project.setdefault(row["project_id"], []).append(row)
            for pid, project_rows in by_project.items():
                self.project_phase(pid, project_rows)
        finally:
            self.log_out()


def read_rows(path: Path) -> list[dict[str, str]]:
    """The brick's CSV: headers lower-cased, login and e-mail stripped and lower-cased, e-mail else login."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        reader.fieldnames = [f.lower() for f in reader.fieldnames or []]
        rows = []
        for row in reader:
            row["login"] = row["login"].strip().lower()
            row["email"] = (row.get("email") or row["login"]).strip()
            rows.append(row)
    return rows


def main(argv: list[str]) -> None:
    url, domain, login, rows_file = argv
    rows = read_rows(Path(rows_file))
    model = BrickModel(url, domain, login, os.environ["BENCH_PASSWORD"])
    started = time.perf_counter()
    model.run(rows)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "requests": dict(model.counts), "failed": model.failed}))


if __name__ == "__main__":
    main(sys.argv[1:])
