#!/usr/bin/env bash
# Bootstrap the local k3d environment with Argo CD syncing this repository.
#
#   make k3d-up                 # or: bash scripts/k3d-up.sh
#   make k3d-up DRY_RUN=1       # print every command, run none
#
# Needs docker, k3d, kubectl and kustomize (make setup installs kustomize).
# Settings (environment variables):
#   REPO_URL        the git URL Argo CD syncs: your fork (default: origin's URL)
#   REVISION        branch, tag or commit to follow (default: HEAD)
#   K3D_CONFIG      k3d config (default: overlays/k3d/k3d-config.yaml)
#   CLUSTER_NAME    k3d cluster name (default: kustguard, as in that config)
#   REGISTRY        in-cluster registry as seen from the host and the nodes
#                   (default: 127.0.0.1:30500, the NodePort of overlays/k3d/registry)
#   AGE_KEY_FILE    age identity for SOPS secrets (default: keys/demo.agekey)
#   IMAGE_TAG       tag of the plugin sidecar image (default: the commit)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
      sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "k3d-up: unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

PLACEHOLDER_URL=https://github.com/your-org/your-fork.git
K3D_CONFIG=${K3D_CONFIG:-overlays/k3d/k3d-config.yaml}
CLUSTER_NAME=${CLUSTER_NAME:-kustguard}
REGISTRY=${REGISTRY:-127.0.0.1:30500}
AGE_KEY_FILE=${AGE_KEY_FILE:-keys/demo.agekey}
REVISION=${REVISION:-HEAD}
IMAGE_TAG=${IMAGE_TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)}
# shellcheck source=/dev/null
source tools/versions.env

# origin's URL, in the https form Argo CD can read without an SSH key.
default_repo_url() {
  local url
  url=$(git remote get-url origin 2>/dev/null) || return 1
  case $url in
    git@*:*) url="https://${url#git@}" && url="${url/://}" ;;
  esac
  printf '%s\n' "$url"
}
REPO_URL=${REPO_URL:-$(default_repo_url || true)}

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

# run CMD...: print it, then run it (unless dry run).
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

# pipe 'PIPELINE': print a pipeline, then run it with pipefail.
pipe() {
  printf '+ %s\n' "$1"
  if [ "$DRY_RUN" = 0 ]; then bash -o errexit -o nounset -o pipefail -c "$1"; fi
}

q() { printf '%q' "$1"; }

need() {
  local missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "k3d-up: missing tools: ${missing[*]}" >&2
    echo "  install them (kustomize: make setup), or run with --dry-run to see the steps" >&2
    exit 2
  fi
}

if [ -z "$REPO_URL" ] || [ "$REPO_URL" = "$PLACEHOLDER_URL" ]; then
  if [ "$DRY_RUN" = 1 ]; then
    REPO_URL=$PLACEHOLDER_URL
    note "REPO_URL is not set and there is no git remote: showing the placeholder"
  else
    echo "k3d-up: set REPO_URL to your fork's git URL, e.g." >&2
    echo "  REPO_URL=https://github.com/<you>/<fork>.git make k3d-up" >&2
    exit 2
  fi
fi
for file in "$K3D_CONFIG" "$AGE_KEY_FILE"; do
  if [ ! -f "$file" ]; then
    echo "k3d-up: $file is missing" >&2
    exit 2
  fi
done
if [ "$DRY_RUN" = 1 ]; then
  echo "# k3d-up dry run: the commands below are printed, none is run"
else
  need docker k3d kubectl kustomize git
fi

# Replace the committed placeholder URL (and revision) with the fork's.
substitute() {
  printf 'sed -e %s -e %s %s' \
    "$(q "s#${PLACEHOLDER_URL}#${REPO_URL}#g")" \
    "$(q "s#targetRevision: HEAD#targetRevision: ${REVISION}#; s#value: HEAD#value: ${REVISION}#")" \
    "$(q "$1")"
}

step "1/5 Create the k3d cluster $CLUSTER_NAME from $K3D_CONFIG"
if [ "$DRY_RUN" = 0 ] && k3d cluster get "$CLUSTER_NAME" >/dev/null 2>&1; then
  note "cluster $CLUSTER_NAME exists; keeping it"
  run k3d kubeconfig merge "$CLUSTER_NAME" --kubeconfig-merge-default --kubeconfig-switch-context
