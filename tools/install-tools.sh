#!/usr/bin/env bash
# Installs the pinned external tools into the folder given as $1.
# A binary already there at the pinned version is kept; Go's module and build
# caches live outside the repository, so a fresh clone rebuilds in seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
bin=${1:?usage: install-tools.sh BIN_DIR}
mkdir -p "$bin"

have_version() { # name, module, pinned version
  [ -x "$bin/$1" ] || return 1
  command -v go >/dev/null || return 0 # cannot check; keep what is there
  # The module version recorded in the binary: kubeconform's own -v says
  # "development" when built with go install.
  go version -m "$bin/$1" | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

go_install() { # name, module@version
  if ! command -v go >/dev/null; then
    echo "kustguard setup: Go is missing, so $1 cannot be built." >&2
    echo "  Still works: the in-process Python schema backend; rendering falls back to 'kubectl kustomize' (exec plugins are not run)." >&2
    echo "  To fix: install Go >= 1.22 and run 'make setup' again." >&2
    return 0
  fi
  echo "kustguard setup: installing $1 ($2)" >&2
  if ! GOBIN="$bin" GOFLAGS=-mod=mod go install "$2"; then
    echo "kustguard setup: could not build $1 from the Go module proxy (offline?)." >&2
    echo "  Still works: the Python schema backend and 'kubectl kustomize' as a fallback renderer." >&2
    return 0
  fi
}

have_version kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ||
  go_install kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
have_version kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION" ||
  go_install kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
