"""The idp command, run as a user would run it: a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.mailcatcher import free_port

IDP = str(Path(sys.executable).parent / "idp")


def run_idp(args, tmp_path, env=None, timeout=120):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    full_env.update(env or {})
    return subprocess.run(
        [IDP, *args], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def test_bad_configuration_is_one_clear_line(tmp_path):
    result = run_idp(["check"], tmp_path, {"IDP_SERVER_WORKERS": "lots"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: IDP_SERVER_WORKERS (environment): must be a whole number, got 'lots'"
    )


def test_check_passes_on_the_embedded_default(tmp_path):
    result = run_idp(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database: ok" in result.stdout
    assert "configuration: ok" in result.stdout


def test_check_fails_clearly_when_postgresql_is_unreachable(tmp_path):
    url = f"postgresql+psycopg://idp@127.0.0.1:{free_port()}/idp"
    result = run_idp(["check"], tmp_path, {"IDP_DATABASE_URL": url})
    assert result.returncode == 1
    assert "database: FAILED" in result.stderr
    assert "connection" in result.stderr.lower()


def test_check_fails_clearly_when_redis_is_unreachable(tmp_path):
    port = free_port()
    result = run_idp(["check"], tmp_path, {"IDP_REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    assert result.returncode == 1
    assert f"redis: FAILED: ConnectionError: Error 111 connecting to 127.0.0.1:{port}" in (
        result.stderr
    )


def test_check_fails_clearly_when_smtp_is_unreachable(tmp_path):
    env = {"IDP_MAIL_BACKEND": "smtp", "IDP_MAIL_SMTP_PORT": str(free_port())}
    result = run_idp(["check"], tmp_path, env)
    assert result.returncode == 1
    assert "mail: FAILED" in result.stderr


def test_init_creates_database_and_a_private_signing_key(tmp_path):
    result = run_idp(["init"], tmp_path)
    assert result.returncode == 0, result.stderr
    pems = list((tmp_path / "keys").glob("*.pem"))
    assert len(pems) == 2  # the active key and the next one, published ahead of rotation
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in pems)
    assert (tmp_path / "instance" / "idp.sqlite").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "instance").stat().st_mode & 0o777 == 0o700
    again = run_idp(["init"], tmp_path)
    assert again.returncode == 0
    assert len(list((tmp_path / "keys").glob("*.pem"))) == 2


def test_demo_credentials_are_readable_only_by_their_owner(tmp_path):
    creds = tmp_path / "instance" / "demo-credentials.json"
    creds.parent.mkdir()
    creds.write_text("{}")
    creds.chmod(0o644)
    result = run_idp(["demo", "--no-serve"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert creds.stat().st_mode & 0o777 == 0o600
    assert json.loads(creds.read_text())


@pytest.mark.slow
def test_demo_serves_and_is_ready(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_SERVER_PORT=str(port),
        IDP_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        IDP_SERVER_WORKERS="2",
    )
    proc = subprocess.Popen(
        [IDP, "demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if response.status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.time() < deadline, "demo did not become ready"
            time.sleep(0.3)
        creds = json.loads((tmp_path / "instance" / "demo-credentials.json").read_text())
        assert creds["issuer"] == f"http://127.0.0.1:{port}"
        assert {u["username"] for u in creds["users"]} >= {"office.admin", "secadmin"}
        assert requests.get(f"http://127.0.0.1:{port}/dev/outbox", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _children(pid: int) -> int:
    from pathlib import Path

    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                count += 1
        except (OSError, IndexError, ValueError):
            continue
    return count


def _serve_once(tmp_path, server: str, **env_extra: str):
    """``idp serve`` with two workers until ready, one GET /healthz, then stopped: the
    healthz answer, the number of workers seen, and everything the server printed."""
    assert run_idp(["init"], tmp_path).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(IDP_SERVER_PORT=str(port), IDP_SERVER_WORKERS="2", IDP_SERVER_KIND=server)
    env.update(env_extra)
    proc = subprocess.Popen(
        [IDP, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.time() < deadline, "idp serve did not become ready"
            time.sleep(0.3)
        healthz = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        workers = _children(proc.pid)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    return healthz, workers, output


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_serve_runs_the_production_server_with_the_configured_workers(tmp_path, server):
    healthz, workers, output = _serve_once(tmp_path, server)
    assert healthz.json() == {"status": "ok"}
    assert f"({server}, 2 workers)" in output
    assert workers == 2
    if server == "gunicorn":
        assert output.lower().count("booting worker") == 2
    else:  # the app's own access log, with the request id
        assert '"GET /healthz HTTP/1.1" 200' in output and "rid=" in output


@pytest.mark.slow
def test_serve_with_json_logs_writes_the_access_line_as_json(tmp_path):
    """``log_format = "json"`` under granian: the access line is a JSON object too, with the
    request id the answer carried."""
    healthz, _, output = _serve_once(tmp_path, "granian", IDP_LOG_FORMAT="json")
    assert healthz.status_code == 200
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "idp.access"]
    mine = [line for line in access if line["path"] == "/healthz"]
    assert mine, output[-2000:]
    assert mine[0]["request_id"] == healthz.headers["X-Request-ID"]
    assert (mine[0]["method"], mine[0]["status"]) == ("GET", 200)
    assert not any('"GET /healthz' in line for line in output.splitlines() if line[:1] != "{")
