"""The chart, rendered by Helm's real engine for a matrix of values, checked object by object."""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.chart.conftest import Render, require_tool, with_image
from tests.chart.objects import find, pod_specs
from tests.chart.test_escape_hatches import every_hatch
from tools import helm
from tools.helm import Obj

SCHEMAS = Path(__file__).parent / "schemas"  # vendored upstream CRDs and skaffold's schema
K8S_VERSIONS = ["1.30.0", "1.37.0"]  # the oldest we support and the newest kubernetes-validate has

EXTERNAL = {
    "secretKey": {"existingSecret": "conveyor-secrets"},
    "postgresql": {"enabled": False},
    "externalDatabase": {"existingSecret": "conveyor-secrets"},
    "redis": {"enabled": False},
    "externalBroker": {"existingSecret": "conveyor-secrets"},
}
POOLS = {
    "workers": {
        "pools": {
            "default": {"queues": ["default", "conveyor"], "autoscaling": {"minReplicas": 1}},
            "http": {
                "queues": ["http"],
                "concurrency": 16,
                "pool": "threads",
                "maxJobSeconds": 600,
            },
            "batch": {
                "queues": ["batch", "reports"],
                "maxJobSeconds": 3600,
                "autoscaling": {"jobsPerReplica": 2, "cooldownPeriod": 4000, "maxReplicas": 3},
            },
        }
    }
}
MATRIX: dict[str, dict[str, Any]] = {
    "defaults": {},
    "rabbitmq": {"redis": {"enabled": False}, "rabbitmq": {"enabled": True}},
    "external": EXTERNAL,
    "keda-off": {"keda": {"enabled": False}},
    "pools": POOLS,
    "metrics-api": {
        **POOLS,
        "workers": {
            **POOLS["workers"],
            "defaults": {"autoscaling": {"trigger": "metrics-api"}},
        },
        "keda": {"metricsApi": {"existingSecret": "conveyor-keda"}},
    },
    "hooks-off": {**EXTERNAL, "hooks": {"enabled": False}},
    "everything-on": {
        "api": {
            "ingress": {"enabled": True, "host": "jobs.example.com", "tlsSecret": "jobs-tls"},
            "autoscaling": {"enabled": True},
        },
        "config": {"https": True, "allowedHosts": ["jobs.internal"]},
        "commonLabels": {"team": "platform"},
        "workers": {"deletionCost": {"enabled": True}},
        "networkPolicy": {"apiServerCidrs": ["10.96.0.1/32"]},
        "flower": {"enabled": True, "existingSecret": "flower-auth"},
    },
    "hatches": every_hatch(),
    "everything-off": {
        "keda": {"enabled": False},
        "networkPolicy": {"enabled": False},
        "monitoring": {
            "serviceMonitor": {"enabled": False},
            "podMonitor": {"enabled": False},
            "prometheusRule": {"enabled": False},
            "grafanaDashboard": {"enabled": False},
        },
        "api": {"pdb": {"enabled": False}},
        "workers": {"defaults": {"pdb": {"enabled": False}}},
        "serviceAccount": {"create": False},
    },
}
STANDARD_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
}


@pytest.fixture(params=list(MATRIX), scope="module")
def case(request: pytest.FixtureRequest, render: Render) -> list[Obj]:
    # on a cluster that serves KEDA's and prometheus-operator's APIs (their "auto" default)
    return render(MATRIX[request.param], api_versions=helm.CRD_APIS)


# ---- schemas ---------------------------------------------------------------------------


def _closed(schema: Any) -> Any:
    """additionalProperties: false on every object schema that lists properties (see
    schemas/README.md), so a misspelt field is an error as the API server's strict
    validation would make it."""
    if isinstance(schema, dict):
        schema = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


@functools.cache
def crd_validators() -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    validators = {}
    for path in sorted(SCHEMAS.glob("*/*.yaml")):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
            schema = _closed(version["schema"]["openAPIV3Schema"])
            validators[key] = jsonschema.Draft4Validator(schema)
    return validators


