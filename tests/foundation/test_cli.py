from kustguard import cli
from kustguard.report import FORMATS


def test_report_format_choices_match_the_formatters():
    assert set(cli.REPORT_FORMATS) == set(cli.TEXT_FORMATS) | set(FORMATS)


def test_a_core_command_imports_no_feature_module():
    assert cli._feature_modules(["validate", "overlays/k3d"]) == []


def test_a_feature_command_imports_only_its_module():
    assert cli._feature_modules(["argocd", "status", "x"]) == ["kustguard.argocd.cli"]
    assert cli._feature_modules(["fix", "--dry-run"]) == ["kustguard.edit.cli"]


def test_help_lists_every_feature():
    assert set(cli._feature_modules(["--help"])) == set(cli.FEATURE_CLIS.values())