else
  run k3d cluster create "$CLUSTER_NAME" --config "$K3D_CONFIG" --wait
fi
run kubectl cluster-info

step "2/5 Build and push the images to the in-cluster registry $REGISTRY"
note "the registry is a component of the environment: apply it now (Argo CD adopts it later)"
pipe "kustomize build overlays/k3d/namespaces | kubectl apply -f -"
pipe "kustomize build overlays/k3d/registry | kubectl apply -f -"
run kubectl -n registry rollout status deployment/registry --timeout=300s
pipe "for i in \$(seq 60); do curl -fsS http://${REGISTRY}/v2/ >/dev/null && exit 0; sleep 2; done; echo 'registry not reachable' >&2; exit 1"
run docker build -f docker/cmp-sidecar/Dockerfile \
  --build-arg "KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION}" \
  -t "${REGISTRY}/kustguard-cmp:${IMAGE_TAG}" .
run docker push "${REGISTRY}/kustguard-cmp:${IMAGE_TAG}"
# App images: every image the k3d overlays pull from the registry, built from
# apps/<name>/Dockerfile when the repository has it.
app_images=$(awk '
  /newName:/ { name = $2 }
  /newTag:/  { if (name != "") { print name ":" $2; name = "" } }
' overlays/k3d/*/kustomization.yaml | tr -d '"' | grep "^${REGISTRY}/" | sort -u || true)
if [ -z "$app_images" ]; then
  note "no app image of the k3d overlays comes from ${REGISTRY}"
fi
for image in $app_images; do
  ref=${image#"${REGISTRY}/"}
  app=${ref%%:*}
  if [ -f "apps/${app}/Dockerfile" ]; then
    run docker build -t "$image" "apps/${app}"
    run docker push "$image"
  else
    note "apps/${app}/Dockerfile not in this repository: push ${image} yourself"
  fi
done

step "3/5 Install Argo CD (server-side apply) and the age key Secret"
pipe "kubectl create namespace argocd --dry-run=client -o yaml | kubectl apply -f -"
pipe "kubectl -n argocd create secret generic kustguard-age-key --from-file=keys.txt=$(q "$AGE_KEY_FILE") --dry-run=client -o yaml | kubectl apply -f -"
overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
note "an overlay of argocd/install with the sidecar image just pushed, in $overlay:"
pipe "cat > $(q "$overlay/kustomization.yaml") <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${root}/argocd/install
images:
  - name: 127.0.0.1:30500/kustguard-cmp
    newName: ${REGISTRY}/kustguard-cmp
    newTag: \"${IMAGE_TAG}\"
EOF"
pipe "kustomize build $(q "$overlay") | kubectl apply --server-side --force-conflicts -f -"
run kubectl wait --for=condition=Established --timeout=120s \
  crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io
run kubectl -n argocd rollout status deployment/argocd-server --timeout=300s
run kubectl -n argocd rollout status deployment/argocd-repo-server --timeout=300s
run kubectl -n argocd rollout status statefulset/argocd-application-controller --timeout=300s

step "4/5 Apply the projects and the k3d root app for $REPO_URL ($REVISION)"
pipe "$(substitute argocd/projects/bootstrap.yaml) | kubectl apply -f -"
pipe "$(substitute argocd/projects/k3d.yaml) | kubectl apply -f -"
pipe "$(substitute argocd/projects/k3d-admin.yaml) | kubectl apply -f -"
pipe "$(substitute argocd/applications/admin/k3d-dashboard-cluster-rbac.yaml) | kubectl apply -f -"
pipe "$(substitute argocd/applications/roots/k3d.yaml) | kubectl apply -f -"
note "a private fork also needs read access: see docs/argocd.md (repository credentials)"

step "5/5 Open the Argo CD UI"
cat <<EOF
    kubectl -n argocd port-forward svc/argocd-server 8080:443
    then browse https://localhost:8080 (self-signed certificate) as user admin,
    with the password from:
    kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d; echo
    The app "k3d" creates k3d-namespaces, then k3d-registry and k3d-mysql, then k3d-todo.
    From a script: ARGOCD_SERVER=localhost:8080 kustguard argocd wait k3d-todo --insecure
EOF