def test_every_object_is_valid_for_its_schema(case: list[Obj]) -> None:
    require_tool(importlib.util.find_spec("kubernetes_validate") is not None, "kubernetes-validate")
    import kubernetes_validate  # type: ignore[import-untyped]

    for obj in case:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        crd = crd_validators().get((obj["apiVersion"], obj["kind"]))
        if crd is not None:
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in crd.iter_errors(obj)
            ]
            assert not errors, f"{where}: {errors}"
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                pytest.fail(f"{where}: no schema for {obj['apiVersion']} in Kubernetes {version}")
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{where} is invalid for Kubernetes {version}: {error}")


# ---- pods ------------------------------------------------------------------------------


def test_every_pod_is_locked_down(case: list[Obj]) -> None:
    pods = pod_specs(case)
    assert pods
    for owner, spec in pods:
        where = f"{owner['kind']}/{owner['metadata']['name']}"
        # Only workers patching their pod's deletion cost get a token (and their own account).
        if spec["automountServiceAccountToken"] is not False:
            assert owner["metadata"]["labels"]["app.kubernetes.io/component"] == "worker", where
            assert spec["serviceAccountName"].endswith("-worker"), where
        pod_context = spec["securityContext"]
        assert pod_context["runAsNonRoot"] is True, where
        assert pod_context["runAsUser"] > 0, where
        assert pod_context["seccompProfile"] == {"type": "RuntimeDefault"}, where
        for container in spec.get("initContainers", []) + spec["containers"]:
            at = f"{where} container {container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, at
            assert context["readOnlyRootFilesystem"] is True, at
            assert context["runAsNonRoot"] is True, at
            assert context["capabilities"] == {"drop": ["ALL"]}, at
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, at
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), at
            assert {"cpu", "memory"} <= set(resources["limits"]), at
            mounted = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounted, f"{at}: /tmp must be a writable emptyDir"


def _secret_values(objects: list[Obj]) -> set[str]:
    found = set()
    for secret in find(objects, "Secret"):
        for value in secret.get("data", {}).values():
            found.add(base64.b64decode(value).decode())
        found.update(secret.get("stringData", {}).values())
    return {v for v in found if len(v) >= 8}


SECRETISH = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|^KEY$|CREDENTIAL", re.IGNORECASE)
URL_WITH_PASSWORD = re.compile(r"://[^/@:]*:([^@/]+)@")


def test_no_credential_outside_secrets(case: list[Obj]) -> None:
    secret_values = _secret_values(case)
    for config_map in find(case, "ConfigMap"):
        for key, value in config_map.get("data", {}).items():
            assert not SECRETISH.search(key), f"ConfigMap {config_map['metadata']['name']}: {key}"
            assert not any(s in value for s in secret_values), config_map["metadata"]["name"]
    for owner, spec in pod_specs(case):
        for container in spec.get("initContainers", []) + spec["containers"]:
            at = f"{owner['kind']}/{owner['metadata']['name']} {container['name']}"
            for entry in container.get("env", []):
                if "valueFrom" in entry:
                    continue
                value = str(entry["value"])
                assert not SECRETISH.search(entry["name"]), f"{at}: {entry['name']} is a literal"
                assert not any(s in value for s in secret_values), f"{at}: {entry['name']}"
                for password in URL_WITH_PASSWORD.findall(value):
                    assert re.fullmatch(r"\$\([A-Z_]+\)", password), f"{at}: {entry['name']}"


def test_probes(case: list[Obj]) -> None:
    for deployment in find(case, "Deployment"):
        component = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        main = deployment["spec"]["template"]["spec"]["containers"][0]
        if component == "api":
            assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
        elif component == "worker":
            command = main["livenessProbe"]["exec"]["command"]
            assert command[:3] == ["python", "-m", "conveyor_worker.health"]
            assert "inspect" not in " ".join(command)


# ---- wiring ----------------------------------------------------------------------------


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        if (
            expression["operator"] == "In"
            and labels.get(expression["key"]) not in expression["values"]
        ):
            return False
        if expression["operator"] == "Exists" and not present:
            return False
    return True


