#!/usr/bin/env bash
# Issue 14's install acceptance, as a new user meets it:
#   1. pip install kustguard (this checkout's HEAD) into a fresh venv outside it;
#   2. `kustguard tools install` (the pinned kustomize and kubeconform, go install);
#   3. `kustguard validate` in a generated podinfo-like repository with no Makefile,
#      configured with entry-points = ["deploy/overlays/*"];
#   4. nothing was written into that repository.
# Nothing of this checkout (.venv, .tools) is on PATH. Go's and pip's caches
# are reused so the run stays offline-friendly; the kustguard cache is fresh.
# Usage: bash scripts/check-fresh-install.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf '== %s\n' "$*"; }

mkdir -p "$work/src"
git -C "$src" archive --format=tar HEAD | tar -x -C "$work/src"
pip_cache=$(python3 -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")
go_env=()
if command -v go >/dev/null; then
  go_env=(GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)")
  go_dir=$(dirname "$(command -v go)")
fi
run() { env -i HOME="$HOME" PATH="$work/venv/bin:${go_dir:-/usr/bin}:/usr/local/bin:/usr/bin:/bin" \
  XDG_CACHE_HOME="$work/cache" PIP_CACHE_DIR="$pip_cache" "${go_env[@]}" "$@"; }

say "fresh venv, pip install (HEAD of $src)"
python3 -m venv "$work/venv"
run pip install --quiet --disable-pip-version-check "$work/src"
run kustguard --version

say "kustguard tools install"
run kustguard tools install

say "a podinfo-like repository, no Makefile"
repo="$work/podinfo"
mkdir -p "$repo/deploy/base" "$repo/deploy/overlays/dev" "$repo/deploy/overlays/prod"
cat > "$repo/.kustguard.toml" <<'TOML'
entry-points = ["deploy/overlays/*"]
fail-on = "error"
TOML
cat > "$repo/deploy/base/kustomization.yaml" <<'YAML'
resources: [deployment.yaml, service.yaml]
YAML
cat > "$repo/deploy/base/deployment.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo}
spec:
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.7.1
          ports: [{name: http, containerPort: 9898}]
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 128Mi}}
YAML
cat > "$repo/deploy/base/service.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: podinfo}
spec:
  selector: {app: podinfo}
  ports: [{name: http, port: 9898, targetPort: http}]
YAML
for env in dev prod; do
  printf 'resources: [../../base]\nnamespace: %s\n' "$env" > "$repo/deploy/overlays/$env/kustomization.yaml"
done
git -C "$repo" init -q
before=$(git -C "$repo" status --porcelain --ignored --untracked-files=all)
(cd "$repo" && run kustguard tools list) | tee "$work/tools.txt"
grep -q "^kustomize  *$work/cache/kustguard/tools/bin/kustomize$" "$work/tools.txt"
(cd "$repo" && run kustguard validate --fail-on error) | tee "$work/report.txt"
grep -q "^2 entry points, 2 rendered" "$work/report.txt"

say "nothing written into the repository"
after=$(git -C "$repo" status --porcelain --ignored --untracked-files=all)
if [ "$after" != "$before" ]; then
  echo "written into the repository:"; diff <(echo "$before") <(echo "$after") || true; exit 1
fi
say "ok"
