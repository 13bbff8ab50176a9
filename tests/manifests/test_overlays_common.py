"""Properties every rendered overlay must have (the issue's quality bar)."""
from __future__ import annotations

import pytest
import yaml

from manifest_helpers import ENVS, OVERLAYS, pod_spec, wave

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass",
                  "IngressClass", "CustomResourceDefinition", "PersistentVolume"}
SUPPRESS = "ignore-check.kustguard.io/"


def annotations(obj):
    return obj["metadata"].get("annotations") or {}


def suppressed(obj, check_id):
    reason = annotations(obj).get(SUPPRESS + check_id, "")
    return len(reason.split()) >= 5  # a written reason, not a bare flag


def all_containers(workload):
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def test_every_environment_is_an_overlay():
    assert {"k3d", "kind", "microk8s", "gke", "ovh", "edge"} <= set(ENVS)


@pytest.mark.parametrize("env", ENVS)
def test_overlay_lists_each_component_folder_once(env):
    """overlays/<env>/kustomization.yaml lists exactly its component folders,
    each of which builds from base/ (the Argo CD directory generator layout)."""
    root = OVERLAYS / env
    folders = sorted(p.name for p in root.iterdir() if (p / "kustomization.yaml").is_file())
    listed = yaml.safe_load((root / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == folders
    for folder in folders:
        spec = yaml.safe_load((root / folder / "kustomization.yaml").read_text())
        assert "bases" not in spec and "commonLabels" not in spec
        assert "patchesStrategicMerge" not in spec and "patchesJson6902" not in spec
        assert all(r.startswith("../../../base/") for r in spec["resources"]), folder


@pytest.mark.parametrize("env", ENVS)
def test_renders_without_duplicates_and_everything_is_namespaced(rendered, env):
    objs = rendered(env)
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objs.objs]
    assert len(keys) == len(set(keys))
    namespaces = {n["metadata"]["name"] for n in objs.of("Namespace")}
    for kind, ns, name in keys:
        if kind in CLUSTER_SCOPED:
            assert ns is None, (kind, name)
        else:
            assert ns and ns != "default", (kind, name)
            # the object's namespace is created by this overlay, or by the
            # MetalLB install for its configuration objects
            assert ns in namespaces or (ns == "metallb-system" and kind in (
                "IPAddressPool", "L2Advertisement")), (kind, ns, name)


@pytest.mark.parametrize("env", ENVS)
def test_images_pinned_by_tag(rendered, env):
    for w in rendered(env).workloads():
        for c in all_containers(w):
            last = c["image"].rsplit("/", 1)[-1]
            assert ":" in last and last.split(":", 1)[1] not in ("", "latest"), c["image"]


@pytest.mark.parametrize("env", ENVS)
def test_workloads_are_hardened(rendered, env):
    for w in rendered(env).workloads():
        spec = pod_spec(w)
        pod_sc = spec.get("securityContext") or {}
        assert pod_sc.get("runAsNonRoot") is True, w["metadata"]["name"]
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault"
        for c in all_containers(w):
            sc = c.get("securityContext") or {}
            where = f"{w['metadata']['name']}/{c['name']}"
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not sc.get("capabilities", {}).get("add"), where
            assert sc.get("privileged") is not True, where
            assert (sc.get("runAsUser", pod_sc.get("runAsUser")) or 0) > 0, where
            assert sc.get("readOnlyRootFilesystem") is True or suppressed(w, "read-only-root-fs"), where
            for what in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(what, {})), where


@pytest.mark.parametrize("env", ENVS)
def test_long_running_containers_have_probes(rendered, env):
    for w in rendered(env).workloads():
        for c in pod_spec(w)["containers"]:
            if suppressed(w, "probes-present"):
                continue
            assert c.get("readinessProbe") and c.get("livenessProbe"), \
                f"{w['metadata']['name']}/{c['name']}"
            assert c["readinessProbe"] != c["livenessProbe"]


