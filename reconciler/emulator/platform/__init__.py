"""The older GoodData platform (`/gdc/...`) for tests and `reconciler emulator --platform gooddata-platform`.

with PlatformEmulator() as emu:
    emu.add_project("p1", "Sales")
    requests.post(emu.url + "/gdc/account/login",
                  json={"postUserLogin": {"login": emu.admin_login, "password": emu.admin_password}})
"""

from __future__ import annotations

from reconciler.emulator.platform.emulator import PlatformEmulator
from reconciler.emulator.platform.state import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DOMAIN,
    USER_LOGIN,
    USER_PASSWORD,
)

__all__ = ["ADMIN_LOGIN", "ADMIN_PASSWORD", "DOMAIN", "USER_LOGIN", "USER_PASSWORD", "PlatformEmulator"]
