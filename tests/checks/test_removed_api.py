from kustguard.checks.removed_api import REMOVED

MANIFESTS = """\
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
---
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly, namespace: shop}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: fs}
"""


def test_removed_versions_are_reported_for_the_overlay_version(run_check):
    findings = run_check("removed-api", MANIFESTS, kubernetes_version="1.32")
    assert [(str(f.object), f.message, f.hint, f.field, f.line) for f in findings] == [
        ("HorizontalPodAutoscaler/shop/web",
         "HorizontalPodAutoscaler autoscaling/v2beta2 was removed in Kubernetes 1.26; "
         "this overlay targets 1.32", "migrate to autoscaling/v2", "apiVersion", 1),
        ("CronJob/shop/nightly",
         "CronJob batch/v1beta1 was removed in Kubernetes 1.25; this overlay targets 1.32",
         "migrate to batch/v1", "apiVersion", 5),
        ("FlowSchema/fs",
         "FlowSchema flowcontrol.apiserver.k8s.io/v1beta3 was removed in Kubernetes 1.32; "
         "this overlay targets 1.32", "migrate to flowcontrol.apiserver.k8s.io/v1", "apiVersion", 13),
    ]


def test_older_cluster_still_serves_them(run_check):
    findings = run_check("removed-api", MANIFESTS, kubernetes_version="1.25")
    assert [f.object.name for f in findings] == ["nightly"]
    assert run_check("removed-api", MANIFESTS, kubernetes_version="1.24") == []


def test_version_comparison_is_numeric(run_check):
    ingress = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\n"
    assert run_check("removed-api", ingress, kubernetes_version="1.9") == []
    assert len(run_check("removed-api", ingress, kubernetes_version="1.22")) == 1


def test_table_covers_the_well_known_removals():
    assert REMOVED[("extensions/v1beta1", "Deployment")][0] == "1.16"
    assert REMOVED[("extensions/v1beta1", "Ingress")][0] == "1.22"
    assert REMOVED[("policy/v1beta1", "PodSecurityPolicy")][0] == "1.25"
    assert REMOVED[("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema")] == (
        "1.29", "flowcontrol.apiserver.k8s.io/v1")
