"""Strict, offline schema validation.

catalog.py knows where every schema lives (core Kubernetes schemas from the
kubernetes-validate package, CRD schemas committed under schemas/); crds.py
turns CRD YAML into those committed schemas; python_backend.py and
kubeconform_backend.py validate against the same files.
"""
