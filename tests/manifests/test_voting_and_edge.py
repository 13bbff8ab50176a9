"""The voting app (seed 002) and the cloud & edge services (seed 004)."""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

import pytest
import yaml

from manifest_helpers import (OVERLAYS, REPO_ROOT, container_port, env_of, kustomize_build,
                              pod_labels, pod_spec)
from netpol_model import Pod, allowed, ingress_allowed, pod_of

VOTING_ENVS = ["k3d", "gke", "ovh"]


@pytest.mark.parametrize("env", VOTING_ENVS)
def test_voting_app(rendered, env):
    objs = rendered(env)
    ns = "vote"
    names = {pod_labels(w)["name"]: w for w in objs.workloads() if w["metadata"]["namespace"] == ns}
    assert set(names) == {"voting-app-pod", "redis-pod", "worker-app-pod", "postgres-pod", "result-app-pod"}
    for svc_name, pod, port in (("redis", "redis-pod", 6379), ("db", "postgres-pod", 5432)):
        svc = objs.get("Service", svc_name, ns)
        assert svc["spec"]["type"] == "ClusterIP"
        assert svc["spec"]["ports"][0]["port"] == port
        assert svc in objs.services_selecting(ns, pod_labels(names[pod]))
    exposed = "NodePort" if env == "k3d" else "LoadBalancer"
    for svc_name, pod in (("voting-service", "voting-app-pod"), ("result-service", "result-app-pod")):
        svc = objs.get("Service", svc_name, ns)
        assert svc["spec"]["type"] == exposed
        assert svc in objs.services_selecting(ns, pod_labels(names[pod]))
    pg = pod_spec(names["postgres-pod"])["containers"][0]
    ref = pg["envFrom"][0]["secretRef"]["name"]
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD"} <= objs.secret_keys(ns, ref)
    policies = objs.of("NetworkPolicy")
    vote, worker, result, redis, db = (pod_of(objs, names[n]) for n in (
        "voting-app-pod", "worker-app-pod", "result-app-pod", "redis-pod", "postgres-pod"))
    assert allowed(policies, vote, redis, 6379) and allowed(policies, worker, redis, 6379)
    assert allowed(policies, worker, db, 5432) and allowed(policies, result, db, 5432)
    assert not allowed(policies, vote, db, 5432)


def test_vote_and_result_scaled_to_three_somewhere(rendered):
    scaled = [env for env in VOTING_ENVS
              if rendered(env).get("Deployment", "voting-app-deployment", "vote")["spec"]["replicas"] == 3
              and rendered(env).get("Deployment", "result-app-deployment", "vote")["spec"]["replicas"] == 3]
    assert scaled


@pytest.mark.parametrize("env", ["k3d", "edge"])
def test_calculator(rendered, env):
    objs = rendered(env)
    ns = "calculator"
    front = objs.get("Deployment", "calculator", ns)
    (front_svc,) = objs.services_selecting(ns, pod_labels(front))
    assert front_svc["spec"]["ports"][0]["port"] == 50000
    env_vars = env_of(pod_spec(front)["containers"][0])
    policies = objs.of("NetworkPolicy")
    f = pod_of(objs, front)
    operators = {}
    for op, port in (("SUM", 50001), ("SUB", 50002), ("MUL", 50003), ("DIV", 50004)):
        url = urlsplit(env_vars[f"{op}_SERVICE_URL"]["value"])
        with pytest.raises(ValueError):
            ipaddress.ip_address(url.hostname)  # a DNS name, not an IP
        svc = objs.get("Service", url.hostname, ns)
        assert url.port == svc["spec"]["ports"][0]["port"] == port
        (worker,) = [w for w in objs.workloads() if w["metadata"]["namespace"] == ns
                     and svc in objs.services_selecting(ns, pod_labels(w))]
        assert env_of(pod_spec(worker)["containers"][0])["ROLE"]["value"] == op.lower()
        target = container_port(worker, svc["spec"]["ports"][0]["targetPort"])
        operators[op] = (pod_of(objs, worker), target)
        assert allowed(policies, f, operators[op][0], target)
    # only the front reaches the operators
    sum_pod, _ = operators["SUM"]
    div_pod, div_port = operators["DIV"]
    assert not allowed(policies, sum_pod, div_pod, div_port)
    assert not ingress_allowed(policies, Pod(ns, {"app": "other"}), div_pod, div_port)
    assert not ingress_allowed(policies, Pod("elsewhere", {}), div_pod, div_port)
    assert ingress_allowed(policies, Pod("elsewhere", {}), f, 50000)


