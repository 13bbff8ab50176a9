"""probe-port: probe ports are declared by the container."""

GOOD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          ports:
            - {name: http, containerPort: 8080}
            - {name: grpc, containerPort: 9090}
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {tcpSocket: {port: 8080}}
          startupProbe: {grpc: {port: 9090}}
        - name: other-host
          image: api:1
          livenessProbe: {httpGet: {host: example.org, path: /, port: 443}}
          readinessProbe: {exec: {command: [cat, /tmp/ready]}}
          startupProbe: {httpGet: {path: /, port: "8080"}, failureThreshold: 30}
          ports: [{containerPort: 8080}]
"""


def test_declared_ports_pass(run_check):
    assert run_check("probe-port", GOOD) == []


BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      initContainers:
        - name: proxy
          image: envoy:1
          restartPolicy: Always
          readinessProbe: {tcpSocket: {port: admin}}
      containers:
        - name: api
          image: api:1
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /ready, port: web}
          livenessProbe:
            tcpSocket: {port: 80}
          startupProbe:
            grpc: {port: 9090}
"""


def test_undeclared_ports_fail(run_check):
    findings = run_check("probe-port", BAD)
    base = "spec.template.spec"
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("api", f"{base}.initContainers[0].readinessProbe.tcpSocket.port", 11),
        ("api", f"{base}.containers[0].livenessProbe.tcpSocket.port", 20),
        ("api", f"{base}.containers[0].readinessProbe.httpGet.port", 18),
        ("api", f"{base}.containers[0].startupProbe.grpc.port", 22),
    ]
    assert findings[2].message == ("container 'api' readinessProbe httpGet uses port name 'web', "
                                   "which the container does not declare")
    assert findings[1].message == ("container 'api' livenessProbe tcpSocket uses port 80, "
                                   "which the container does not declare")
    assert findings[1].hint.endswith("(declared: http=8080)")
    assert findings[0].hint.endswith("(declared: none)")
