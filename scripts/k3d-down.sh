#!/usr/bin/env bash
# Tear down the local k3d environment made by scripts/k3d-up.sh.
#
#   make k3d-down               # or: bash scripts/k3d-down.sh
#   make k3d-down DRY_RUN=1     # print the commands, run none
#
# Deleting the cluster deletes everything in it: Argo CD, the in-cluster
# registry and its images, the volumes. CLUSTER_NAME defaults to kustguard.
set -euo pipefail

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
      sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "k3d-down: unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done
CLUSTER_NAME=${CLUSTER_NAME:-kustguard}

run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

if [ "$DRY_RUN" = 1 ]; then
  echo "# k3d-down dry run: the commands below are printed, none is run"
elif ! command -v k3d >/dev/null 2>&1; then
  echo "k3d-down: k3d is not installed" >&2
  exit 2
elif ! k3d cluster get "$CLUSTER_NAME" >/dev/null 2>&1; then
  echo "k3d-down: no cluster $CLUSTER_NAME; nothing to do"
  exit 0
fi
printf '\n==> Delete the k3d cluster %s\n' "$CLUSTER_NAME"
run k3d cluster delete "$CLUSTER_NAME"