@pytest.mark.parametrize("env", ["k3d", "edge"])
def test_fastapi_edge_on_space_1(rendered, env):
    objs = rendered(env)
    dep = objs.get("Deployment", "fastapi-app")
    ns = dep["metadata"]["namespace"]
    assert dep["spec"]["replicas"] == 3
    assert pod_spec(dep)["nodeSelector"] == {"PoP": "space_1"}
    assert container_port(dep, "http") == 5000
    svc = objs.get("Service", "fastapi-app-clusterip-service", ns)
    assert svc["spec"]["type"] == "ClusterIP"
    (port,) = svc["spec"]["ports"]
    assert port["port"] == 80 and container_port(dep, port["targetPort"]) == 5000
    ing = objs.get("Ingress", "fastapi-app-ingress", ns)
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    target = objs.get("Service", backend["name"], ns)
    assert backend["port"]["number"] in [p["port"] for p in target["spec"]["ports"]]
    if env == "edge":
        assert ing["spec"]["ingressClassName"] == "nginx"
        nodeport = objs.get("Service", "fastapi-app-service", ns)
        assert nodeport["spec"]["type"] == "NodePort"
        assert container_port(dep, nodeport["spec"]["ports"][0]["targetPort"]) == 5000


def test_fastapi_edge_migration_to_space_2(tmp_path):
    """The seed's migration: the edge overlay plus components/edge-pop-space-2."""
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(OVERLAYS / "edge" / "fastapi-edge", tmp_path)],
        "components": [os.path.relpath(REPO_ROOT / "components" / "edge-pop-space-2", tmp_path)],
    }))
    (dep,) = [o for o in kustomize_build(tmp_path) if o["kind"] == "Deployment"]
    assert dep["metadata"]["name"] == "fastapi-app"
    assert pod_spec(dep)["nodeSelector"] == {"PoP": "space_2"}


def test_k3d_cluster_emulates_the_edge_and_serves_the_registry(rendered):
    config = yaml.safe_load((OVERLAYS / "k3d" / "k3d-config.yaml").read_text())
    assert (config["apiVersion"], config["kind"]) == ("k3d.io/v1alpha5", "Simple")
    assert (config["servers"], config["agents"]) == (1, 2)
    ports = {p["port"]: p["nodeFilters"] for p in config["ports"]}
    assert ports["80:80"] == ["loadbalancer"]
    node_port = rendered("k3d").get("Service", "registry", "registry")["spec"]["ports"][0]["nodePort"]
    assert ports[f"{node_port}:{node_port}"] == ["agent:0"]
    mirrors = yaml.safe_load(config["registries"]["config"])["mirrors"]
    assert mirrors[f"127.0.0.1:{node_port}"]["endpoint"] == [f"http://127.0.0.1:{node_port}"]
    labels = {(lbl["label"], tuple(lbl["nodeFilters"])) for lbl in config["options"]["k3s"]["nodeLabels"]}
    assert labels == {("PoP=space_1", ("agent:0",)), ("PoP=space_2", ("agent:1",))}
    # every PoP a k3d workload asks for exists on an agent
    wanted = {pod_spec(w).get("nodeSelector", {}).get("PoP") for w in rendered("k3d").workloads()}
    assert wanted - {None} <= {"space_1", "space_2"}
