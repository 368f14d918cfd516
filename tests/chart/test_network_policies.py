"""Who may reach whom, as Kubernetes evaluates the rendered NetworkPolicies.

Every pod of the render (api, each worker pool, beat, migrate, flower, the datastores)
and two peers outside the release (Prometheus in ``monitoring``, an ingress controller in
``ingress-nginx``) are placed in a model cluster; for each ordered pair and each port the
destination declares, the connection is allowed when the source's egress and the
destination's ingress both admit it. The rules are Kubernetes': a pod selected by no
policy of a direction is open in it; selected pods take the union of the rules; a peer's
podSelector alone means the policy's namespace, with a namespaceSelector both must
match; named ports resolve against the destination's container ports; a pod on the
host network (NodeLocal DNSCache) is reached through an ipBlock only.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import pod_specs
from tools.helm import NAMESPACE, Obj


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict[str, str] = field(hash=False)
    ip: str
    ports: tuple[tuple[str, int], ...] = ()  # (name, containerPort), TCP
    # A pod on the node's network: pod and namespace selectors never match it (its traffic
    # is the node's), only an ipBlock holding its address does.
    host_network: bool = False


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _namespace_labels(namespace: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": namespace}


def _peer_matches(peer: dict[str, Any], policy_namespace: str, other: Pod) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other.ip)
        network = ipaddress.ip_network(block["cidr"])
        if address.version != network.version or address not in network:
            return False
        return not any(
            address in ipaddress.ip_network(e)
            for e in block.get("except", [])
            if ipaddress.ip_network(e).version == address.version
        )
    if other.host_network:
        return False
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], _namespace_labels(other.namespace)):
            return False
    elif other.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or _selects(peer["podSelector"], other.labels)


def _port_matches(ports: list[dict[str, Any]] | None, destination: Pod, port: int) -> bool:
    if not ports:
        return True
    named = dict(destination.ports)
    for entry in ports:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        number = named.get(wanted) if isinstance(wanted, str) else int(wanted)
        if number is None:
            continue
        if number <= port <= int(entry.get("endPort", number)):
            return True
    return False


def _policy_types(policy: Obj) -> set[str]:
    spec = policy["spec"]
    if "policyTypes" in spec:
        return set(spec["policyTypes"])
    return {"Ingress"} | ({"Egress"} if "egress" in spec else set())


def _admits(
    policies: list[Obj], direction: str, pod: Pod, other: Pod, destination: Pod, port: int
) -> bool:
    """Whether ``pod``'s policies of ``direction`` admit traffic with ``other``."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and direction in _policy_types(p)
        and _selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(
                _peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers
            )
            if peer_ok and _port_matches(rule.get("ports"), destination, port):
                return True
    return False


def reachable(objects: list[Obj], outside: list[Pod]) -> set[tuple[str, str, int]]:
    """(source, destination, port) for every connection the policies allow."""
    pods = list(outside)
    for index, (owner, spec) in enumerate(pod_specs(objects)):
        # a workload's pods carry its template's labels; a bare Pod (helm test's) its own
        template = owner["spec"].get("template", owner)
        labels = template["metadata"]["labels"]
        component = labels["app.kubernetes.io/component"]
        pool = labels.get("conveyor.dev/pool")
        ports = tuple(
            (p.get("name", ""), int(p["containerPort"]))
            for c in spec["containers"]
            for p in c.get("ports", [])
            if p.get("protocol", "TCP") == "TCP"
        )
        pods.append(
            Pod(
                f"{component}-{pool}" if pool else component,
                owner["metadata"].get("namespace", NAMESPACE),
                labels,
                f"10.244.0.{index + 10}",
                ports,
            )
        )
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    allowed = set()
    for source in pods:
        for destination in pods:
            if source is destination:
                continue
            for _, port in destination.ports:
                if _admits(policies, "Egress", source, destination, destination, port) and _admits(
                    policies, "Ingress", destination, source, destination, port
                ):
                    allowed.add((source.name, destination.name, port))
    return allowed


