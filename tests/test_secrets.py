"""Nothing prints, logs, saves or commits the token (issue 6), and the transport refuses to expose it:
a literal token in reconciler.yaml, plain http:// to a remote host, unverified TLS."""

from __future__ import annotations

import datetime
import ipaddress
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from reconcile_helpers import Repo, git, layout_user, running, seeded, user

from reconciler.client import ClientOptions, GoodDataClient
from reconciler.emulator import Emulator, Fault, tls_context

TOKEN = "tok-SECRET-q8Zr4-distinctive"
WRONG = "tok-WRONG-x7Yp2-distinctive"
GROUPS = [{"id": "everyone", "name": "Everyone"}]
USERS = [user("jane", "everyone"), user("joe", "everyone")]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    yield from running(TOKEN)


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    return Repo.with_state(tmp_path / "org", emu, TOKEN, groups=GROUPS, users=USERS)


def every_file(root: Path) -> Iterator[tuple[Path, str]]:
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            yield path, path.read_bytes().decode("utf-8", "replace")


def test_no_command_shows_the_token_on_any_path(
    repo: Repo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan_file = tmp_path / "plan.json"
    imported = tmp_path / "imported"
    texts: list[str] = []
    codes: dict[str, int] = {}

    def run(name: str, *args: str, token: str | None = None) -> None:
        result = repo.run("-vv", *args, token=token)
        codes[name] = result.exit_code
        texts.extend([result.stdout, result.stderr])

    run("validate", "validate")
    run("render", "render")
    run("render-live", "render", "--live")
    for fmt in ("text", "markdown", "json"):
        run(f"plan-{fmt}", "plan", "--format", fmt)
    run("plan-out", "plan", "--out", str(plan_file))
    run("apply-plan", "apply", "--plan", str(plan_file))
    repo.write_state(groups=GROUPS, users=[user("jane", "everyone")])
    run("apply", "apply", "--auto-approve")
    run("import", "import", "--out", str(imported))
    run("backups", "backups")
    rev = git(repo.root, "log", "-1", "--format=%H").strip()
    run("restore", "restore", "--from", rev, "--auto-approve")
    # failure paths
    run("bad-token", "plan", token=WRONG)
    (repo.root / "state" / "bad.yaml").write_text("users:\n  - id: 'not valid'\n", encoding="utf-8")
    run("invalid-state", "plan")
    (repo.root / "state" / "bad.yaml").unlink()
    repo.emulator.replace_document(seeded(*[layout_user(f"u{i}", "adminGroup") for i in range(20)]))
    run("guard", "apply", "--auto-approve")
    repo.emulator.replace_document(seeded())
    repo.emulator.faults.add(Fault.ignore_field("email"), method="PUT")
    run("verify", "apply", "--auto-approve")
    repo.emulator.stop()
    run("network-down", "plan", "--retries", "0")

    assert codes == {
        "validate": 0,
        "render": 0,
        "render-live": 0,
        "plan-text": 0,
        "plan-markdown": 0,
        "plan-json": 0,
        "plan-out": 0,
        "apply-plan": 0,
        "apply": 0,
        "import": 0,
        "backups": 0,
        "restore": 0,
        "bad-token": 1,
        "invalid-state": 3,
        "guard": 4,
        "verify": 5,
        "network-down": 1,
    }
    texts += [r.getMessage() for r in caplog.records]
    texts += [text for _path, text in every_file(repo.root)]  # backups, locks, state
    texts += [text for _path, text in every_file(imported)]
    texts.append(plan_file.read_text())
    texts.append(git(repo.root, "log", "-p", "--all"))
    assert any("api error: 401" in t for t in texts)  # the failures really ran
    assert list(imported.glob("*.yaml")) and repo.backup_commits()
    for text in texts:
        assert TOKEN not in text
        assert WRONG not in text


def test_a_literal_token_in_reconciler_yaml_is_refused(repo: Repo) -> None:
    # The library-level refusal is tests/test_config.py::test_a_literal_token_is_refused_without_echoing_it.
    config = yaml.safe_load((repo.root / "reconciler.yaml").read_text())
    config["targets"]["test"]["token"] = TOKEN
    (repo.root / "reconciler.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = repo.run("-vv", "plan")
    assert result.exit_code == 3
    assert "a literal token is refused" in result.stderr
    assert TOKEN not in result.output
    assert not repo.emulator.request_log


@pytest.mark.parametrize("host", ["http://gd.example.com", "http://10.1.2.3:3000", "http://[2001:db8::1]"])
def test_plain_http_to_a_remote_host_is_refused_without_insecure_http(repo: Repo, host: str) -> None:
    # Only the client is constructed: no traffic goes anywhere.
    result = repo.run("plan", "--host", host)
    assert result.exit_code == 3
    assert "refusing plain http://" in result.stderr and "--insecure-http" in result.stderr
    client = GoodDataClient(host, TOKEN, options=ClientOptions(insecure_http=True))
    assert client.base_url == host
    client.close()


def test_tls_verification_is_on_by_default_and_a_ca_bundle_reaches_requests(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used\n")
    with GoodDataClient("https://gd.example.com", TOKEN) as default:
        assert default._session.verify is True
    options = ClientOptions(ca_bundle=str(bundle))
    with GoodDataClient("https://gd.example.com", TOKEN, options=options) as custom:
        assert custom._session.verify == str(bundle)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    LOOPBACK = ipaddress.ip_address("127.0.0.1")  # noqa: N806
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reconciler test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_tls_fails_without_the_ca_and_works_with_ca_bundle(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    emu = Emulator(token=TOKEN)
    emu.start(ssl_context=tls_context(cert, key))
    try:
        assert emu.url.startswith("https://127.0.0.1:")
        repo = Repo(tmp_path / "org", emu, TOKEN).setup()
        untrusted = repo.run("plan", "--retries", "3")
        assert untrusted.exit_code == 1
        assert "network error: TLS failed" in untrusted.stderr
        assert "certificate verify failed" in untrusted.stderr
        assert not emu.request_log  # nothing, not even the token, went over the unverified connection
        trusted = repo.run("plan", "--ca-bundle", str(cert))
        assert trusted.exit_code == 0, trusted.output
        assert "No changes" in trusted.stdout
        assert [r.method for r in emu.request_log][:1] == ["GET"]
    finally:
        emu.stop()
