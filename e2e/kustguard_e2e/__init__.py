"""A Kubernetes control plane and Argo CD as plain processes, for end-to-end tests.

kube-apiserver, kube-controller-manager, kube-scheduler and etcd run from
binaries built by ``e2e/build-binaries.sh``; kwok fakes the nodes and makes
pods Running and Ready; Argo CD's server, repo-server, application controller
and config management plugin server run from its multi-call binary, with
redis. Everything listens on 127.0.0.1, on free ports, and logs to one folder.

    from kustguard_e2e.controlplane import ControlPlane

    with ControlPlane.start(bin_dir, repo_root) as cp:
        cp.kube.get("v1", "Namespace", "default")
"""