def test_selectors_match_labels(case: list[Obj]) -> None:
    pod_labels = [
        (
            owner,
            (owner if owner["kind"] == "Pod" else owner["spec"]["template"])["metadata"]["labels"],
        )
        for owner, _ in pod_specs(case)
    ]
    for owner, labels in pod_labels:
        if owner["kind"] in {"Deployment", "StatefulSet"}:
            selector = owner["spec"]["selector"]
            assert _matches(selector, labels), owner["metadata"]["name"]
            assert set(selector["matchLabels"]) <= {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
                "conveyor.dev/pool",
            }, "selectors use only name, instance, component (and pool)"
    selecting = [(s, {"matchLabels": s["spec"]["selector"]}) for s in find(case, "Service")]
    selecting += [(p, p["spec"]["selector"]) for p in find(case, "PodDisruptionBudget")]
    selecting += [(p, p["spec"]["podSelector"]) for p in find(case, "NetworkPolicy")]
    selecting += [(m, m["spec"]["selector"]) for m in find(case, "PodMonitor")]
    for obj, selector in selecting:
        assert any(_matches(selector, labels) for _, labels in pod_labels), (
            f"{obj['kind']}/{obj['metadata']['name']} selects no pod"
        )
    for monitor in find(case, "ServiceMonitor"):
        assert any(
            _matches(monitor["spec"]["selector"], s["metadata"]["labels"])
            for s in find(case, "Service")
        )


def test_standard_labels_on_every_object(case: list[Obj]) -> None:
    for obj in case:
        missing = STANDARD_LABELS - set(obj["metadata"].get("labels", {}))
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"
        assert obj["metadata"]["namespace"] == helm.NAMESPACE


