"""secret-refs: Secret/ConfigMap references resolve in the overlay, with their keys."""

OBJECTS = """\
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: todo}
data: {password: czNjcjN0}
stringData: {user: app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-config, namespace: todo}
data: {LOG_LEVEL: info}
binaryData: {logo.png: aGk=}
---
apiVersion: v1
kind: Secret
metadata:
  name: db-shape
  namespace: todo
  annotations: {kustguard.io/shape-only: "true"}
data: {url: c2hhcGU=}
---
apiVersion: v1
kind: Secret
metadata:
  name: builder-token
  namespace: todo
  annotations: {kubernetes.io/service-account.name: builder}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: todo}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: e30=}
"""

GOOD_POD = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: todo}
spec:
  template:
    spec:
      imagePullSecrets:
        - name: regcred
      containers:
        - name: api
          image: api:1
          env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
            - name: DB_USER
              valueFrom: {secretKeyRef: {name: db, key: user}}
            - name: LOG_LEVEL
              valueFrom: {configMapKeyRef: {name: api-config, key: LOG_LEVEL}}
            - name: URL
              valueFrom: {secretKeyRef: {name: db-shape, key: url}}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: builder-token, key: token}}
            - name: MAYBE
              valueFrom: {secretKeyRef: {name: absent, key: x, optional: true}}
          envFrom:
            - secretRef: {name: db}
            - configMapRef: {name: gone, optional: true}
      volumes:
        - name: cfg
          configMap:
            name: api-config
            items: [{key: logo.png, path: logo.png}]
        - name: all
          projected:
            sources:
              - secret: {name: db, items: [{key: user, path: u}]}
              - configMap: {name: api-config}
              - secret: {name: nope, optional: true}
"""


def test_resolving_references_pass(run_check):
    assert run_check("secret-refs", OBJECTS + GOOD_POD) == []


BAD_POD = """\
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: todo}
data: {password: czNjcjN0}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-config, namespace: todo}
data: {LOG_LEVEL: info}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: todo}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          imagePullSecrets:
            - name: regcred
          initContainers:
            - name: wait
              image: busybox:1
              envFrom:
                - configMapRef: {name: wait-config}
          containers:
            - name: dump
              image: mysql:8
              env:
                - name: MYSQL_PWD
                  valueFrom: {secretKeyRef: {name: db, key: root-password}}
                - name: LEVEL
                  valueFrom: {configMapKeyRef: {name: api-config, key: level}}
          volumes:
            - name: creds
              secret:
                secretName: db
                items: [{key: password, path: p}, {key: cert, path: c}]
            - name: proj
              projected:
                sources:
                  - configMap: {name: other-config}
"""


def test_missing_objects_and_keys_fail_with_field_lines(run_check):
    findings = run_check("secret-refs", BAD_POD)
    got = [(f.object.kind, f.object.namespace, f.object.name, f.field, f.line) for f in findings]
    base = "spec.jobTemplate.spec.template.spec"
    assert got == [
        ("CronJob", "todo", "backup", f"{base}.initContainers[0].envFrom[0].configMapRef.name", 25),
        ("CronJob", "todo", "backup", f"{base}.containers[0].env[0].valueFrom.secretKeyRef.key", 31),
        ("CronJob", "todo", "backup", f"{base}.containers[0].env[1].valueFrom.configMapKeyRef.key", 33),
        ("CronJob", "todo", "backup", f"{base}.volumes[0].secret.items[1].key", 38),
        ("CronJob", "todo", "backup", f"{base}.volumes[1].projected.sources[0].configMap.name", 42),
        ("CronJob", "todo", "backup", f"{base}.imagePullSecrets[0].name", 20),
    ]
    assert {f.check_id for f in findings} == {"secret-refs"}
    messages = [f.message for f in findings]
    assert messages[0] == ("container 'wait' envFrom refers to ConfigMap 'wait-config', which the "
                           "overlay does not render in namespace 'todo'")
    assert messages[1] == ("container 'dump' env MYSQL_PWD refers to key 'root-password' of "
                           "Secret 'db', which has no such key")
    assert findings[1].hint.startswith("its keys are: password;")
    assert "volume 'creds'" in messages[3]


def test_namespace_matters(run_check):
    text = """\
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: other}
data: {password: czNjcjN0}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: x:1
      env:
        - name: P
          valueFrom: {secretKeyRef: {name: db, key: password}}
"""
    findings = run_check("secret-refs", text)
    assert [(f.object.namespace, f.field, f.line) for f in findings] == [
        ("default", "spec.containers[0].env[0].valueFrom.secretKeyRef.name", 15),
    ]
    assert "namespace 'default'" in findings[0].message


def test_secret_made_by_certificate_counts(run_check):
    text = """\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: todo}
spec: {secretName: web-tls}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: todo}
spec:
  containers: [{name: c, image: x:1}]
  volumes:
    - name: tls
      secret:
        secretName: web-tls
        items: [{key: tls.crt, path: crt}, {key: password, path: nope}]
"""
    findings = run_check("secret-refs", text)
    assert [(f.field, f.line) for f in findings] == [("spec.volumes[0].secret.items[1].key", 15)]


def test_key_values_are_not_printed(run_check):
    findings = run_check("secret-refs", BAD_POD)
    for f in findings:
        text = f.message + f.hint + repr(f.extra)
        assert "czNjcjN0" not in text and "s3cr3t" not in text


EXTERNAL = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: repo-server, namespace: argocd}
spec:
  template:
    spec:
      containers:
        - name: redis-client
          image: redis:7
          env:
            - name: REDIS_PASSWORD
              valueFrom: {secretKeyRef: {name: argocd-redis, key: auth}}
      volumes:
        - name: age
          secret:
            secretName: age-key
            items: [{key: keys.txt, path: keys.txt}, {key: other.txt, path: o}]
"""


def test_secrets_the_environment_declares_external_resolve_with_their_keys(run_check):
    declared = {("argocd", "argocd-redis"): None, ("argocd", "age-key"): frozenset({"keys.txt"})}
    findings = run_check("secret-refs", EXTERNAL, external_secrets=declared)
    assert [f.message for f in findings] == [
        "volume 'age' refers to key 'other.txt' of Secret 'age-key', which has no such key"]
    undeclared = run_check("secret-refs", EXTERNAL)
    assert len(undeclared) == 2 and all("does not render" in f.message for f in undeclared)
    elsewhere = run_check("secret-refs", EXTERNAL,
                          external_secrets={("other", "argocd-redis"): None,
                                            ("other", "age-key"): None})
    assert len(elsewhere) == 2  # another namespace's Secret does not count
