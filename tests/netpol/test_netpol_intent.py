"""netpol-intent: the environment's reachability intents hold."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kustguard.environment import IntentFile
from kustguard.errors import InputError

from .fixtures import APP, DEFAULT_DENY, MYSQL_FROM_TODO, TODO_OPEN, line_of, policy, workload


ENV_HEAD = "apiVersion: kustguard.io/v1\nkind: Environment\nintents:\n"


@pytest.fixture
def run_intents(run_check, tmp_path: Path):
    def run(manifests: str, intents: str):
        text = ENV_HEAD + intents
        path = tmp_path / "environment.yaml"
        return run_check("netpol-intent", manifests, files={"environment.yaml": text},
                         intents=[IntentFile(path, yaml.safe_load(text)["intents"])],
                         path=path), text
    return run


ONLY_TODO = """\
  - name: only todo reaches mysql
    to: {namespace: todo, pods: {app: mysql}}
    port: 3306
    only-from: [{namespace: todo, pods: {app: todo}}]
"""


def test_only_from_holds(run_intents):
    findings, _ = run_intents(APP + DEFAULT_DENY + MYSQL_FROM_TODO, ONLY_TODO)
    assert findings == []


def test_only_from_names_the_rule_letting_others_in(run_intents):
    manifests = APP + DEFAULT_DENY + policy("mysql-open", """\
  podSelector: {matchLabels: {app: mysql}}
  ingress:
    - from: [{podSelector: {}}]
    - from: [{ipBlock: {cidr: 192.0.2.0/24}}]
      ports: [{port: 3306}]
""")
    findings, env = run_intents(manifests, ONLY_TODO)
    assert [(f.check_id, f.object, f.file, f.line) for f in findings] == [
        ("netpol-intent", None, "environment.yaml", line_of(env, "only todo reaches mysql"))]
    rule_line = line_of(manifests, "- from: [{ipBlock")
    assert findings[0].message == (
        "intent 'only todo reaches mysql': 192.0.2.0/24 -> todo/mysql is allowed on TCP 3306: "
        f"ingress: allowed by policy todo/mysql-open rule ingress[1] (manifests.yaml:{rule_line})"
        " on TCP 3306")


def test_only_from_lists_each_other_workload(run_intents):
    manifests = (APP + workload("backup", "todo", "{app: backup}") + DEFAULT_DENY
                 + policy("mysql-open", "  podSelector: {matchLabels: {app: mysql}}\n"
                                        "  ingress: [{from: [{podSelector: {}}]}]\n"))
    findings, _ = run_intents(manifests, ONLY_TODO)
    rule_line = line_of(manifests, "ingress: [{from: [{podSelector: {}}]}]")
    assert [f.message for f in findings] == [
        "intent 'only todo reaches mysql': todo/backup -> todo/mysql is allowed on TCP 3306: "
        "egress: no egress policy selects todo/backup (egress unrestricted); "
        f"ingress: allowed by policy todo/mysql-open rule ingress[0] (manifests.yaml:{rule_line})"
        " on TCP 3306"]


def test_allow_intent_names_the_isolating_policy(run_intents):
    findings, _ = run_intents(APP + DEFAULT_DENY, """\
  - name: todo uses mysql
    from: {namespace: todo, workload: todo}
    to: {namespace: todo, workload: mysql}
    port: 3306
    expect: allow
""")
    assert [f.message for f in findings] == [
        "intent 'todo uses mysql': todo/todo -> todo/mysql is denied on TCP 3306: ingress: "
        "todo/mysql is isolated for ingress by policy todo/default-deny and none of their rules "
        "admits todo/todo on TCP 3306"]


def test_allow_intent_names_the_egress_side(run_intents):
    manifests = APP + MYSQL_FROM_TODO + policy("todo-out", """\
  podSelector: {matchLabels: {app: todo}}
  policyTypes: [Egress]
  egress: [{ports: [{port: 53, protocol: UDP}]}]
""")
    findings, _ = run_intents(manifests, """\
  - {name: todo uses mysql, from: {workload: todo}, to: {workload: mysql}, port: 3306, expect: allow}
