"""Parsing NetworkPolicies: defaults, and what the API server would refuse."""
from __future__ import annotations

import pytest

from kustguard.errors import InputError
from kustguard.index import Index
from kustguard.netpol.policies import parse_policies
from kustguard.netpol.ports import ALL_PORTS, PortSet
from kustguard.resources import parse_stream


def parse(spec: str):
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: p, namespace: ns}\nspec:\n" + spec)
    return parse_policies(Index(parse_stream(text, "t", "policy.yaml")))


@pytest.mark.parametrize("spec, types", [
    ("  podSelector: {}\n", {"Ingress"}),
    ("  podSelector: {}\n  egress: []\n", {"Ingress"}),
    ("  podSelector: {}\n  egress: [{}]\n", {"Ingress", "Egress"}),
    ("  podSelector: {}\n  policyTypes: []\n  egress: [{}]\n", {"Ingress", "Egress"}),
    ("  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n", {"Egress"}),
])
def test_policy_types_are_defaulted_like_the_api(spec, types):
    assert parse(spec)[0].types == types


def test_rules_of_a_direction_outside_the_types_are_dropped():
    (policy,) = parse("  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n  egress: [{}]\n")
    assert (len(policy.ingress), len(policy.egress)) == (0, 1)


def test_ports_numbers_ranges_names_and_defaults():
    (policy,) = parse("""\
  podSelector: {}
  ingress:
    - ports: [{port: 80}, {port: 8000, endPort: 8010}, {protocol: UDP}, {port: http}, {}]
    - {}
""")
    first, second = policy.ingress
    assert first.numeric == PortSet({"TCP": [(1, 65535)], "UDP": [(1, 65535)]})
    assert first.named == (("http", "TCP"),)
    assert (second.numeric, second.named, second.peers) == (ALL_PORTS, (), None)


@pytest.mark.parametrize("rule, field, problem", [
    ("{from: [{}]}", "spec.ingress[0].from[0]", "a peer needs podSelector"),
    ("{from: [{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}}]}", "spec.ingress[0].from[0]",
     "ipBlock cannot be combined"),
    ("{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}", "spec.ingress[0].from[0].ipBlock.cidr",
     "is not a CIDR"),
    ("{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [nope]}}]}",
     "spec.ingress[0].from[0].ipBlock.except[0]", "is not a CIDR"),
    ("{ports: [{port: http, endPort: 90}]}", "spec.ingress[0].ports[0].endPort",
     "endPort cannot go with a named port"),
    ("{ports: [{port: 90, endPort: 80}]}", "spec.ingress[0].ports[0].endPort",
     "must be a number from 90 to 65535"),
    ("{ports: [{port: '80'}]}", "spec.ingress[0].ports[0].port", "not a valid port name"),
    ("{ports: [{port: 80, protocol: tcp}]}", "spec.ingress[0].ports[0].protocol",
     "protocol 'tcp' is not one of"),
    ("{ports: [{port: 0}]}", "spec.ingress[0].ports[0].port", "must be 1-65535"),
    ("{from: [{podSelector: {matchExpressions: [{key: a, operator: Is}]}}]}",
     "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator", "operator 'Is'"),
    ("{from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}",
     "spec.ingress[0].from[0].podSelector.matchExpressions[0]", "operator In needs values"),
])
def test_what_the_api_refuses_is_an_input_error(rule, field, problem):
    with pytest.raises(InputError) as err:
        parse(f"  podSelector: {{}}\n  ingress:\n    - {rule}\n")
    assert err.value.message.startswith(f"NetworkPolicy ns/p: {field}: ")
    assert problem in err.value.message


def test_quoted_number_gets_a_hint():
    with pytest.raises(InputError) as err:
        parse("  podSelector: {}\n  ingress: [{ports: [{port: '8080'}]}]\n")
    assert "write the number unquoted" in err.value.hint


def test_missing_pod_selector_is_refused():
    with pytest.raises(InputError, match="spec.podSelector is required"):
        parse("  policyTypes: [Ingress]\n")


def test_a_null_selector_in_a_peer_is_absent_not_empty():
    (policy,) = parse("  podSelector: {}\n  ingress:\n"
                      "    - from: [{namespaceSelector: null, podSelector: {matchLabels: {a: b}}}]\n")
    (peer,) = policy.ingress[0].peers
    assert peer.namespace_selector is None  # the policy's own namespace, not every namespace
    with pytest.raises(InputError, match="a peer needs"):
        parse("  podSelector: {}\n  ingress: [{from: [{podSelector: null}]}]\n")
