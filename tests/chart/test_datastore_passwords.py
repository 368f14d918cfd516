"""Passwords that survive reinstalls, `skaffold dev` reruns and upgrades (issue 13, #7).

The generated Secret is a pre-install hook: made at install only, and made anew (Helm's
before-hook-creation) on a reinstall over kept volumes. So it holds every key a later
upgrade could reference, and the in-chart datastores adopt the password it holds on every
start. The adoption scripts are taken from the rendered manifest and run against real
servers: a private PostgreSQL cluster and a private RabbitMQ node.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import amqp
import psycopg
import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tests.private_services import RABBITMQ_BIN, OwnPostgres, OwnRabbitMQ, _pg_bin
from tools.helm import Obj

GENERATED = "conveyor-generated"
OLD, NEW = "old-password-A", "new 'quoted' \"pass\" $word\\B"
EXTERNAL_DB = {"postgresql": {"enabled": False}, "externalDatabase": {"existingSecret": "db"}}


def _generated_refs(node: Any) -> set[str]:
    """The keys of the generated Secret that anything in ``node`` references."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("secretKeyRef")
        if isinstance(ref, dict) and ref.get("name") == GENERATED:
            found.add(ref["key"])
        for value in node.values():
            found |= _generated_refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _generated_refs(value)
    return found


def _generated_keys(objects: list[Obj]) -> set[str]:
    (secret,) = find(objects, "Secret", GENERATED)
    return set(secret["data"])


@pytest.mark.parametrize(
    ("install", "upgrade"),
    [
        pytest.param(
            {**EXTERNAL_DB},
            {"rabbitmq": {"enabled": True}, "redis": {"enabled": False}},
            id="redis-then-postgresql-and-rabbitmq",
        ),
        pytest.param(
            {
                **EXTERNAL_DB,
                "secretKey": {"existingSecret": "s"},
                "redis": {"enabled": False},
                "externalBroker": {"existingSecret": "b"},
            },
            {},
            id="all-external-then-all-in-chart",
        ),
    ],
)
def test_the_install_secret_holds_every_key_a_later_upgrade_references(
    render: Render, install: dict[str, Any], upgrade: dict[str, Any]
) -> None:
    # given the Secret a first install creates (the hook never runs again on upgrade)
    kept = _generated_keys(render(install))
    # when an upgrade enables other in-chart services or drops an existingSecret
    referenced = _generated_refs(render(upgrade))
    # then every key it references is already there
    assert referenced
    assert referenced <= kept, f"missing from the install's Secret: {referenced - kept}"


