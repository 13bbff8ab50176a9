"""The kind workshop (seed 001) and the network policy lab (seed 002)."""
from __future__ import annotations

import pytest
import yaml

from manifest_helpers import OVERLAYS, container, container_port, env_of, pod_labels, pod_spec
from netpol_model import Pod, allowed, ingress_allowed, pod_of


@pytest.mark.parametrize("env", ["kind", "k3d"])
def test_pythonapp(rendered, env):
    objs = rendered(env)
    dep = objs.get("Deployment", "pythonapp")
    ns = dep["metadata"]["namespace"]
    assert ns == "applicatifs"
    assert dep["spec"]["replicas"] == 3
    assert {"app": "pythonapp", "env": "dev"}.items() <= pod_labels(dep).items()
    cm = objs.get("ConfigMap", "maconfigmap", ns)
    assert cm["data"] == {"k8s": "leprésent", "virt": "legacy"}
    c = container(dep, "pythonapp")
    assert {"configMapRef": {"name": "maconfigmap"}} in c["envFrom"]
    ref = env_of(c)["MDP"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == "monsecret" and "mdp" in objs.secret_keys(ns, "monsecret")
    res = c["resources"]
    assert {"cpu", "memory"} <= set(res["requests"]) and {"cpu", "memory"} <= set(res["limits"])
    # the NodePort of the workshop
    svc = objs.get("Service", "pythonnp", ns)
    (port,) = svc["spec"]["ports"]
    assert svc["spec"]["type"] == "NodePort"
    assert (port["port"], port["nodePort"]) == (9002, 31234)
    assert container_port(dep, port["targetPort"]) == 5000
    assert svc in objs.services_selecting(ns, pod_labels(dep))
    # Ingress with a nip.io host and TLS from an existing TLS Secret
    ing = objs.get("Ingress", "pythonapp", ns)
    host = ing["spec"]["rules"][0]["host"]
    assert host.startswith("pythonapp.") and host.endswith(".nip.io")
    (tls,) = ing["spec"]["tls"]
    assert host in tls["hosts"]
    secret = objs.get("Secret", tls["secretName"], ns)
    assert secret["type"] == "kubernetes.io/tls" and {"tls.crt", "tls.key"} <= set(secret["data"])
    # toleration and node-placement examples
    spec = pod_spec(dep)
    assert spec["tolerations"] and spec["tolerations"][0]["effect"] == "NoSchedule"
    assert spec.get("affinity", {}).get("nodeAffinity") or spec.get("nodeSelector")


def test_kind_ingress_host_points_at_the_metallb_pool(rendered):
    objs = rendered("kind")
    host = objs.get("Ingress", "pythonapp", "applicatifs")["spec"]["rules"][0]["host"]
    ip = host.removeprefix("pythonapp.").removesuffix(".nip.io")
    (pool,) = objs.of("IPAddressPool")
    first, last = pool["spec"]["addresses"][0].split("-")
    assert tuple(map(int, first.split("."))) <= tuple(map(int, ip.split("."))) <= tuple(
        map(int, last.split(".")))


def test_metallb_l2_with_modern_crds(rendered):
    objs = rendered("kind")
    (pool,) = objs.of("IPAddressPool", "metallb-system")
    assert pool["apiVersion"] == "metallb.io/v1beta1"
    assert pool["spec"]["addresses"] == ["172.18.0.250-172.18.0.254"]
    (adv,) = objs.of("L2Advertisement", "metallb-system")
    assert adv["spec"]["ipAddressPools"] == [pool["metadata"]["name"]]
    assert not objs.of("ConfigMap", "metallb-system")  # not the legacy config
    lbs = [s for s in objs.of("Service") if s["spec"]["type"] == "LoadBalancer"]
    assert lbs
    for svc in lbs:
        assert svc["metadata"]["annotations"]["metallb.io/address-pool"] == pool["metadata"]["name"]
        assert objs.services_selecting(svc["metadata"]["namespace"], svc["spec"]["selector"])


def test_kind_cluster_config_publishes_the_node_port(rendered):
    config = yaml.safe_load((OVERLAYS / "kind" / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster" and config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    roles = [n["role"] for n in config["nodes"]]
    assert roles.count("control-plane") == 1 and roles.count("worker") >= 2
    mapped = {m["containerPort"] for n in config["nodes"] for m in n.get("extraPortMappings", [])}
    node_port = rendered("kind").get("Service", "pythonnp", "applicatifs")["spec"]["ports"][0]["nodePort"]
    assert node_port in mapped


@pytest.mark.parametrize("env", ["kind", "k3d"])
def test_persistent_nginx_on_the_default_class(rendered, env):
    objs = rendered(env)
    facts = yaml.safe_load((OVERLAYS / env / "environment.yaml").read_text())
    dep = objs.get("Deployment", "persistent-nginx")
    c = container(dep, "nginx")
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/usr/share/nginx/html")
    volume = next(v for v in pod_spec(dep)["volumes"] if v["name"] == mount["name"])
    pvc = objs.get("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"],
                   dep["metadata"]["namespace"])
    assert pvc["spec"]["storageClassName"] == facts["storageClasses"][0]


@pytest.mark.parametrize("env", ["kind", "k3d"])
def test_init_container_fetches_httpd_page(rendered, env):
    objs = rendered(env)
    dep = objs.get("Deployment", "httpd-init")
    spec = pod_spec(dep)
    (init,) = spec["initContainers"]
    httpd = container(dep, "httpd")
    assert httpd["image"].startswith("httpd:")
    docroot = next(m for m in httpd["volumeMounts"] if m["mountPath"] == "/usr/local/apache2/htdocs")
    fetched = next(m for m in init["volumeMounts"] if m["name"] == docroot["name"])
    assert fetched["mountPath"] in init["command"][-1]
    # it fetches from another web server of the overlay, which policies let it reach
    url = env_of(init)["SOURCE_URL"]["value"]
    ns = dep["metadata"]["namespace"]
    svc = objs.get("Service", url.split("/")[2].split(":")[0], ns)
    (source,) = [w for w in objs.workloads() if w["metadata"]["namespace"] == ns
                 and svc in objs.services_selecting(ns, pod_labels(w))]
    port = container_port(source, svc["spec"]["ports"][0]["targetPort"])
    assert allowed(objs.of("NetworkPolicy"), pod_of(objs, dep), pod_of(objs, source), port)


@pytest.mark.parametrize("env", ["kind", "k3d"])
def test_sidecar_shares_a_volume_with_the_main_container(rendered, env):
    dep = rendered(env).get("Deployment", "sidecar-demo")
    containers = pod_spec(dep)["containers"]
    assert len(containers) == 2
    main, sidecar = containers
    assert sidecar["image"].startswith("busybox:")
    shared = {m["name"] for m in main["volumeMounts"]} & {m["name"] for m in sidecar["volumeMounts"]}
    assert shared


@pytest.mark.parametrize("env", ["kind", "k3d"])
def test_netpol_lab(rendered, env):
    objs = rendered(env)
    assert objs.namespace_labels("nptest")["lab"] == "nptest"
    nginx = next(w for w in objs.workloads() if w["metadata"]["namespace"] == "nptest"
                 and pod_labels(w).get("app") == "nginx")
    client = next(w for w in objs.workloads() if w["metadata"]["namespace"] == "nptest"
                  and pod_labels(w).get("app") == "client")
    assert container_port(nginx, "http") == 80
    policy = objs.get("NetworkPolicy", "mynetworkpolicy", "nptest")
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app": "nginx"}}
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"lab": "nptest"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 80}]
    policies = objs.of("NetworkPolicy")
    n, c = pod_of(objs, nginx), pod_of(objs, client)
    assert allowed(policies, c, n, 80)
    assert not allowed(policies, c, n, 8080)
    stranger = Pod("workshop", {"app": "client"}, ns_labels={"kubernetes.io/metadata.name": "workshop"})
    assert not ingress_allowed(policies, stranger, n, 80)
    labelled = Pod("other", {}, ns_labels={"lab": "nptest"})
    assert ingress_allowed(policies, labelled, n, 80)
    assert not allowed(policies, n, c, 80)  # nginx itself is isolated for egress
