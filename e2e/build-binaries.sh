#!/usr/bin/env bash
# Builds the pinned control-plane binaries from the Go module proxy, once, into
# a cache outside the repository keyed by version:
#   kube-apiserver, kube-controller-manager, kube-scheduler, etcd  (Kubernetes)
#   kwok                                                          (fake nodes)
#   argocd (multi-call: server, repo-server, application-controller), with
#   the web UI of the same version (e2e/build-ui.sh) embedded and in share/ui
# Prints the bin folder on stdout. A binary already built is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"
cache=${KUSTGUARD_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kustguard-e2e}
bin="$cache/k8s-$K8S_VERSION-kwok-$KWOK_VERSION-argocd-$ARGOCD_VERSION/bin"
mkdir -p "$bin"
log() { echo "e2e build: $*" >&2; }
# timed NAME CMD...: run CMD, then log how long it took (cold build times).
timed() {
  local name=$1 t0=$SECONDS
  shift
  "$@"
  log "$name built in $((SECONDS - t0))s"
}
command -v go >/dev/null || { log "Go is missing: install Go to build the control plane"; exit 2; }

build_kubernetes() {
  local want=(kube-apiserver kube-controller-manager kube-scheduler etcd) missing=0
  for b in "${want[@]}"; do [ -x "$bin/$b" ] || missing=1; done
  [ "$missing" = 1 ] || return 0
  local src="$cache/src/k8s-wrapper-$K8S_VERSION"
  mkdir -p "$src/etcd"
  local staging="v0.${K8S_VERSION#v1.}"
  log "kubernetes $K8S_VERSION (staging modules $staging)"
  go mod download "k8s.io/kubernetes@$K8S_VERSION"
  local kroot
  kroot=$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION
  {
    echo "module kustguard.local/e2e-wrapper"
    echo
    echo "go 1.23"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # k8s.io/kubernetes replaces its staging modules with folders inside
    # itself, which a dependent module does not inherit (nor does the module
    # zip contain them): point each at its published v0.<minor>.<patch>.
    # The sample-* modules are examples nothing here imports.
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$kroot/go.mod" |
      grep -v 'k8s.io/sample-' |
      awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
  } >"$src/go.mod"
  cat >"$src/etcd/main.go" <<'GO'
// Command etcd runs the etcd server from the version Kubernetes itself uses.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  cat >"$src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  (
    cd "$src"
    # Some staging modules' versions are served by the module proxy but are
    # missing from the checksum database; go.sum is still written and checked
    # on every later build of this wrapper.
    export GONOSUMDB=k8s.io
    GOFLAGS=-mod=mod go mod tidy
    local minor=${K8S_VERSION#v1.}
    minor=${minor%%.*}
    local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
    for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
      log "building $cmd"
      GOFLAGS=-mod=mod CGO_ENABLED=0 timed "$cmd" go build -trimpath -ldflags "$ldflags" -o "$bin/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
    log "building etcd"
    GOFLAGS=-mod=mod CGO_ENABLED=0 timed etcd go build -trimpath -ldflags "-s -w" -o "$bin/etcd" ./etcd
  )
}

build_kwok() {
  [ -x "$bin/kwok" ] && return 0
  log "kwok $KWOK_VERSION"
  GOBIN="$bin" CGO_ENABLED=0 timed kwok go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_argocd() {
  local share="$bin/../share" ui ui_sum
  # The web UI (e2e/build-ui.sh). argocd-server serves files from
  # --staticassets over the ones it embeds, but reads index.html only from
  # its embedded copy (server/server.go, getIndexData): the binary embeds the
  # build, and share/ui holds the same build for --staticassets. The digest
  # of its index.html (which names every bundle's content hash) tells whether
  # the binary embeds the current build.
  ui=$(bash "$here/build-ui.sh")
  ui_sum=$(sha256sum "$ui/index.html" | cut -d' ' -f1)
  if [ -x "$bin/argocd" ] && [ -f "$share/argocd-install.yaml" ] && [ -f "$share/ui/index.html" ] &&
    [ "$(cat "$share/argocd-ui.sha256" 2>/dev/null)" = "$ui_sum" ]; then
    return 0
  fi
  log "argo-cd $ARGOCD_VERSION"
  go mod download "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION"
  local mod src="$cache/src/argo-cd-$ARGOCD_VERSION"
  mod=$(go env GOMODCACHE)/github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION
  # The install manifest maps argocd-cm / argocd-cmd-params-cm keys to each
  # component's environment; the harness applies the same mapping.
  mkdir -p "$share"
  install -m 0644 "$mod/manifests/install.yaml" "$share/argocd-install.yaml"
  if [ ! -d "$src" ]; then
    cp -r "$mod" "$src.tmp" && chmod -R u+w "$src.tmp" && mv "$src.tmp" "$src"
  fi
  rm -rf "$src/ui/dist/app" && mkdir -p "$src/ui/dist" && cp -r "$ui" "$src/ui/dist/app"
  # Built beside, then moved: a running argocd keeps its old file.
  (cd "$src" && CGO_ENABLED=0 timed argocd go build -trimpath -ldflags "-s -w -X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VERSION#v}" -o "$bin/argocd.new" ./cmd)
  mv "$bin/argocd.new" "$bin/argocd"
  rm -rf "$share/ui.new" && cp -r "$ui" "$share/ui.new" && rm -rf "$share/ui" && mv "$share/ui.new" "$share/ui"
  echo "$ui_sum" >"$share/argocd-ui.sha256"
}

what=${1:-all}
case "$what" in
  kubernetes) build_kubernetes ;;
  kwok) build_kwok ;;
  argocd) build_argocd ;;
  all) build_kubernetes; build_kwok; build_argocd ;;
  *) echo "usage: build-binaries.sh [all|kubernetes|kwok|argocd]" >&2; exit 2 ;;
esac
echo "$bin"
