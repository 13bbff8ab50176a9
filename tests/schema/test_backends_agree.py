"""The Python backend and kubeconform give the same verdicts on one corpus."""
from __future__ import annotations

import pytest
import yaml

from kustguard.errors import InputError
from kustguard.pipeline import cache_dir
from kustguard.schema.backends import make_backend
from kustguard.toolchain import find_tool
from kustguard.yamlload import load_all

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27.3",
                                     "ports": [{"containerPort": 80}]}]},
        },
    },
}


def _with(path, value, base=DEPLOYMENT):
    doc = yaml.safe_load(yaml.safe_dump(base))
    node = doc
    for part in path[:-1]:
        node = node[part]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()
CONTAINER = ("spec", "template", "spec", "containers", 0)

# (case id, document, expected valid)
CORPUS = [
    ("valid-deployment", DEPLOYMENT, True),
    ("unknown-field", _with(CONTAINER + ("imagePullPolice",), "Always"), False),
    ("wrong-type", _with(("spec", "replicas"), "three"), False),
    ("missing-required", _with(CONTAINER + ("name",), _DELETE), False),
    ("int-or-string-int", _with(("spec", "strategy"), {"type": "RollingUpdate",
                                                       "rollingUpdate": {"maxSurge": 1}}), True),
    ("int-or-string-percent", _with(("spec", "strategy"), {"type": "RollingUpdate",
                                                           "rollingUpdate": {"maxSurge": "25%"}}), True),
    ("int-or-string-bad", _with(("spec", "strategy"), {"type": "RollingUpdate",
                                                       "rollingUpdate": {"maxSurge": [1]}}), False),
    ("unknown-kind", {"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}}, False),
    ("service-valid", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                       "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}, True),
    ("crd-instance-valid", {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
                            "metadata": {"name": "pool", "namespace": "metallb-system"},
                            "spec": {"addresses": ["172.18.0.250-172.18.0.254"]}}, True),
    ("crd-instance-unknown-field", {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
                                    "metadata": {"name": "pool"},
                                    "spec": {"addresses": ["10.0.0.0/24"], "adresses": []}}, False),
    ("crd-instance-wrong-type", {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                                 "metadata": {"name": "p"}, "spec": {"sourceRepos": "x"}}, False),
    ("unknown-crd", {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}, False),
]

DUPLICATE_KEY_DOC = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: dup
  name: dup2
"""


@pytest.fixture(scope="module")
def backends(repo_root):
    kubeconform = find_tool("kubeconform", repo_root)
    assert kubeconform, "kubeconform must be installed (make setup) for this comparison"
    cache = cache_dir(repo_root)
    return (make_backend("python", repo_root, cache, "1.32", None),
            make_backend("kubeconform", repo_root, cache, "1.32", kubeconform))


def test_corpus_verdicts_match_expectations_and_each_other(backends):
    python, kubeconform = backends
    docs = [doc for _, doc, _ in CORPUS]
    py_verdicts = [not v for v in python.validate_all(docs)]
    kc_verdicts = [not v for v in kubeconform.validate_all(docs)]
    expected = [ok for _, _, ok in CORPUS]
    names = [name for name, _, _ in CORPUS]
    assert dict(zip(names, py_verdicts)) == dict(zip(names, expected))
    assert dict(zip(names, kc_verdicts)) == dict(zip(names, expected))


def test_both_backends_point_at_the_same_field(backends):
    python, kubeconform = backends
    doc = _with(CONTAINER + ("imagePullPolice",), "Always")
    (py,), (kc,) = python.validate_all([doc]), kubeconform.validate_all([doc])
    assert [v.path for v in py] == [v.path for v in kc] == [CONTAINER + ("imagePullPolice",)]


def test_duplicate_keys_rejected_by_both(backends, tmp_path):
    _, kubeconform = backends
    with pytest.raises(InputError, match="duplicate key"):
        list(load_all(DUPLICATE_KEY_DOC, "dup.yaml"))
    resources = kubeconform.run(DUPLICATE_KEY_DOC)
    assert [r["status"] for r in resources] == ["statusError"]
    assert "duplicate" in resources[0]["msg"] or "already" in resources[0]["msg"]
