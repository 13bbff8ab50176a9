#!/usr/bin/env bash
# Builds the Argo CD web UI of the pinned version, once, into a cache outside
# the repository keyed by version, and prints its folder (index.html and the
# webpack bundles) on stdout. A finished build is reused.
#
# Inputs, all from package registries or beside the repository:
#   - the UI's sources: ui/ of the Argo CD module (Go module proxy), with its
#     package.json and yarn.lock;
#   - Node at the version of ui/.nvmrc and yarn classic at the version its
#     yarn.lock resolves for the package's own `yarn` devDependency, both from
#     the npm registry (node-linux-<arch> is the package that carries Node's
#     binary);
#   - every dependency from the npm registry, at the lockfile's versions (its
#     registry URLs rewritten to the configured registry);
#   - argo-ui, the one git dependency, from the tarball in ../shared/argo-ui/
#     (git archive of the commit the lockfile names).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/.." && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"
cache=${KUSTGUARD_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kustguard-e2e}
out="$cache/argocd-ui-$ARGOCD_VERSION"
dist="$out/dist/app"
log() { echo "e2e ui build: $*" >&2; }
die() { log "$*"; exit 2; }

if [ -f "$dist/index.html" ]; then
  echo "$dist"
  exit 0
fi
command -v go >/dev/null || die "Go is missing: install Go to download the Argo CD module"
command -v npm >/dev/null || die "npm is missing: install Node.js and npm (Debian: apt-get install npm)"
t0=$SECONDS

go mod download "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION"
ui=$(go env GOMODCACHE)/github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION/ui
[ -f "$ui/package.json" ] && [ -f "$ui/yarn.lock" ] || die "$ui has no package.json/yarn.lock"

# -- Node and yarn, as the UI asks -------------------------------------------------
node_version=$(tr -d ' \nv' <"$ui/.nvmrc")
yarn_version=$(awk '/^yarn@/ {found=1; next} found && $1 == "version" {gsub(/"/, "", $2); print $2; exit}' "$ui/yarn.lock")
[ -n "$node_version" ] || die "$ui/.nvmrc names no Node version"
[ -n "$yarn_version" ] || die "$ui/yarn.lock resolves no yarn version"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) die "no Node package for $(uname -m)" ;;
esac
tools="$cache/node-$node_version-yarn-$yarn_version"
if [ ! -x "$tools/node_modules/.bin/node" ] || [ ! -x "$tools/node_modules/.bin/yarn" ]; then
  log "node $node_version, yarn $yarn_version (npm registry)"
  rm -rf "$tools.tmp" && mkdir -p "$tools.tmp"
  npm install --prefix "$tools.tmp" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund "node-linux-$arch@$node_version" "yarn@$yarn_version" >&2
  rm -rf "$tools" && mv "$tools.tmp" "$tools"
fi
export PATH="$tools/node_modules/.bin:$PATH"
[ "$(node --version)" = "v$node_version" ] || die "node $(node --version) is not v$node_version"

# -- argo-ui from the tarball beside the repository ---------------------------------
argo_ui_commit=$(sed -n 's|^  resolved "git+https://github.com/argoproj/argo-ui.git#\([0-9a-f]\{40\}\)"$|\1|p' "$ui/yarn.lock")
[ -n "$argo_ui_commit" ] || die "$ui/yarn.lock resolves argo-ui to no git commit"
argo_ui_tarball="$repo_root/../shared/argo-ui/argo-ui-$argo_ui_commit.tar.gz"
[ -f "$argo_ui_tarball" ] || die "missing ../shared/argo-ui/argo-ui-$argo_ui_commit.tar.gz (git archive of argo-ui at the commit the UI's yarn.lock names)"
argo_ui_tarball=$(cd "$(dirname "$argo_ui_tarball")" && pwd)/$(basename "$argo_ui_tarball")

# -- the sources, with their two rewrites --------------------------------------------
src="$out/src"
rm -rf "$src" "$out/dist" && mkdir -p "$out"
cp -r "$ui" "$src" && chmod -R u+w "$src"
registry=$(npm config get registry)
registry=${registry%/}/
git_dep='"argo-ui": "git+https://github.com/argoproj/argo-ui.git"'
grep -qF "$git_dep" "$src/package.json" || die "$ui/package.json: no $git_dep"
sed -i "s|$git_dep|\"argo-ui\": \"file:$argo_ui_tarball\"|" "$src/package.json"
# Every registry URL points at the configured registry; the argo-ui entry is
# dropped, for yarn to lock the tarball in its place.
awk -v registry="$registry" '
  /^"argo-ui@git\+/ {skip=1; next}
  skip && /^$/ {skip=0; next}
  skip {next}
  {gsub(/https:\/\/registry\.(yarnpkg\.com|npmjs\.org)\//, registry); print}
' "$src/yarn.lock" >"$src/yarn.lock.rewritten"
mv "$src/yarn.lock.rewritten" "$src/yarn.lock"
cp "$src/yarn.lock" "$out/yarn.lock.before"

log "yarn install (argo-ui $argo_ui_commit from the tarball, the rest from $registry)"
t1=$SECONDS
(cd "$src" && YARN_CACHE_FOLDER="$cache/yarn-cache" yarn install --non-interactive \
  --registry "$registry" --network-timeout 300000 >&2)
log "dependencies installed in $((SECONDS - t1))s"
# yarn may only have added the argo-ui entry: any other change to the lockfile
# means a dependency was resolved anew instead of taken at the locked version.
other_entries() { awk 'BEGIN {RS = ""; ORS = "\n\n"} !/^#/ && !/^"?argo-ui@/' "$1"; }
changed=$(diff <(other_entries "$out/yarn.lock.before") <(other_entries "$src/yarn.lock") || true)
[ -z "$changed" ] || die "yarn changed the lockfile beyond argo-ui: $(echo "$changed" | head -5)"
grep -q "^\"\?argo-ui@file:" "$src/yarn.lock" || die "yarn did not lock argo-ui to the tarball"

log "webpack (production)"
t2=$SECONDS
(cd "$src" && NODE_ENV=production ARGO_VERSION="${ARGOCD_VERSION#v}" \
  NODE_OPTIONS=--max-old-space-size=4096 yarn build >&2)
log "webpack built in $((SECONDS - t2))s"
[ -f "$src/dist/app/index.html" ] || die "the webpack build wrote no dist/app/index.html"
mv "$src/dist" "$out/dist.tmp" && mv "$out/dist.tmp" "$out/dist"
# The sources and node_modules are not needed any more (the yarn cache keeps
# the packages for a rebuild).
rm -rf "$src" "$out/yarn.lock.before"
log "argo cd ui $ARGOCD_VERSION built in $((SECONDS - t0))s"
echo "$dist"
