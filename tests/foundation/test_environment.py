import pytest

from kustguard.environment import load_environment
from kustguard.errors import InputError

HEAD = "apiVersion: kustguard.io/v1\nkind: Environment\n"


def test_declared_facts_are_read(tmp_path):
    (tmp_path / "environment.yaml").write_text(
        HEAD + 'kubernetesVersion: "1.31"\nstorageClasses: [local-path]\ningressClasses: [traefik]\n')
    env = load_environment(tmp_path, "overlays/x", "1.32")
    assert (env.kubernetes_version, env.storage_classes, env.ingress_classes) == (
        "1.31", ["local-path"], ["traefik"])


def test_missing_file_means_defaults(tmp_path):
    env = load_environment(tmp_path, "overlays/x", "1.32")
    assert (env.kubernetes_version, env.storage_classes, env.intents) == ("1.32", [], [])


@pytest.mark.parametrize("body, message", [
    ('kubernetesVersion: "v1.32"\n', "kubernetesVersion 'v1.32' is not MAJOR.MINOR"),
    ("intents: {a: 1}\n", "intents must be a list"),
    ("storageClasses: standard\n", "storageClasses must be a list"),
])
def test_bad_declarations_are_input_errors(tmp_path, body, message):
    (tmp_path / "environment.yaml").write_text(HEAD + body)
    with pytest.raises(InputError, match=message) as err:
        load_environment(tmp_path, "overlays/x", "1.32")
    assert str(err.value).startswith(str(tmp_path / "environment.yaml"))


def test_wrong_kind_is_refused(tmp_path):
    (tmp_path / "environment.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(InputError, match="expected apiVersion kustguard.io/v1 and kind Environment"):
        load_environment(tmp_path, "overlays/x", "1.32")



INTENT = """\
apiVersion: kustguard.io/v1
kind: Intents
intents:
  # a comment line before the entry
  - name: only front reaches api
    to: {namespace: shop, pods: {app: api}}
    port: 8080
    only-from: [{namespace: shop, pods: {app: front}}]
"""
API = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1, ports: [{containerPort: 8080}]}]}
"""


def test_component_intents_apply_where_the_component_is_deployed(make_repo, kustguard):
    """Intents said once, beside the component: an overlay that loads
    components/api gets them (and reports at their file and line); one that
    does not, does not."""
    root = make_repo({
        "components/api/kustomization.yaml": "resources: [deployment.yaml]\n",
        "components/api/deployment.yaml": API,
        "components/api/intents.yaml": INTENT,
        "overlays/with/kustomization.yaml": "resources: [../../components/api]\n",
        "overlays/with/environment.yaml": HEAD,
        "overlays/without/kustomization.yaml": "resources: []\n",
    })
    with_api = load_environment(root / "overlays/with", "overlays/with", "1.32")
    assert [(f.path.relative_to(root).as_posix(), len(f.entries)) for f in with_api.intents] == [
        ("components/api/intents.yaml", 1)]
    assert load_environment(root / "overlays/without", "overlays/without", "1.32").intents == []
    # Nothing isolates the api: the intent fails, at its own file and line.
    done = kustguard("validate", "overlays/with", "--check", "netpol-intent", cwd=root,
                     env={"KUSTGUARD_TOOLS_DIR": str(__import__("pathlib").Path(__file__)
                                                     .resolve().parents[2] / ".tools/bin")})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "components/api/intents.yaml:5" in done.stdout


def test_external_secrets_are_read_with_their_keys(tmp_path):
    (tmp_path / "environment.yaml").write_text(HEAD + (
        "externalSecrets:\n"
        "  - {namespace: argocd, name: age, keys: [keys.txt], createdBy: the bootstrap}\n"
        "  - {namespace: argocd, name: redis, createdBy: Argo CD}\n"))
    env = load_environment(tmp_path, "argocd/install", "1.32")
    assert env.external_secrets == {("argocd", "age"): frozenset({"keys.txt"}),
                                    ("argocd", "redis"): None}


@pytest.mark.parametrize("entry, message", [
    ("{namespace: argocd, name: age}", r"externalSecrets\[0\] needs namespace, name and createdBy"),
    ("{namespace: argocd, name: age, createdBy: me, keys: keys.txt}", "keys must be a list"),
])
def test_external_secrets_must_say_who_creates_them(tmp_path, entry, message):
    (tmp_path / "environment.yaml").write_text(HEAD + f"externalSecrets:\n  - {entry}\n")
    with pytest.raises(InputError, match=message):
        load_environment(tmp_path, "argocd/install", "1.32")
