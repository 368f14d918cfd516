"""The chart's Redis keeps its password off its command line (issue 16): the container's
start, run here as rendered, gives redis-server the password in a private config file;
the process's arguments do not show it, and Redis still requires it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from tests.chart.conftest import Render
from tests.chart.objects import find
from tests.procs import free_port, wait_until

PASSWORD = "pw-9f2c1e-not-on-the-command-line"


def redis_container(render: Render) -> dict[str, object]:
    (statefulset,) = [
        o
        for o in find(render({}), "StatefulSet")
        if o["metadata"]["labels"]["app.kubernetes.io/component"] == "redis"
    ]
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_the_password_is_not_in_the_rendered_arguments(render: Render) -> None:
    container = redis_container(render)
    words = " ".join([*container.get("command", []), *container.get("args", [])])  # type: ignore[misc]
    assert "--requirepass" not in words
    assert "$(REDIS_PASSWORD)" not in words  # Kubernetes would expand it into the arguments


def test_redis_started_as_rendered_requires_the_password_it_does_not_show(
    render: Render, tmp_path: Path
) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    container = redis_container(render)
    command = [*container["command"], *container["args"]]  # type: ignore[misc]
    assert command[:2] == ["sh", "-c"], command
    port = free_port()
    (tmp_path / "tmp").mkdir()
    (tmp_path / "data").mkdir()
    # The pod's /tmp and /data are its own: here, the test's directories, and a free port.
    script = (
        command[2].replace("/tmp/", f"{tmp_path}/tmp/").replace("/data", f"{tmp_path}/data")
        + f" --port {port} --bind 127.0.0.1"
    )
    server = subprocess.Popen(
        ["sh", "-c", script],
        env={**os.environ, "REDIS_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, password=PASSWORD, socket_timeout=2)
        wait_until(client.ping, timeout=30, message="redis-server")
        # exec: the shell became redis-server, whose arguments are readable by anyone
        cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
        assert "redis-server" in cmdline
        assert PASSWORD not in cmdline
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, password="wrong", socket_timeout=2).ping()
        with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
            redis.Redis(port=port, socket_timeout=2).set("k", "v")
        conf = tmp_path / "tmp" / "redis.conf"
        assert conf.stat().st_mode & 0o077 == 0  # only the owner reads it
    finally:
        server.terminate()
        server.wait(timeout=30)
