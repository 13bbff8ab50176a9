"""Index: where objects land."""
from __future__ import annotations


def test_custom_objects_of_unknown_scope_are_not_placed_in_default():
    from kustguard.index import Index
    from kustguard.resources import parse_stream

    stream = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-labels}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec: {scope: Namespaced, names: {kind: Gadget}}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
"""
    index = Index(parse_stream(stream, "t", "t.yaml"))
    where = {r.kind: index.namespace_of(r) for r in index.resources}
    assert where == {"ClusterPolicy": "", "Widget": "", "CustomResourceDefinition": "",
                     "Gadget": "default", "ConfigMap": "default"}
