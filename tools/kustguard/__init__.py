"""kustguard: render, decrypt and validate a Kustomize GitOps repository."""

__version__ = "0.1.0"
