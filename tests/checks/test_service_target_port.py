"""service-target-port: a Service's targetPort is exposed by a selected container."""

OBJECTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: metrics
          image: exporter:1
          restartPolicy: Always
          ports: [{name: metrics, containerPort: 9100}]
        - name: setup
          image: setup:1
          ports: [{name: setup, containerPort: 7000}]
      containers:
        - name: web
          image: nginx:1
          ports:
            - {name: http, containerPort: 8080}
            - {name: dns, containerPort: 53, protocol: UDP}
"""


def service(ports: str) -> str:
    return OBJECTS + """\
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
""" + ports


def test_exposed_ports_pass(run_check):
    text = service("""\
    - {name: http, port: 80, targetPort: http}
    - {name: direct, port: 81, targetPort: 8080}
    - {name: same, port: 8080}
    - {name: metrics, port: 9100, targetPort: metrics}
    - {name: dns, port: 53, targetPort: dns, protocol: UDP}
""")
    assert run_check("service-target-port", text) == []


def test_unexposed_target_ports_fail(run_check):
    text = service("""\
    - {name: http, port: 80}
    - name: https
      port: 443
      targetPort: https
    - {name: dns-tcp, port: 53, targetPort: dns}
    - {name: setup, port: 7000, targetPort: setup}
    - {name: str, port: 90, targetPort: "9090"}
""")
    findings = run_check("service-target-port", text)
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("web", "spec.ports[0].port", 29),
        ("web", "spec.ports[1].targetPort", 32),
        ("web", "spec.ports[2].targetPort", 33),
        ("web", "spec.ports[3].targetPort", 34),
        ("web", "spec.ports[4].targetPort", 35),
    ]
    assert findings[0].message == ("Service 'web' port 'http' targets port 80 (targetPort defaults to port), "
                                   "which no selected container exposes (Deployment/web)")
    assert findings[1].message == ("Service 'web' port 'https' targets port name 'https', which no "
                                   "selected container exposes (Deployment/web)")
    assert "protocol TCP" in findings[2].hint  # dns is a UDP port
    # an ordinary init container's ports are not the pod's serving ports
    assert "'setup'" in findings[3].message


def test_service_selecting_nothing_is_left_to_service_selector(run_check):
    text = service("    - {port: 1}\n").replace("selector: {app: web}", "selector: {app: none}")
    assert run_check("service-target-port", text) == []


def _pair(target: str, ports: str) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: n}}\nspec:\n"
            f"  selector: {{app: a}}\n  ports: [{{port: 80, targetPort: {target}}}]\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec:\n"
            "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n"
            f"    spec:\n      containers:\n      - name: c\n        image: x:1\n{ports}")


def test_numeric_target_to_undeclared_ports_is_routed(run_check):
    """Kubernetes routes to a port the container does not declare."""
    assert run_check("service-target-port", _pair("8080", "")) == []


def test_numeric_target_beside_other_declared_ports_is_a_warning(run_check):
    findings = run_check("service-target-port",
                         _pair("8080", "        ports: [{containerPort: 8081}]\n"))
    assert [(str(f.severity), f.field) for f in findings] == [("warning", "spec.ports[0].targetPort")]


def test_named_target_that_no_container_declares_is_an_error(run_check):
    findings = run_check("service-target-port", _pair("web", ""))
    assert [(str(f.severity), f.field) for f in findings] == [("error", "spec.ports[0].targetPort")]