@pytest.mark.parametrize("env", ENVS)
def test_namespaces_enforce_a_pod_security_level(rendered, env):
    objs = rendered(env)
    for ns in objs.of("Namespace"):
        labels = ns["metadata"].get("labels") or {}
        assert labels.get("pod-security.kubernetes.io/enforce") in ("restricted", "baseline")
        assert wave(ns) == "-1"
        if labels["pod-security.kubernetes.io/enforce"] == "restricted":
            # restricted pods: no host namespaces, no hostPath, only safe sysctls
            for w in objs.workloads():
                if w["metadata"]["namespace"] != ns["metadata"]["name"]:
                    continue
                spec = pod_spec(w)
                assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
                assert not any("hostPath" in v for v in spec.get("volumes", []))
                for s in (spec.get("securityContext") or {}).get("sysctls", []):
                    assert s["name"] == "net.ipv4.ip_unprivileged_port_start"


@pytest.mark.parametrize("env", ENVS)
def test_every_app_namespace_denies_by_default_and_allows_dns(rendered, env):
    objs = rendered(env)
    app_namespaces = {w["metadata"]["namespace"] for w in objs.workloads()}
    for ns in app_namespaces:
        policies = objs.of("NetworkPolicy", ns)
        deny = [p for p in policies if p["spec"]["podSelector"] == {}
                and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
                and not p["spec"].get("ingress") and not p["spec"].get("egress")]
        assert deny, f"{env}: no default-deny in {ns}"
        dns = [rule for p in policies if p["spec"]["podSelector"] == {}
               for rule in p["spec"].get("egress") or []
               if any(peer.get("podSelector", {}).get("matchLabels", {}).get("k8s-app") == "kube-dns"
                      and peer.get("namespaceSelector", {}).get("matchLabels", {}).get(
                          "kubernetes.io/metadata.name") == "kube-system"
                      for peer in rule.get("to", []))
               and {(p2["protocol"], p2["port"]) for p2 in rule["ports"]} >= {("UDP", 53), ("TCP", 53)}]
        assert dns, f"{env}: no DNS egress to kube-dns in {ns}"


@pytest.mark.parametrize("env", ENVS)
def test_sync_waves(rendered, env):
    """Namespaces -1, data stores 0, apps 1; a PVC in its pod's wave."""
    objs = rendered(env)
    stores = {"mysql", "registry", "postgres-deployment", "redis-deployment"}
    for w in objs.workloads():
        name = w["metadata"]["name"]
        assert wave(w) == ("0" if name in stores else "1"), name
        for v in pod_spec(w).get("volumes", []):
            if "persistentVolumeClaim" in v:
                pvc = objs.get("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"],
                               w["metadata"]["namespace"])
                assert wave(pvc) == wave(w), pvc["metadata"]["name"]


@pytest.mark.parametrize("env", ENVS)
def test_classes_are_the_environments(rendered, env):
    facts = yaml.safe_load((OVERLAYS / env / "environment.yaml").read_text())
    assert facts["apiVersion"] == "kustguard.io/v1" and facts["kind"] == "Environment"
    objs = rendered(env)
    for pvc in objs.of("PersistentVolumeClaim"):
        assert pvc["spec"].get("storageClassName") in facts["storageClasses"]
    for ing in objs.of("Ingress"):
        assert ing["spec"].get("ingressClassName") in facts["ingressClasses"]


@pytest.mark.parametrize("env", ENVS)
def test_pod_references_resolve(rendered, env):
    """Every Secret/ConfigMap key a pod uses exists in the overlay, and every
    PVC it mounts is rendered."""
    objs = rendered(env)
    for w in objs.workloads():
        ns = w["metadata"]["namespace"]
        spec = pod_spec(w)
        for c in all_containers(w):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {})
                for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    if key in ref:
                        name = ref[key]["name"]
                        keys = (objs.secret_keys(ns, name) if kind == "Secret"
                                else set(objs.get(kind, name, ns).get("data") or {}))
                        assert ref[key]["key"] in keys, (w["metadata"]["name"], e)
            for src in c.get("envFrom") or []:
                if "secretRef" in src:
                    objs.get("Secret", src["secretRef"]["name"], ns)
                if "configMapRef" in src:
                    objs.get("ConfigMap", src["configMapRef"]["name"], ns)
        for v in spec.get("volumes", []):
            if "persistentVolumeClaim" in v:
                objs.get("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"], ns)
            if "configMap" in v:
                objs.get("ConfigMap", v["configMap"]["name"], ns)
