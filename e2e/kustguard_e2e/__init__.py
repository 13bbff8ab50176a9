"""A Kubernetes control plane and Argo CD as plain processes, for end-to-end tests.

kube-apiserver, kube-controller-manager, kube-scheduler and etcd run from
binaries built by ``e2e/build-binaries.sh``; kwok fakes the nodes and makes
pods Running and Ready; Argo CD's server, repo-server, application controller
and config management plugin server run from its multi-call binary, with
redis. Everything listens on 127.0.0.1, on free ports, and logs to one folder.

    from kustguard_e2e.controlplane import Binaries, ControlPlane

    with ControlPlane(Binaries(bin_dir)) as cp:
        cp.start_kubernetes([{"name": "node-0", "labels": {}}])
        cp.kube.get("v1", "Namespace", "default")

tests/e2e/conftest.py starts one for the end-to-end tests, with Argo CD.
"""
