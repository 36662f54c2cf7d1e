"""The embedded organization (SPEC §8) that the `local` target names: the emulator in-process on loopback,
its data in a file under the repository; started, seeded the first time, and stopped around one command."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.targets import LOCAL_TARGET, ResolvedTarget


class LocalOrganization:
    """The embedded organization (SPEC §8): the emulator in-process on loopback, data in `data_file`."""

    def __init__(
        self,
        data_file: Path,
        *,
        bootstrap_user: str = "admin",
        bootstrap_group: str = "adminGroup",
        seed_service_account: str | None = "svc-ci",
    ) -> None:
        self.data_file = Path(data_file)
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.seed_service_account = seed_service_account
        self._emulator: Any = None

    def __repr__(self) -> str:
        return f"LocalOrganization(data_file={str(self.data_file)!r})"

    def __enter__(self) -> ResolvedTarget:
        import secrets  # hmac and OpenSSL's hashes: only for the token of the embedded server

        from reconciler.emulator import Emulator  # the server only when the local target is used

        first_time = not self.data_file.exists()
        token = secrets.token_urlsafe(32)
        try:
            self.data_file.parent.mkdir(parents=True, exist_ok=True)
            emulator = Emulator(
                token=token,
                data_file=self.data_file,
                bootstrap_user=self.bootstrap_user,
                bootstrap_group=self.bootstrap_group,
            )
            emulator.__enter__()
        except ValueError as e:  # the emulator's InvalidDocument: a corrupt or foreign data file
            raise ReconcilerError(
                f"local organization: {self.data_file} is not a usable organization ({e}); "
                "move it away to start a fresh one"
            ) from e
        except OSError as e:
            raise ReconcilerError(
                f"local organization: cannot start it with data in {self.data_file}: {e.strerror or e}"
            ) from e
        self._emulator = emulator
        try:
            if first_time and self.seed_service_account:
                self._seed(emulator)
        except BaseException:
            self._stop(None, None, None)
            raise
        return ResolvedTarget(
            name=LOCAL_TARGET,
            host=emulator.url,
            token=token,
            is_local=True,
            source=f"embedded organization ({self.data_file})",
        )

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop(exc_type, exc, tb)

    def _stop(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        emulator, self._emulator = self._emulator, None
        if emulator is not None:
            emulator.__exit__(exc_type, exc, tb)

    def _seed(self, emulator: Any) -> None:
        # A service account, so the example config's `ignore: users: ["svc-*"]` has something to protect.
        doc = emulator.document()
        users = doc.setdefault("users", [])
        if not any(u.get("id") == self.seed_service_account for u in users):
            users.append(
                {
                    "id": self.seed_service_account,
                    "firstname": "CI",
                    "lastname": "Service account",
                    "systemAccount": True,
                    "permissions": [],
                    "settings": [],
                }
            )
            emulator.replace_document(doc)
