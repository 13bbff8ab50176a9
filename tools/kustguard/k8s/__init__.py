"""Kubernetes semantics, each rule written once, for every check and the
network-policy engine: which objects carry a pod template and where."""
