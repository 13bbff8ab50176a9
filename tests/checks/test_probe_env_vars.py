"""probe-env-vars: exec probes expand only variables the container defines."""
import pytest

from kustguard.checks.probe_env_vars import kubelet_refs, shell_refs, shell_script, script_locals

HEAD = """\
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: data}
stringData: {MYSQL_PWD: hunter2-not-printed}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mysql, namespace: data}
spec:
  template:
    spec:
      containers:
        - name: mysql
          image: mysql:8.4
          env:
            - name: MYSQL_ROOT_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: MYSQL_PWD}}
            - name: PORT
              value: "3306"
          envFrom:
            - secretRef: {name: db}
              prefix: DB_
"""


def with_probes(probes: str, head: str = HEAD) -> str:
    return head + probes


def test_defined_variables_pass(run_check):
    text = with_probes("""\
          readinessProbe:
            exec:
              command:
                - sh
                - -c
                - mysqladmin ping -h localhost -P "$PORT" -u root -p${MYSQL_ROOT_PASSWORD} | grep alive
          livenessProbe:
            exec:
              command: [sh, -ec, 'test -n "$DB_MYSQL_PWD" && echo "${UNSET_OK:-x}" $HOME $MYSQL_MAJOR $(hostname) $1 $?']
          startupProbe:
            exec:
              command: [mysqladmin, ping, "--port=$(PORT)", '$$(LITERAL)']
""")
    assert run_check("probe-env-vars", text) == []


def test_kubelet_substitution_of_value_from_and_undefined_fail(run_check):
    text = with_probes("""\
          readinessProbe:
            exec:
              command:
                - mysqladmin
                - ping
                - -p$(MYSQL_ROOT_PASSWORD)
                - -h$(DB_HOST)
          livenessProbe:
            exec:
              command:
                - sh
                - -c
                - mysqladmin ping -p"$MYSQL_PASSWORD" -P$(DB_MYSQL_PWD)
""")
    findings = run_check("probe-env-vars", text)
    base = "spec.template.spec.containers[0]"
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("mysql", f"{base}.livenessProbe.exec.command[2]", 35),
        ("mysql", f"{base}.livenessProbe.exec.command[2]", 35),
        ("mysql", f"{base}.readinessProbe.exec.command[2]", 28),
        ("mysql", f"{base}.readinessProbe.exec.command[3]", 29),
    ]
    messages = [f.message for f in findings]
    assert messages[0].endswith("DB_MYSQL_PWD can only come from envFrom, which the kubelet does not substitute")
    assert messages[1] == ("container 'mysql' livenessProbe script expands $MYSQL_PASSWORD, which the "
                           "container does not define (env, envFrom) nor the script")
    assert messages[2].endswith("MYSQL_ROOT_PASSWORD comes from valueFrom, so the kubelet substitutes "
                                "an empty string")
    assert messages[3].endswith("DB_HOST is not in the container's env")
    assert findings[2].hint == 'use sh -c with "$MYSQL_ROOT_PASSWORD" (the shell sees the whole environment)'
    assert findings[3].hint == "define DB_HOST in env, or fix the name"
    for f in findings:
        assert "hunter2" not in f.message + f.hint


def test_unknown_env_from_source_is_trusted_for_the_shell(run_check):
    head = HEAD.replace("secretRef: {name: db}", "configMapRef: {name: not-rendered}")
    text = with_probes("""\
          readinessProbe:
            exec:
              command: [sh, -c, 'echo "$ANYTHING"']
""", head)
    assert run_check("probe-env-vars", text) == []


def test_known_env_from_keys_are_used(run_check):
    text = with_probes("""\
          readinessProbe:
            exec:
              command: [sh, -c, 'echo "$MYSQL_PWD"']
""")
    findings = run_check("probe-env-vars", text)
    # the envFrom prefix DB_ makes the key DB_MYSQL_PWD, not MYSQL_PWD
    assert [(f.field, f.line) for f in findings] == [
        ("spec.template.spec.containers[0].readinessProbe.exec.command[2]", 25)]


@pytest.mark.parametrize("command,expected", [
    (["sh", "-c", "x"], 2),
    (["/bin/bash", "-euc", "x"], 2),
    (["busybox", "sh", "-c", "x"], 3),
    (["mysqladmin", "-c", "x"], None),
    (["sh", "script.sh"], None),
    (["sh", "-c"], None),
])
def test_shell_script_detection(command, expected):
    assert shell_script(command) == expected


def test_expansion_parsers():
    assert kubelet_refs("a $(X) $$(Y) $$$(Z) $(lower case)") == ["X", "Z"]
    assert shell_refs("""echo $A "${B}" '$C' \\$D ${E:-d} ${F:?err} ${#G} $1 $$""") == ["A", "B", "F", "G"]
    assert script_locals("X=1; export Y=2; for i in 1 2; do read -r line rest; done") >= {
        "X", "Y", "i", "line", "rest"}