def test_the_secret_is_made_once_at_install_with_fixed_keys(render: Render) -> None:
    (secret,) = find(render(), "Secret", GENERATED)
    annotations = secret["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    assert annotations["helm.sh/resource-policy"] == "keep"
    # the key values name keys of an existing Secret; the generated one's are the chart's
    renamed = {"auth": {"passwordKey": "pw"}}
    objects = render({"postgresql": renamed, "redis": renamed})
    assert _generated_keys(objects) == {
        "secret-key",
        "postgresql-password",
        "redis-password",
        "rabbitmq-password",
    }
    assert "pw" not in _generated_refs(objects)
    # and without hooks there is none (the chart then refuses to generate, test_chart.py)
    all_external = {
        **EXTERNAL_DB,
        "hooks": {"enabled": False},
        "secretKey": {"existingSecret": "s"},
        "redis": {"auth": {"existingSecret": "r"}},
    }
    assert not find(render(all_external), "Secret")


def test_every_datastore_reads_the_password_the_app_reads(render: Render) -> None:
    rabbitmq = {"rabbitmq": {"enabled": True}, "redis": {"enabled": False}}
    for values, component, variable in [
        ({}, "postgresql", "POSTGRES_PASSWORD"),
        ({}, "redis", "REDIS_PASSWORD"),
        (rabbitmq, "rabbitmq", "RABBITMQ_PASSWORD"),
    ]:
        objects = render(values)
        api = find(objects, "Deployment", "conveyor-api")[0]["spec"]["template"]["spec"]
        app_ref = next(e for e in api["containers"][0]["env"] if e["name"] == variable)
        pod = find(objects, "StatefulSet", f"conveyor-{component}")[0]["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            refs = [e["valueFrom"] for e in container.get("env", []) if "valueFrom" in e]
            assert refs == [app_ref["valueFrom"]], (component, container["name"])


def test_redis_takes_its_password_from_the_secret_on_every_start(render: Render) -> None:
    """Written from $REDIS_PASSWORD into the pod's /tmp at each start (never kept in
    /data), so a changed Secret takes effect at the next start; not on the command line
    (tests/chart/test_redis_password.py runs it)."""
    redis = find(render(), "StatefulSet", "conveyor-redis")[0]["spec"]["template"]["spec"]
    (script,) = redis["containers"][0]["args"]
    assert '"$REDIS_PASSWORD" > /tmp/redis.conf' in script
    assert "exec redis-server /tmp/redis.conf" in script


# --- PostgreSQL: the rendered initContainer against a private cluster ---------------------


def _postgresql_script(render: Render) -> str:
    pod = find(render(), "StatefulSet", "conveyor-postgresql")[0]["spec"]["template"]["spec"]
    (init,) = [c for c in pod["initContainers"] if c["name"] == "adopt-password"]
    assert init["command"] == ["sh", "-c"]
    assert init["image"] == pod["containers"][0]["image"]
    script: str = init["args"][-1]
    return script


def _run_as_postgres(script: str, cluster: OwnPostgres, password: str) -> subprocess.Popen[str]:
    env = {
        "PATH": f"{os.path.dirname(_pg_bin('postgres'))}:/usr/bin:/bin",
        "PGDATA": str(cluster.data_dir),
        "POSTGRES_USER": cluster.superuser,
        "POSTGRES_PASSWORD": password,
        "SCRIPT": script,
    }
    # The container's PID 1 is the init script's shell, and a server killed in the main
    # container leaves a postmaster.pid naming PID 1: the wrapper writes a lock naming
    # itself, then becomes the script (exec keeps the PID).
    wrapper = 'printf "%s\\n%s\\n" $$ "$PGDATA" > "$PGDATA/postmaster.pid"; exec sh -c "$SCRIPT"'
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.Popen(
        [*user, "env", "-i", *(f"{k}={v}" for k, v in env.items()), "sh", "-c", wrapper],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def postgresql_with_old_password() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres(superuser="conveyor", password=OLD).init()
    try:
        cluster.connect_tcp(OLD)
        cluster.stop()
        yield cluster
    finally:
        cluster.destroy()


def test_postgresql_adopts_the_secrets_password_on_a_kept_volume(
    render: Render, postgresql_with_old_password: OwnPostgres
) -> None:
    # given a data dir initialised with the old password, its server down (a new pod)
    cluster = postgresql_with_old_password
    # when the rendered initContainer runs with the password the Secret holds now
    process = _run_as_postgres(_postgresql_script(render), cluster, NEW)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert NEW not in out + err
    assert "quoted" not in out + err
    # then the server, started again, takes the new password over TCP and refuses the old
    cluster.start()
    cluster.connect_tcp(NEW)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        cluster.connect_tcp(OLD)


def test_postgresql_adoption_fails_loudly_for_a_role_the_data_lacks(
    render: Render, postgresql_with_old_password: OwnPostgres
) -> None:
    cluster = postgresql_with_old_password
    cluster.superuser = "renamed"
    process = _run_as_postgres(_postgresql_script(render), cluster, NEW)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert 'role "renamed" does not exist' in err
    assert "postgresql.auth.username changed" in err
    assert NEW not in err


def test_postgresql_adoption_leaves_an_empty_data_dir_to_the_first_start(
    render: Render, tmp_path: Any
) -> None:
    done = subprocess.run(
        ["sh", "-c", _postgresql_script(render)],
        env={"PATH": "/usr/bin:/bin", "PGDATA": str(tmp_path), "POSTGRES_USER": "u"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "first start sets the password" in done.stdout
    assert not list(tmp_path.iterdir())


# --- RabbitMQ: the rendered postStart against a private node ------------------------------


def _rabbitmq_script(render: Render) -> str:
    values = {"rabbitmq": {"enabled": True}, "redis": {"enabled": False}}
    pod = find(render(values), "StatefulSet", "conveyor-rabbitmq")[0]["spec"]["template"]["spec"]
    command = pod["containers"][0]["lifecycle"]["postStart"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"]
    script: str = command[2]
    # the password reaches rabbitmqctl on its standard input, never as an argument
    for line in script.splitlines():
        if "rabbitmqctl" in line:
            assert "RABBITMQ_DEFAULT_PASS" not in line.split("|")[-1], line
    return script


def _amqp_login(node: OwnRabbitMQ, password: str) -> None:
    connection = amqp.Connection(
        f"127.0.0.1:{node.port}", userid="conveyor", password=password, connect_timeout=5
    )
    connection.connect()
    connection.collect()


@pytest.fixture(scope="module")
def rabbitmq_node() -> Iterator[OwnRabbitMQ]:
    node = OwnRabbitMQ().init()
    try:
        yield node
    finally:
        node.destroy()


def test_rabbitmq_adopts_the_secrets_password_on_a_kept_volume(
    render: Render, rabbitmq_node: OwnRabbitMQ
) -> None:
    # given a node whose data holds the user with the old password
    node = rabbitmq_node
    node.ctl("add_user", "conveyor", OLD)
    node.ctl("set_permissions", "-p", "/", "conveyor", ".*", ".*", ".*")
    _amqp_login(node, OLD)
    # when the rendered postStart runs in the node's environment with the Secret's password
    env = {
        **node._env(),
        "PATH": f"{RABBITMQ_BIN}:{os.environ['PATH']}",
        "RABBITMQ_DEFAULT_USER": "conveyor",
        "RABBITMQ_DEFAULT_PASS": NEW,
    }
    done = subprocess.run(
        ["sh", "-c", _rabbitmq_script(render)],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr
    assert NEW not in done.stdout + done.stderr
    # then the new password logs in and the old one is refused
    _amqp_login(node, NEW)
    with pytest.raises(amqp.exceptions.AccessRefused):
        _amqp_login(node, OLD)