PROMETHEUS = Pod(
    "prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}, "10.244.1.10"
)
INGRESS = Pod(
    "ingress", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, "10.244.2.10"
)
OUTSIDE = [PROMETHEUS, INGRESS]


def expected(clients: list[str], database: int, broker: tuple[str, int]) -> set[Any]:
    """Each client reaches the database and the broker; the api takes HTTP from anyone
    outside (nothing inside the release calls it); the workers' metrics port takes
    Prometheus (networkPolicy.metricsFrom: every namespace by default, so the ingress
    controller's namespace too). The helm test pod (`helm test`) calls the api. Nothing
    else, in either direction."""
    allowed: set[Any] = {
        ("prometheus", "api", 8000),
        ("ingress", "api", 8000),
        ("test", "api", 8000),
        # the API's /metrics port, like the workers': Prometheus (metricsFrom) only
        ("prometheus", "api", 9809),
        ("ingress", "api", 9809),
    }
    for client in clients:
        allowed |= {(client, "postgresql", database), (client, broker[0], broker[1])}
        if client.startswith("worker-"):
            allowed |= {("prometheus", client, 9808), ("ingress", client, 9808)}
    return allowed


FLOWER = {"flower": {"enabled": True, "existingSecret": "flower-auth"}}
CASES: dict[str, tuple[dict[str, Any], list[str], tuple[str, int]]] = {
    "defaults": ({}, ["api", "beat", "migrate", "worker-default"], ("redis", 6379)),
    "flower": (FLOWER, ["api", "beat", "migrate", "worker-default", "flower"], ("redis", 6379)),
    "rabbitmq-two-pools-flower": (
        {
            **FLOWER,
            "redis": {"enabled": False},
            "rabbitmq": {"enabled": True},
            "workers": {"pools": {"default": {}, "batch": {"queues": ["batch"]}}},
        },
        ["api", "beat", "migrate", "worker-default", "worker-batch", "flower"],
        ("rabbitmq", 5672),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_component_reaches_exactly_what_it_needs(render: Render, case: str) -> None:
    values, clients, broker = CASES[case]
    # given the rendered pods and policies, and peers outside the release
    # when every ordered pair is evaluated on every port its destination declares
    allowed = reachable(render(values), OUTSIDE)
    # then
    want = expected(clients, 5432, broker)
    assert sorted(want - allowed) == [], "denied but needed"
    assert sorted(allowed - want) == [], "allowed but not needed"


def test_the_api_takes_http_only_from_the_listed_peers_when_closed(render: Render) -> None:
    # given networkPolicy.apiFrom naming the ingress controller's namespace only
    closed = {
        "networkPolicy": {
            "apiFrom": [
                {"namespaceSelector": {"matchLabels": _namespace_labels(INGRESS.namespace)}}
            ]
        }
    }
    # when every pair is evaluated
    allowed = reachable(render(closed), OUTSIDE)
    # then the API's HTTP port takes the ingress controller and the release's test pod,
    # no longer Prometheus' namespace; its metrics port is unchanged
    http = {(s, d, p) for s, d, p in allowed if d == "api" and p == 8000}
    assert http == {("ingress", "api", 8000), ("test", "api", 8000)}
    assert ("prometheus", "api", 9809) in allowed
    # and by default (apiFrom empty) any source, as `expected` says
    assert ("prometheus", "api", 8000) in reachable(render(), OUTSIDE)


def test_flower_reaches_the_database_and_the_broker(render: Render) -> None:
    allowed = reachable(render(FLOWER), OUTSIDE)
    assert ("flower", "postgresql", 5432) in allowed
    assert ("flower", "redis", 6379) in allowed
    # and it takes no traffic from outside the namespace (operators port-forward to it)
    assert not {(s, d, p) for s, d, p in allowed if d == "flower"}


def test_the_evaluator_sees_a_policy_removed(render: Render) -> None:
    # a check of the model itself: without the policies everything reaches everything
    objects = [o for o in render() if o["kind"] != "NetworkPolicy"]
    allowed = reachable(objects, OUTSIDE)
    assert ("redis", "postgresql", 5432) in allowed
    assert ("ingress", "redis", 6379) in allowed
    policed = reachable(render(), OUTSIDE)
    assert ("redis", "postgresql", 5432) not in policed
    assert ("ingress", "redis", 6379) not in policed


# The cluster's DNS: CoreDNS pods, and NodeLocal DNSCache on every node's host network at
# its default link-local address (its DaemonSet's pods have hostNetwork: true).
COREDNS = Pod("coredns", "kube-system", {"k8s-app": "kube-dns"}, "10.244.3.10", (("dns", 53),))
NODE_LOCAL_DNS = Pod(
    "node-local-dns",
    "kube-system",
    {"k8s-app": "node-local-dns"},
    "169.254.20.10",
    (("dns", 53),),
    host_network=True,
)


def _dns_clients(allowed: set[tuple[str, str, int]], resolver: Pod) -> set[str]:
    """The release's pods that reach ``resolver`` on port 53."""
    outside = {COREDNS.name, NODE_LOCAL_DNS.name}
    return {s for s, d, p in allowed if d == resolver.name and p == 53 and s not in outside}


@pytest.mark.parametrize("case", list(CASES))
def test_every_pod_reaches_the_clusters_dns_and_node_local_dns_when_listed(
    render: Render, case: str
) -> None:
    values, clients, broker = CASES[case]
    components = {*clients, "postgresql", broker[0], "test"}
    # by default: CoreDNS only (a host-network cache matches no namespaceSelector)
    allowed = reachable(render(values), [COREDNS, NODE_LOCAL_DNS])
    assert _dns_clients(allowed, COREDNS) == components
    assert _dns_clients(allowed, NODE_LOCAL_DNS) == set()
    # with its address in networkPolicy.dnsCidrs: both, from every pod of the release
    listed: dict[str, Any] = {**values, "networkPolicy": {"dnsCidrs": ["169.254.20.10/32"]}}
    allowed = reachable(render(listed), [COREDNS, NODE_LOCAL_DNS])
    assert _dns_clients(allowed, COREDNS) == components
    assert _dns_clients(allowed, NODE_LOCAL_DNS) == components


def _internet_rule(objects: list[Obj]) -> list[dict[str, Any]]:
    """The ipBlock peers of the worker policy's egress rule without ports (the internet)."""
    (policy,) = [
        o
        for o in objects
        if o["kind"] == "NetworkPolicy"
        and o["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "worker"
    ]
    (rule,) = [
        r
        for r in policy["spec"]["egress"]
        if "ports" not in r and all("ipBlock" in p for p in r.get("to", []))
    ]
    return list(rule["to"])


def _guard_samples() -> list[str]:
    """The first and last address of every range the destination guard refuses (and of
    the 6to4 image of each refused IPv4 range), and public addresses of both families."""
    from conveyor_worker.httpclient import BLOCKED_IPV4, BLOCKED_IPV6

    samples = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2002:808:808::1"]
    for spec in (*BLOCKED_IPV4, *BLOCKED_IPV6):
        network = ipaddress.ip_network(spec)
        samples += [str(network.network_address), str(network.broadcast_address)]
        if network.version == 4:
            image = (0x2002 << 112) | (int(network.network_address) << 80)
            samples.append(str(ipaddress.IPv6Address(image + 1)))
    return samples


@pytest.mark.parametrize("address", _guard_samples())
def test_worker_internet_egress_blocks_what_the_destination_guard_refuses(
    render: Render, address: str
) -> None:
    from conveyor_worker.httpclient import is_public

    # given: the rendered policy, and an address outside the release
    peers = _internet_rule(render())
    outside = Pod("outside", "elsewhere", {}, address)

    # when
    admitted = any(_peer_matches(peer, NAMESPACE, outside) for peer in peers)

    # then: the policy and the guard agree on it
    assert admitted == is_public(ipaddress.ip_address(address)), address
