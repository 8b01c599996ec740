"""Redis Sentinel URLs (``redis+sentinel://host:port[,host:port]/service[/db]``): parsing and
settings, and the shared state through a real sentinel (Debian's redis-server in sentinel
mode, the same binary as the ``redis-sentinel`` package) watching a redis-server of its own,
both on free ports."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from idp.config import ConfigError, load_settings
from idp.state.connect import SentinelTarget, parse_sentinel_url
from tests.cli.test_cli import run_idp
from tests.support.gateway_stack import wait_for_port
from tests.support.mailcatcher import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "redis+sentinel://127.0.0.1:26379/mymaster",
            SentinelTarget((("127.0.0.1", 26379),), "mymaster"),
        ),
        (
            "redis+sentinel://s1.example:26380,s2.example,[::1]:26381/idp/3",
            SentinelTarget(
                (("s1.example", 26380), ("s2.example", 26379), ("::1", 26381)), "idp", 3
            ),
        ),
        (
            "redis+sentinel://:p%40ss@s1:26379/mymaster/0",
            SentinelTarget((("s1", 26379),), "mymaster", 0, "p@ss"),
        ),
    ],
)
def test_sentinel_urls_parse(url, expected):
    assert parse_sentinel_url(url) == expected
    assert load_settings({"redis_url": url}, environ={}).redis_url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+sentinel:///mymaster", "at least one sentinel"),
        ("redis+sentinel://s1:26379", "service name"),
        ("redis+sentinel://s1:26379/", "service name"),
        ("redis+sentinel://s1:port/mymaster", "must be a number"),
        ("redis+sentinel://s1:70000/mymaster", "from 1 to 65535"),
        ("redis+sentinel://s1/mymaster/x", "must be a number"),
        ("redis+sentinel://s1/a/1/2", "service name"),
    ],
)
def test_bad_sentinel_urls_stop_the_start_with_one_line(url, problem):
    with pytest.raises(ConfigError) as refused:
        load_settings({"redis_url": url}, environ={})
    assert "IDP_REDIS_URL" in str(refused.value) and problem in str(refused.value)
    assert "\n" not in str(refused.value)


class Redis:
    """redis-server (or, with ``sentinel_of``, a sentinel watching it) in a folder of its own."""

    def __init__(
        self, workdir: Path, sentinel_of: int | None = None, replica_of: int | None = None
    ):
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        if sentinel_of is None:
            args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            args += ["--appendonly", "no", "--dir", str(workdir)]
            if replica_of is not None:
                args += ["--replicaof", "127.0.0.1", str(replica_of)]
        else:
            conf = workdir / "sentinel.conf"
            conf.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndir {workdir}\n"
                f"sentinel monitor mymaster 127.0.0.1 {sentinel_of} 1\n"
                "sentinel down-after-milliseconds mymaster 1000\n"
                "sentinel failover-timeout mymaster 5000\n"
            )
            args = [str(conf), "--sentinel"]
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server
            [REDIS_SERVER, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory):
    if not Path(REDIS_SERVER).exists():
        pytest.skip("needs Debian's redis-server (scripts/install-test-deps)")
    root = tmp_path_factory.mktemp("sentinel")
    server = Redis(root / "redis")
    replica = Redis(root / "replica", replica_of=server.port)
    watcher = Redis(root / "sentinel", sentinel_of=server.port)
    yield {
        "url": f"redis+sentinel://127.0.0.1:{watcher.port}/mymaster/2",
        "server": server,
        "replica": replica,
        "sentinel": watcher,
    }
    for process in (watcher, replica, server):
        process.stop()


@pytest.mark.slow
def test_shared_state_through_a_real_sentinel(sentinel):
    from idp.state.redis_state import RedisState

    state = RedisState(sentinel["url"], f"idp-sentinel-{uuid.uuid4().hex[:8]}:")
    state.ping()
    assert state.incr("c", ttl=60) == 1 and state.incr("c", ttl=60) == 2
    assert 0 < state.ttl("c") <= 60
    assert state.add("once", "x", ttl=60) and not state.add("once", "y", ttl=60)
    assert state.pop("once") == "x" and state.pop("once") is None
    # It is the master the sentinel names, db 2.
    import redis

    direct = redis.Redis(port=sentinel["server"].port, db=2, decode_responses=True)
    assert direct.get(state.prefix + "c") == "2"


@pytest.mark.slow
def test_idp_check_reaches_redis_through_the_sentinel(sentinel, tmp_path):
    result = run_idp(["check"], tmp_path, {"IDP_REDIS_URL": sentinel["url"]})
    assert result.returncode == 0, result.stderr
    assert "redis: ok" in result.stdout


def test_idp_check_says_so_when_no_sentinel_answers(tmp_path):
    url = f"redis+sentinel://127.0.0.1:{free_port()}/mymaster"
    result = run_idp(["check"], tmp_path, {"IDP_REDIS_URL": url})
    assert result.returncode == 1
    assert "redis: FAILED" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_failover_moves_the_shared_state_to_the_new_master(sentinel):
    """Runs last in this module: afterwards the replica is the master. About 10 s: until the
    sentinel turns the old master into a replica, it still takes writes (and those are lost:
    Redis replication is asynchronous, see docs/operations.md)."""
    import redis

    from idp.state.redis_state import RedisState

    state = RedisState(sentinel["url"], f"idp-failover-{uuid.uuid4().hex[:8]}:")
    state.set("before", "1", ttl=60)
    replica = redis.Redis(port=sentinel["replica"].port, db=2, decode_responses=True)
    deadline = time.monotonic() + 10
    while replica.get(state.prefix + "before") != "1":  # replicated
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)
    watcher = redis.Redis(port=sentinel["sentinel"].port, decode_responses=True)

    def master_port() -> int:
        return int(watcher.execute_command("SENTINEL", "get-master-addr-by-name", "mymaster")[1])

    watcher.execute_command("SENTINEL", "FAILOVER", "mymaster")
    deadline = time.monotonic() + 20
    while master_port() != sentinel["replica"].port:
        assert time.monotonic() < deadline, "the failover did not happen"
        time.sleep(0.1)
    # The same client, without a restart: a pooled connection to the old master is dropped
    # when that one turns replica and refuses writes, and the next asks the sentinel again.
    while replica.get(state.prefix + "after") != "2":
        assert time.monotonic() < deadline, "writes did not reach the new master"
        try:
            state.set("after", "2", ttl=60)
        except (redis.ConnectionError, redis.ReadOnlyError, redis.TimeoutError):
            time.sleep(0.1)
    assert state.get("before") == "1"