def _pools(objects: list[Obj]) -> dict[str, Obj]:
    return {
        d["metadata"]["labels"]["conveyor.dev/pool"]: d
        for d in find(objects, "Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }


def test_each_scaledobject_targets_its_pool_and_waits_out_the_grace(case: list[Obj]) -> None:
    pools = _pools(case)
    for scaled in find(case, "ScaledObject"):
        pool = scaled["metadata"]["labels"]["conveyor.dev/pool"]
        deployment = pools[pool]
        target = scaled["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
        assert "replicas" not in deployment["spec"], "KEDA's HPA owns the replica count"
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert scaled["spec"]["cooldownPeriod"] >= grace
        behavior = scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] > 0


def test_worker_commands_follow_the_contract(case: list[Obj]) -> None:
    for name, deployment in _pools(case).items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        # No `command`: the image's ENTRYPOINT (tini, without -g) stays PID 1.
        assert "command" not in container
        args = container["args"]
        assert args[:4] == ["celery", "-A", "conveyor_worker.app", "worker"], name
        assert "--loglevel=INFO" in args
        assert {"-Q", "-c", "-P"} <= set(args)


def test_exactly_the_pools_listing_the_system_queue_consume_it(render: Render) -> None:
    pools = _pools(render(POOLS))
    queues = {
        name: d["spec"]["template"]["spec"]["containers"][0]["args"][5].split(",")
        for name, d in pools.items()
    }
    assert queues == {
        "default": ["default", "conveyor"],
        "http": ["http"],
        "batch": ["batch", "reports"],
    }


def test_prometheus_trigger_queries_the_pools_backlog(render: Render) -> None:
    scaled = {
        s["metadata"]["labels"]["conveyor.dev/pool"]: s
        for s in find(render(POOLS, api_versions=helm.CRD_APIS), "ScaledObject")
    }
    trigger = scaled["batch"]["spec"]["triggers"][0]
    assert trigger["type"] == "prometheus"
    assert trigger["metadata"]["query"] == (
        'sum(max by (queue) (conveyor_queue_backlog{namespace="conveyor",queue=~"batch|reports"}))'
    )
    assert trigger["metadata"]["threshold"] == "2"
    assert scaled["http"]["spec"]["triggers"][0]["metadata"]["threshold"] == "16"
    assert scaled["batch"]["spec"]["cooldownPeriod"] == 4000
    assert scaled["default"]["spec"]["minReplicaCount"] == 1
    assert scaled["http"]["spec"]["minReplicaCount"] == 0


def test_metrics_api_trigger_has_one_authenticated_trigger_per_queue(render: Render) -> None:
    objects = render(MATRIX["metrics-api"], api_versions=helm.CRD_APIS)
    auth = find(objects, "TriggerAuthentication")
    assert len(auth) == 1
    assert auth[0]["spec"]["secretTargetRef"] == [
        {"parameter": "token", "name": "conveyor-keda", "key": "api-key"}
    ]
    scaled = {
        s["metadata"]["labels"]["conveyor.dev/pool"]: s for s in find(objects, "ScaledObject")
    }
    triggers = scaled["batch"]["spec"]["triggers"]
    assert [t["metadata"]["url"] for t in triggers] == [
        f"http://conveyor-api.conveyor.svc.cluster.local:8000/v1/queues/{q}/metrics"
        for q in ("batch", "reports")
    ]
    for trigger in triggers:
        assert trigger["type"] == "metrics-api"
        assert trigger["metadata"]["valueLocation"] == "backlog"
        assert trigger["metadata"]["authMode"] == "bearer"
        assert trigger["authenticationRef"]["name"] == auth[0]["metadata"]["name"]


def test_grace_covers_the_longest_time_limit_of_every_pools_job_types(render: Render) -> None:
    from conveyor.jobs.types import all_job_types

    for values in ({}, POOLS):
        for name, deployment in _pools(render(values)).items():
            queues = deployment["spec"]["template"]["spec"]["containers"][0]["args"][5].split(",")
            limits = [t.time_limit for t in all_job_types() if t.queue in queues]
            grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
            if limits:
                assert timedelta(seconds=grace) >= max(limits), (name, grace, max(limits))


def test_keda_off_gives_fixed_replicas(render: Render) -> None:
    objects = render({"keda": {"enabled": False}, "workers": {"defaults": {"replicas": 3}}})
    assert not find(objects, "ScaledObject")
    assert [d["spec"]["replicas"] for d in _pools(objects).values()] == [3]


def test_api_gets_allowed_hosts_without_a_wildcard(render: Render) -> None:
    data = find(render(MATRIX["everything-on"]), "ConfigMap", "conveyor-config")[0]["data"]
    hosts = data["ALLOWED_HOSTS"].split(",")
    assert "*" not in hosts
    assert {"conveyor-api.conveyor.svc.cluster.local", "jobs.example.com", "jobs.internal"} <= set(
        hosts
    )


# ---- toggles, each both ways -----------------------------------------------------------


def _kinds(objects: list[Obj]) -> set[str]:
    return {o["kind"] for o in objects}


@pytest.mark.parametrize(
    ("values", "kind", "component"),
    [
        ({"api": {"ingress": {"enabled": True, "tlsSecret": "tls"}}}, "Ingress", "api"),
        ({"api": {"autoscaling": {"enabled": True}}}, "HorizontalPodAutoscaler", "api"),
        ({"networkPolicy": {"enabled": True}}, "NetworkPolicy", "worker"),
        ({"monitoring": {"serviceMonitor": {"enabled": True}}}, "ServiceMonitor", "api"),
        ({"monitoring": {"podMonitor": {"enabled": True}}}, "PodMonitor", "worker"),
        ({"monitoring": {"prometheusRule": {"enabled": True}}}, "PrometheusRule", "monitoring"),
        ({"serviceAccount": {"create": True}}, "ServiceAccount", "config"),
        ({"flower": {"enabled": True, "existingSecret": "flower-auth"}}, "Deployment", "flower"),
        (
            {"workers": {"deletionCost": {"enabled": True}}, "networkPolicy": {"enabled": False}},
            "Role",
            "worker",
        ),
        ({"rabbitmq": {"enabled": True}, "redis": {"enabled": False}}, "StatefulSet", "rabbitmq"),
        ({"postgresql": {"enabled": True}}, "StatefulSet", "postgresql"),
    ],
)
def test_toggle(render: Render, values: dict[str, Any], kind: str, component: str) -> None:
    def present(objects: list[Obj]) -> bool:
        return any(
            o["metadata"]["labels"]["app.kubernetes.io/component"] == component
            for o in find(objects, kind)
        )

    assert present(render(values))
    off = copy.deepcopy(values)
    node = off
    path: list[str] = []
    while True:
        key = next(iter(node))
        path.append(key)
        if "enabled" in node[key] or "create" in node[key]:
            flag = "enabled" if "enabled" in node[key] else "create"
            node[key][flag] = False
            break
        node = node[key]
    if path == ["rabbitmq"]:
        off["redis"]["enabled"] = True
    if path == ["postgresql"]:
        off["externalDatabase"] = {"existingSecret": "db"}
    if path == ["monitoring", "serviceMonitor"]:
        # the prometheus trigger reads what the ServiceMonitor scrapes
        off["workers"] = {"defaults": {"autoscaling": {"trigger": "metrics-api"}}}
        off["keda"] = {"metricsApi": {"existingSecret": "keda-key"}}
    assert not present(render(off)), f"{path} off still renders {kind}"


def test_grafana_dashboard_both_ways(render: Render) -> None:
    on = find(render(), "ConfigMap", "conveyor-dashboard")
    assert json.loads(on[0]["data"]["conveyor.json"])["panels"]
    off = render({"monitoring": {"grafanaDashboard": {"enabled": False}}})
    assert not find(off, "ConfigMap", "conveyor-dashboard")


def test_migrations_hook_phase_follows_where_the_database_lives(render: Render) -> None:
    external = find(render(EXTERNAL), "Job")[0]["metadata"]["annotations"]
    assert external["helm.sh/hook"] == "pre-install,pre-upgrade"
    plain = find(render(MATRIX["hooks-off"]), "Job")[0]["metadata"].get("annotations") or {}
    assert not any(k.startswith("helm.sh/hook") for k in plain)


def test_generated_secret_is_a_pre_install_hook_holding_every_key(render: Render) -> None:
    # every key, even when all credentials exist: a later upgrade may drop an existingSecret
    # (tests/chart/test_datastore_passwords.py has the upgrade paths)
    for values in ({}, EXTERNAL):
        generated = find(render(values), "Secret", "conveyor-generated")[0]
        assert generated["metadata"]["annotations"]["helm.sh/hook"] == "pre-install"
        assert set(generated["data"]) == {
            "secret-key",
            "postgresql-password",
            "redis-password",
            "rabbitmq-password",
        }


def test_every_workload_waits_for_migrations(case: list[Obj]) -> None:
    for deployment in find(case, "Deployment"):
        init = deployment["spec"]["template"]["spec"]["initContainers"]
        assert "conveyor migrate --check" in init[0]["args"][-1]


def test_beat_is_one_replica_recreated(case: list[Obj]) -> None:
    beat = find(case, "Deployment", "conveyor-beat")[0]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"] == {"type": "Recreate"}
    # the schedule lives in the database (CELERY_BEAT_SCHEDULER), not in a file
    assert beat["template"]["spec"]["containers"][0]["args"] == [
        "celery",
        "-A",
        "conveyor_worker.app",
        "beat",
        "--loglevel=INFO",
    ]


def test_config_change_rolls_the_pods(render: Render) -> None:
    def checksums(objects: list[Obj]) -> set[str]:
        return {
            d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for d in find(objects, "Deployment")
        }

    assert checksums(render()) != checksums(render({"config": {"logLevel": "DEBUG"}}))


# ---- values ----------------------------------------------------------------------------


INVALID = [
    ({"workers": {"pools": {"default": {"concurrency": 0}}}}, "minimum: got 0, want 1"),
    ({"workers": {"pools": {"Bad_Name": {"queues": ["x"]}}}}, "Bad_Name"),
    ({"workers": {"defaults": {"autoscaling": {"trigger": "redis"}}}}, "trigger"),
    ({"workers": {"pools": {"default": {"qeues": ["x"]}}}}, "qeues"),
    ({"config": {"allowedHosts": ["*"]}}, "allowedHosts"),
    ({"image": {"pullPolicy": "Sometimes"}}, "pullPolicy"),
    ({"redis": {"enabled": False}}, "exactly one broker must be chosen, got 0"),
    ({"rabbitmq": {"enabled": True}}, "exactly one broker must be chosen, got 2"),
    ({"postgresql": {"enabled": False}}, "no database"),
    ({"hooks": {"enabled": False}}, "hooks.enabled=false but the chart would have to generate"),
    (
        {"workers": {"pools": {"default": {"autoscaling": {"minReplicas": 0}}}}},
        "must keep a replica",
    ),
    ({"workers": {"pools": {"default": {"queues": ["default"]}}}}, "no worker pool serves"),
    (
        {"workers": {"pools": {"default": {"autoscaling": {"cooldownPeriod": 60}}}}},
        "cooldownPeriod=60 is shorter than the pool's termination grace 3660s",
    ),
    ({"workers": {"pools": {"default": {"maxJobSeconds": 7200}}}}, "exceeds config.maxJobSeconds"),
    (
        {"workers": {"defaults": {"autoscaling": {"trigger": "metrics-api"}}}},
        "set keda.metricsApi.existingSecret",
    ),
    ({"config": {"extraEnv": {"SECRET_KEY": "x"}}}, "credentials come from Secrets"),
    ({"workers": {"deletionCost": {"enabled": True}}}, "needs networkPolicy.apiServerCidrs"),
    ({"flower": {"enabled": True}}, "flower.enabled=true needs flower.existingSecret"),
]


@pytest.mark.parametrize(("values", "message"), INVALID, ids=[m[:40] for _, m in INVALID])
def test_invalid_values_are_refused_with_a_readable_error(
    render: Render, values: dict[str, Any], message: str
) -> None:
    import helm_python

    with pytest.raises((helm_python.HelmValuesError, helm_python.HelmRenderError)) as error:
        render(values, api_versions=helm.CRD_APIS)
    assert message in str(error.value)


def test_several_problems_are_reported_at_once(render: Render) -> None:
    import helm_python

    with pytest.raises(helm_python.HelmRenderError) as error:
        render({"redis": {"enabled": False}, "postgresql": {"enabled": False}})
    assert "exactly one broker" in str(error.value)
    assert "no database" in str(error.value)


def test_every_value_is_commented_and_in_the_schema() -> None:
    text = (helm.CHART / "values.yaml").read_text()
    values = yaml.safe_load(text)
    schema = json.loads((helm.CHART / "values.schema.json").read_text())
    commented = set(re.findall(r"^\s*# ([A-Za-z0-9_.]+) --", text, re.M))

    def walk(node: Any, sub: dict[str, Any], path: str) -> None:
        assert sub.get("description"), f"{path}: no description in values.schema.json"
        if path.startswith("workers.pools"):
            return
        if sub.get("type") == "object" and "properties" in sub and not path.endswith("resources"):
            assert sub.get("additionalProperties") is False, path
            assert set(node) == set(sub["properties"]), path
            for key, value in node.items():
                walk(value, sub["properties"][key], f"{path}.{key}")
            return
        assert sub.get("default") == node, (
            f"{path}: schema default {sub.get('default')!r} != {node!r}"
        )
        assert path in commented, f"{path}: no `# {path} --` comment in values.yaml"

    assert schema["additionalProperties"] is False
    for key, value in values.items():
        walk(value, schema["properties"][key], key)


def test_helm_lint_is_clean() -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    import helm_python

    for values in MATRIX.values():
        report = helm_python.lint(
            str(helm.CHART), with_image(values), strict=True, kube_version="v1.30.0"
        )
        problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        assert not problems, problems


def test_manifests_are_generated_from_the_chart() -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    from tools import manifests

    assert manifests.OUTPUT.read_text() == manifests.generate(), "run `make manifests`"
    kustomization = yaml.safe_load((manifests.K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (manifests.K8S / resource).is_file()


def test_notes_tell_how_to_get_an_api_key_and_the_docs() -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    notes = helm.render_text(with_image())["conveyor/templates/NOTES.txt"]
    assert "conveyor create_api_client" in notes
    assert "--key-only" in notes
    assert "/v1/docs" in notes


def test_skaffold_config_is_valid() -> None:
    schema = json.loads((SCHEMAS / "skaffold" / "v4beta14.json").read_text())
    config = yaml.safe_load((helm.REPO / "skaffold.yaml").read_text())
    assert config["apiVersion"] == "skaffold/v4beta14"
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [jsonschema.exceptions.best_match([e]) for e in validator.iter_errors(config)]
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    release = config["deploy"]["helm"]["releases"][0]
    assert Path(helm.REPO / release["chartPath"]) == helm.CHART


def test_readme_lists_every_value() -> None:
    values_text = (helm.CHART / "values.yaml").read_text()
    readme = (helm.CHART / "README.md").read_text()
    for path in re.findall(r"^\s*# ([A-Za-z0-9_.]+) --", values_text, re.M):
        assert f"| `{path}` |" in readme, f"{path} is missing from the chart's README"


def test_deletion_cost_grants_only_patching_pods_to_the_workers(render: Render) -> None:
    # given deletion cost on
    objects = render(
        {
            "workers": {"deletionCost": {"enabled": True}},
            "networkPolicy": {"apiServerCidrs": ["10.96.0.1/32"]},
        }
    )
    # then the workers' Role may patch pods and do nothing else
    (role,) = find(objects, "Role")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["patch"]}]
    assert not find(objects, "ClusterRole")
    assert not find(objects, "ClusterRoleBinding")
    (binding,) = find(objects, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    (account,) = [
        a
        for a in find(objects, "ServiceAccount")
        if a["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    ]
    assert binding["subjects"][0]["name"] == account["metadata"]["name"]
    # and each worker knows its pod, holds a token, and may reach the API server
    for owner, spec in pod_specs(objects):
        component = owner["metadata"]["labels"]["app.kubernetes.io/component"]
        if component != "worker":
            assert spec["automountServiceAccountToken"] is False
            continue
        assert spec["serviceAccountName"] == account["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is True
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
        assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
        assert env["CONVEYOR_POD_DELETION_COST"]["value"] == "on"
    policy = next(
        p
        for p in find(objects, "NetworkPolicy")
        if p["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    )
    assert any(
        rule.get("to") == [{"ipBlock": {"cidr": "10.96.0.1/32"}}]
        for rule in policy["spec"]["egress"]
    )


def test_deletion_cost_off_mounts_no_token(render: Render) -> None:
    objects = render({})
    assert not find(objects, "Role")
    assert all(spec["automountServiceAccountToken"] is False for _, spec in pod_specs(objects))


def test_flower_runs_behind_basic_auth_and_turns_task_events_on(render: Render) -> None:
    objects = render({"flower": {"enabled": True, "existingSecret": "flower-auth"}})

    (deployment,) = [
        d
        for d in find(objects, "Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "flower"
    ]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    auth = next(e for e in container["env"] if e["name"] == "FLOWER_BASIC_AUTH")
    assert auth["valueFrom"]["secretKeyRef"] == {"name": "flower-auth", "key": "basic-auth"}
    assert container["args"][:4] == ["celery", "-A", "conveyor_worker.app", "flower"]
    config = find(objects, "ConfigMap", "conveyor-config")[0]["data"]
    assert config["CELERY_WORKER_SEND_TASK_EVENTS"] == "true"
    default = find(render({}), "ConfigMap", "conveyor-config")[0]["data"]
    assert "CELERY_WORKER_SEND_TASK_EVENTS" not in default


def test_rabbitmq_lets_the_longest_job_hold_its_message(render: Render) -> None:
    objects = render(
        {
            "rabbitmq": {"enabled": True},
            "redis": {"enabled": False},
            "config": {"maxJobSeconds": 7200},
        }
    )

    (rabbit,) = [
        s
        for s in find(objects, "StatefulSet")
        if s["metadata"]["labels"]["app.kubernetes.io/component"] == "rabbitmq"
    ]
    env = {
        e["name"]: e.get("value")
        for e in rabbit["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    timeout_ms = int(env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"].split()[-1])
    assert timeout_ms > 7200 * 1000
