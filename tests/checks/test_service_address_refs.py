"""service-address-refs: host[:port] values in env and init args resolve to a Service and port."""
import pytest

from kustguard.checks.service_address_refs import address_var, in_cluster, parse_addresses

SERVICES = """\
apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: todo}
spec:
  selector: {app: mysql}
  ports: [{name: mysql, port: 3306, targetPort: mysql}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: todo}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: todo-hazelcast, namespace: todo}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: hazelcast, port: 5701, targetPort: hazelcast}]
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: cache}
spec:
  selector: {app: redis}
  ports: [{port: 6379}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: todo}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: wait
          image: busybox:1.37
          command: [sh, -c]
          args:
            - wait-for-it mysql:3306 -- echo up; nc -z "$DB_HOST" "$DB_PORT"
      containers:
        - name: web
          image: web:1
          ports:
            - {name: http, containerPort: 8080}
            - {name: hazelcast, containerPort: 5701}
          env:
"""

GOOD_ENV = """\
            - {name: DB_HOST, value: mysql}
            - {name: DB_PORT, value: "3306"}
            - {name: CACHE_URL, value: "redis://redis.cache.svc.cluster.local:6379/0"}
            - {name: CACHE_ADDR, value: "redis.cache:6379"}
            - name: POD_NAMESPACE
              valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
            - {name: HAZELCAST_SERVICE_DNS, value: "todo-hazelcast.$(POD_NAMESPACE).svc.cluster.local"}
            - {name: PEER_ADDR, value: "web-0.todo-hazelcast.todo.svc:5701"}
            - {name: SELF_URL, value: "http://web/health"}
            - {name: JDBC_URL, value: "jdbc:mysql://mysql.todo.svc:3306/todo?useSSL=false"}
            - {name: ISSUER_URL, value: "https://auth.example.com/realms/x"}
            - {name: METRICS_ADDR, value: "0.0.0.0:9090"}
            - {name: LOCAL_URL, value: "http://localhost:8080"}
            - {name: DNS_SERVER, value: "kube-dns.kube-system.svc.cluster.local:53"}
            - {name: OTEL_SERVICE_NAME, value: todo}
            - {name: LEGACY_HOST, value: "$(NOT_DEFINED)"}
"""


def test_resolving_addresses_pass(run_check):
    assert run_check("service-address-refs", SERVICES + GOOD_ENV) == []


BAD_ENV = """\
            - {name: DB_HOST, value: mysql}
            - {name: DB_PORT, value: "3307"}
            - {name: API_URL, value: "http://web:8080/v1"}
            - {name: DATABASE_URL, value: "mysql://todo:pw-s3cr3t-value@mysql:3307/todo"}
            - {name: SEARCH_HOST, value: elastic}
            - {name: PROM_URL, value: "http://prometheus.monitoring.svc:9090"}
            - name: POD_NAMESPACE
              valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
            - {name: HAZELCAST_SERVICE_DNS, value: "todo-hz.$(POD_NAMESPACE).svc.cluster.local"}
"""


def test_unresolved_hosts_and_ports_fail(run_check):
    text = SERVICES + BAD_ENV
    text = text.replace("wait-for-it mysql:3306", "wait-for-it mysql-db:3306")
    findings = run_check("service-address-refs", text)
    init = "spec.template.spec.initContainers[0]"
    main = "spec.template.spec.containers[0]"
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("web", f"{init}.args[0]", 42),
        ("web", f"{main}.env[1].value", 51),
        ("web", f"{main}.env[2].value", 52),
        ("web", f"{main}.env[3].value", 53),
        ("web", f"{main}.env[4].value", 54),
        ("web", f"{main}.env[5].value", 55),
        ("web", f"{main}.env[7].value", 58),
    ]
    messages = [f.message for f in findings]
    assert messages == [
        "container 'wait' args[0] names host 'mysql-db', but there is no Service 'mysql-db' in namespace 'todo'",
        "container 'web' env DB_HOST connects to 'mysql' port 3307 (port from env DB_PORT), but Service "
        "'mysql' in namespace 'todo' has no port 3307",
        "container 'web' env API_URL connects to 'web' port 8080, but Service 'web' in namespace 'todo' "
        "has no port 8080",
        "container 'web' env DATABASE_URL connects to 'mysql' port 3307, but Service 'mysql' in namespace "
        "'todo' has no port 3307",
        "container 'web' env SEARCH_HOST names host 'elastic', but there is no Service 'elastic' in "
        "namespace 'todo'",
        "container 'web' env PROM_URL names host 'prometheus.monitoring.svc', but there is no Service "
        "'prometheus' in namespace 'monitoring' (not rendered by this overlay)",
        "container 'web' env HAZELCAST_SERVICE_DNS names host 'todo-hz.todo.svc.cluster.local', but there "
        "is no Service 'todo-hz' in namespace 'todo'",
    ]
    assert findings[2].hint == "use one of the Service's ports (80), or add the port to the Service"
    for f in findings:
        assert "pw-s3cr3t-value" not in f.message + f.hint + repr(f.extra)


@pytest.mark.parametrize("name,expected", [
    ("DB_HOST", True), ("RDS_HOSTNAME", True), ("REDIS_ADDR", True), ("API_URL", True),
    ("HAZELCAST_SERVICE_DNS", True), ("BACKEND_SERVICE", True), ("KAFKA_SERVERS", True),
    ("OTEL_SERVICE_NAME", False), ("HOSTNAME", False), ("SERVICE", False), ("DB_PORT", False), ("SERVICE_ACCOUNT", False), ("LOG_LEVEL", False),
])
def test_address_variable_names(name, expected):
    assert address_var(name) is expected


def test_parse_and_resolve():
    assert parse_addresses("a:1, http://b/x redis://u:p@c:6379 mongodb+srv://d.ns.svc/x e",
                           bare_host=True) == [("a", 1), ("b", 80), ("c", 6379), ("d.ns.svc", None), ("e", None)]
    assert parse_addresses("e", bare_host=False) == []
    assert parse_addresses("12:30", bare_host=False) == []
    namespaces = {"todo", "cache"}
    assert in_cluster("mysql", "todo", namespaces) == ("mysql", "todo")
    assert in_cluster("redis.cache", "todo", namespaces) == ("redis", "cache")
    assert in_cluster("mysql-0.mysql.todo", "x", namespaces) == ("mysql", "todo")
    assert in_cluster("x.other.svc.cluster.local.", "todo", namespaces) == ("x", "other")
    assert in_cluster("example.com", "todo", namespaces) is None
    assert in_cluster("10.0.0.1", "todo", namespaces) is None
    assert in_cluster("localhost", "todo", namespaces) is None
