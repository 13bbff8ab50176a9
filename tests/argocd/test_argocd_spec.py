"""The spec matcher itself: it must reject what Argo CD would not accept."""
from __future__ import annotations

import json

import pytest
from argocd_spec import SpecViolation

SYNC = "/api/v1/applications/web/sync"


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def test_known_operation_matches_with_path_parameters(spec):
    op, params, _ = spec.check_request("GET", "/api/v1/applications/web/resource-tree", {}, b"")
    assert op.operation_id == "ApplicationService_ResourceTree"
    assert params == {"applicationName": "web"}


def test_literal_path_wins_over_template(spec):
    op, _ = spec.match("POST", "/api/v1/applications/manifestsWithFiles")
    assert op.operation_id == "ApplicationService_GetManifestsWithFiles"


def test_unknown_endpoint_is_a_violation(spec):
    with pytest.raises(SpecViolation, match="no such endpoint"):
        spec.check_request("GET", "/api/v1/applications/web/status", {}, b"")


def test_wrong_method_is_a_violation(spec):
    with pytest.raises(SpecViolation, match="not this method"):
        spec.check_request("PATCH", "/api/v1/session", {}, b"")


def test_unknown_query_parameter_is_a_violation(spec):
    with pytest.raises(SpecViolation, match="unknown query parameter 'fields'"):
        spec.check_request("GET", "/api/v1/applications", {"fields": ["items"]}, b"")


def test_query_types_are_checked(spec):
    with pytest.raises(SpecViolation, match="not a boolean"):
        spec.check_request("DELETE", "/api/v1/applications/web", {"cascade": ["True"]}, b"")
    with pytest.raises(SpecViolation, match="given 2 times"):
        spec.check_request("GET", "/api/v1/applications/web/resource-tree",
                           {"namespace": ["a", "b"]}, b"")
    # An array parameter may repeat.
    spec.check_request("GET", "/api/v1/applications", {"projects": ["a", "b"]}, b"")


def test_request_body_fields_are_strict(spec):
    with pytest.raises(SpecViolation, match="prunee"):
        spec.check_request("POST", SYNC, {}, body({"prunee": True}))
    with pytest.raises(SpecViolation, match="is not of type 'boolean'"):
        spec.check_request("POST", SYNC, {}, body({"prune": "yes"}))


def test_sync_options_wrapper_is_required(spec):
    spec.check_request("POST", SYNC, {}, body({"syncOptions": {"items": ["Validate=false"]}}))
    with pytest.raises(SpecViolation):
        spec.check_request("POST", SYNC, {}, body({"syncOptions": ["Validate=false"]}))


def test_hook_force_is_accepted_inline_not_nested(spec):
    spec.check_request("POST", SYNC, {}, body({"strategy": {"hook": {"force": True}}}))
    spec.check_request("POST", SYNC, {}, body({"strategy": {"apply": {"force": True}}}))
    with pytest.raises(SpecViolation, match="syncStrategyApply"):
        spec.check_request("POST", SYNC, {}, body(
            {"strategy": {"hook": {"syncStrategyApply": {"force": True}}}}))


def test_body_must_be_json_and_present_when_required(spec):
    with pytest.raises(SpecViolation, match="not JSON"):
        spec.check_request("POST", SYNC, {}, b"{oops")
    with pytest.raises(SpecViolation, match="required"):
        spec.check_request("POST", SYNC, {}, b"")
    with pytest.raises(SpecViolation, match="takes no body"):
        spec.check_request("GET", "/api/version", {}, b"{}")


def test_responses_are_validated(spec):
    op, _ = spec.match("GET", "/api/v1/applications/{name}".replace("{name}", "web"))
    spec.check_response(op, 200, {"metadata": {"name": "web"}, "status": {
        "health": {"status": "Healthy"}}})
    with pytest.raises(SpecViolation, match="healthy"):
        spec.check_response(op, 200, {"status": {"healthy": True}})
    # Errors use the gRPC-gateway body.
    spec.check_response(op, 404, {"error": "x", "code": 5, "message": "x"})
    with pytest.raises(SpecViolation):
        spec.check_response(op, 404, {"code": "NotFound"})


def test_stream_lines_are_validated(spec):
    op, _ = spec.match("GET", "/api/v1/stream/applications")
    spec.check_response(op, 200, {"result": {"type": "MODIFIED", "application": {}}})
    with pytest.raises(SpecViolation):
        spec.check_response(op, 200, {"result": {"type": "MODIFIED", "app": {}}})
