"""k8s.labels: label selectors as the Kubernetes documentation defines them
(concepts/overview/working-with-objects/labels), one implementation for the
checks and the network-policy engine."""
from __future__ import annotations

import pytest

from kustguard.checks._selectors import PodTemplates
from kustguard.index import Index
from kustguard.k8s.labels import SelectorError, label_text, map_selector, parse_selector, selects
from kustguard.netpol.selectors import LabelIndex
from kustguard.resources import parse_stream

PODS = [
    {"environment": "production", "tier": "frontend"},
    {"environment": "qa", "tier": "frontend"},
    {"environment": "dev", "tier": "backend", "partition": "customerA"},
    {"tier": "cache"},
]


@pytest.mark.parametrize("selector, selected", [
    # The documentation's set-based examples.
    ({"matchExpressions": [{"key": "environment", "operator": "In",
                            "values": ["production", "qa"]}]}, [0, 1]),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn",
                            "values": ["frontend", "backend"]}]}, [3]),
    ({"matchExpressions": [{"key": "partition", "operator": "Exists"}]}, [2]),
    ({"matchExpressions": [{"key": "partition", "operator": "DoesNotExist"}]}, [0, 1, 3]),
    # NotIn also selects objects without the key.
    ({"matchExpressions": [{"key": "environment", "operator": "NotIn", "values": ["qa"]}]},
     [0, 2, 3]),
    # matchLabels and matchExpressions are ANDed.
    ({"matchLabels": {"tier": "frontend"},
      "matchExpressions": [{"key": "environment", "operator": "NotIn", "values": ["qa"]}]}, [0]),
    ({}, [0, 1, 2, 3]),
    (None, [0, 1, 2, 3]),
])
def test_documented_selectors(selector, selected):
    assert [i for i, labels in enumerate(PODS) if selects(selector, labels)] == selected
    # The bitmask index of the network-policy engine agrees.
    mask = LabelIndex(PODS).select(parse_selector(selector))
    assert [i for i in range(len(PODS)) if mask >> i & 1] == selected


@pytest.mark.parametrize("raw, message", [
    ([], "a label selector must be a mapping"),
    ({"matchLabels": []}, "matchLabels must be a mapping"),
    ({"matchExpressions": [{"key": "a", "operator": "Has"}]}, "operator 'Has' is not one of"),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]}, "operator In needs values"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     "operator Exists takes no values"),
    ({"matchLabel": {"a": "b"}}, "unknown selector field 'matchLabel'"),
])
def test_what_the_api_server_refuses(raw, message):
    with pytest.raises(SelectorError, match=message):
        parse_selector(raw)
    assert selects(raw, {"a": "b"}) is False


def test_label_values_compare_as_text():
    """A YAML true and the string "true" are the same label value."""
    assert label_text(True) == "true" and label_text(3) == "3" and label_text(None) == ""
    assert selects({"matchLabels": {"canary": "true"}}, {"canary": True})
    assert selects({"matchLabels": {"canary": True}}, {"canary": "true"})
    assert map_selector({"canary": True}).matches({"canary": "true"})


def test_checks_and_netpol_agree_on_a_boolean_label():
    stream = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web, canary: true}
    spec: {containers: [{name: c, image: x:1}]}
"""
    index = Index(parse_stream(stream, "t", "t.yaml"))
    templates = PodTemplates(index)
    assert [w.name for w in templates.select("shop", {"canary": "true"})] == ["web"]
    assert [w.name for w in templates.select_label_selector(
        "shop", {"matchLabels": {"canary": "true"}})] == ["web"]
    from kustguard.netpol.model import model_of
    model = model_of(index)
    web = next(g for g in model.groups if g.name == "web")
    assert model.pod_index.select(parse_selector({"matchLabels": {"canary": "true"}})) >> web.index & 1