""")
    assert [f.message for f in findings] == [
        "intent 'todo uses mysql': todo/todo -> todo/mysql is denied on TCP 3306: egress: no "
        "egress rule of policy todo/todo-out in namespace todo allows todo/mysql on TCP 3306 "
        "(its rules allow only UDP 53)"]


def test_deny_to_the_world(run_intents):
    intent = """\
  - name: mysql has no internet
    from: {namespace: todo, pods: {app: mysql}}
    to: world
    expect: deny
"""
    open_findings, _ = run_intents(APP, intent)
    assert [f.message for f in open_findings] == [
        "intent 'mysql has no internet': todo/mysql -> world is allowed on all: egress: no egress "
        "policy selects todo/mysql (egress unrestricted)"]
    closed = APP + policy("mysql-out", "  podSelector: {matchLabels: {app: mysql}}\n"
                                       "  policyTypes: [Egress]\n")
    assert run_intents(closed, intent)[0] == []


OPEN_TODO = """\
  - name: todo is open to all on 8080
    to: {namespace: todo, pods: {app: todo}}
    port: 8080
    open-to-all: true
"""


def test_open_to_all_holds(run_intents):
    assert run_intents(APP + DEFAULT_DENY + TODO_OPEN, OPEN_TODO)[0] == []


def test_open_to_all_fails_for_ipv6_clients(run_intents):
    manifests = APP + DEFAULT_DENY + policy("todo-v4", """\
  podSelector: {matchLabels: {app: todo}}
  ingress:
    - from: [{ipBlock: {cidr: 0.0.0.0/0}}, {podSelector: {}}]
      ports: [{port: 8080}]
""")
    findings, _ = run_intents(manifests, OPEN_TODO)
    assert [f.message for f in findings] == [
        "intent 'todo is open to all on 8080': world -> todo/todo is denied on TCP 8080: "
        "ingress: todo/todo is isolated for ingress by policies todo/default-deny, todo/todo-v4 "
        "and none of their rules admits world on TCP 8080"]


def test_open_to_all_fails_for_workloads_left_out(run_intents):
    manifests = APP + DEFAULT_DENY + policy("todo-ext", """\
  podSelector: {matchLabels: {app: todo}}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: "::/0"}}], ports: [{port: 8080}]}]
""")
    findings, _ = run_intents(manifests, OPEN_TODO)
    assert len(findings) == 1
    assert findings[0].message.startswith(
        "intent 'todo is open to all on 8080': todo/mysql -> todo/todo is denied on TCP 8080")


def test_intent_matching_no_workload_is_a_finding(run_intents):
    findings, _ = run_intents(APP, """\
  - {name: ghost, to: {namespace: todo, pods: {app: ghost}}, open-to-all: true}
""")
    assert [f.message for f in findings] == [
        "intent 'ghost': `to` (namespace todo pods app=ghost) matches no workload in this overlay"]


def test_violations_are_capped_per_intent(run_intents):
    manifests = APP + "".join(workload(f"w{i}", "todo", f"{{app: w{i}}}") for i in range(7))
    findings, _ = run_intents(manifests, ONLY_TODO)
    # seven other workloads and the world may reach mysql: 8 violations
    assert len(findings) == 5
    assert findings[-1].message.endswith("(and 3 more)")


@pytest.mark.parametrize("entry, problem", [
    ("{name: x, to: {namespace: todo}, port: 80, expect: maybe, from: world}",
     "expect must be allow or deny"),
    ("{name: x, to: {namespace: todo}, only_from: []}", "unknown key 'only_from'"),
    ("{name: x, to: world, from: {cidr: 10.0.0.0/8}, expect: deny}", "cannot both be external"),
    ("{name: x, to: {namespace: todo}, port: 70000, open-to-all: true}", "outside 1-65535"),
    ("{name: x, to: {namespace: todo}, port: 80}", "needs exactly one of"),
    ("{name: x, to: {cidr: nope}, from: {}, expect: deny}", "'nope' is not a CIDR"),
    ("{to: {namespace: todo}, open-to-all: true}", "needs a name"),
])
def test_malformed_intent_is_an_input_error_naming_the_file(run_intents, entry, problem):
    with pytest.raises(InputError) as err:
        run_intents(APP, f"  - {{name: fine, to: {{namespace: todo}}, open-to-all: true}}\n  - {entry}\n")
    assert problem in err.value.message
    assert err.value.message.startswith("intent 2")
    assert Path(err.value.path).name == "environment.yaml"
    assert err.value.line == 5
