#!/usr/bin/env bash
# Build kube-apiserver, kubectl, etcd and helm from the Go module proxy into a
# cache folder outside the work tree, and print that folder on the last line.
#
# The folder's name carries a hash of the pins (versions.env, go.mod, go.sum, the
# Go version and the build recipe number below), so the binaries are rebuilt only
# when a pin changes. A cold build takes about 5 minutes on two cores (measured
# once, with 1.1 GB of modules and 3.4 GB of Go build cache); a warm one returns at once.
# With KUBEBUILDER_ASSETS set, it checks that folder and prints it instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

fail() {
  echo "build.sh: $1" >&2
  echo "build.sh: to use binaries you already have, set KUBEBUILDER_ASSETS to a folder with kube-apiserver, etcd and kubectl (helm is taken from PATH or that folder)." >&2
  exit 1
}

# Binaries that already exist win: the folder envtest users have, with no Go needed.
if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for name in kube-apiserver etcd kubectl; do
    [[ -x "$KUBEBUILDER_ASSETS/$name" ]] || {
      echo "build.sh: KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $name: add it, or unset KUBEBUILDER_ASSETS to build." >&2
      exit 1
    }
  done
  echo "build.sh: using the binaries in KUBEBUILDER_ASSETS" >&2
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

command -v go >/dev/null || fail "the Go toolchain is missing: install Go 1.26 or newer and put 'go' on PATH."
go_version=$(go env GOVERSION)

# Bump when the build commands or flags below change, so that the cache key changes with them.
# The key leaves this script's text out, so an edit elsewhere in it does not force a rebuild
# (and does not make checkouts at different commits evict each other's binaries).
recipe=1
key=$(cat "$here/versions.env" "$here/go.mod" "$here/go.sum" <(echo "$go_version recipe $recipe") | sha256sum | cut -c1-12)
cache_root=${MODELARTS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-operator}
out="$cache_root/kubernetes-$KUBERNETES_VERSION-$key"
if [[ -f "$out/.complete" ]]; then
  touch "$out/.complete"  # marks the folder as in use, so pruning below keeps it
  echo "build.sh: binaries for Kubernetes $KUBERNETES_VERSION are cached" >&2
  echo "$out"
  exit 0
fi
mkdir -p "$out"

minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
version_flags=""
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $package.gitVersion=$KUBERNETES_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
  version_flags+=" -X $package.gitTreeState=clean -X $package.buildDate=$build_date"
done

export CGO_ENABLED=0
started=$SECONDS
step() {
  echo "build.sh: [$1/4] $2 ($((SECONDS - started)) s elapsed)" >&2
}

# Progress: go build -v prints each package path as it compiles it. Count those
# lines and report every 100th, and pass every other line (errors) through.
show_progress() {
  awk -v name="$1" '
    /^[A-Za-z0-9._~\/-]+$/ { n++; if (n % 100 == 0) { printf "build.sh:   %s: %d packages compiled\n", name, n; fflush() } ; next }
    { print; fflush() }
    END { if (n) printf "build.sh:   %s: %d packages compiled\n", name, n; else printf "build.sh:   %s: up to date in the Go build cache\n", name }
  ' >&2
}

# Name the cause of a failed go command from its log: no proxy, or a version it does not serve.
fail_from_log() {
  local what=$1 log=$2
  grep -qiE 'dial tcp|no such host|i/o timeout|connection refused|proxyconnect' "$log" &&
    fail "$what failed: the Go module proxy ($(go env GOPROXY)) is unreachable. See $log."
  grep -qiE 'unknown revision|invalid version|not found|404|410' "$log" &&
    fail "$what failed: a pinned version is not served by $(go env GOPROXY); check versions.env and rerun update-go-mod.sh. See $log."
  fail "$what failed. See $log."
}

# Run a go command with its stderr in a log, showing progress from that log while it runs.
run_logged() {
  local name=$1 log=$2
  shift 2
  "$@" 2> "$log" > /dev/null &
  local pid=$!
  tail --pid="$pid" -n +1 -f "$log" 2> /dev/null | show_progress "$name"
  wait "$pid"
}

build() {
  local name=$1 package=$2 flags=$3
  if ! (cd "$here" && run_logged "$name" "$out/$name.log" \
    go build -v -trimpath -ldflags "-s -w $flags" -o "$out/$name.partial" "$package"); then
    fail_from_log "building $name" "$out/$name.log"
  fi
  mv "$out/$name.partial" "$out/$name"
}

step 1 "downloading modules"
if ! (cd "$here" && go mod download 2> "$out/download.log"); then
  fail_from_log "downloading the modules of Kubernetes $KUBERNETES_VERSION" "$out/download.log"
fi

step 2 "building etcd"
build etcd go.etcd.io/etcd/server/v3 ""

step 3 "building kube-apiserver and kubectl"
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$version_flags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$version_flags"

# helm has no replace directives and pins its own k8s.io modules, so it is
# built in its own module context, apart from the wrapper's replaces.
step 4 "building helm $HELM_VERSION"
if ! (cd "$out" && GOBIN="$out" GOFLAGS=-mod=mod run_logged helm "$out/helm.log" go install -v -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"); then
  fail_from_log "building helm $HELM_VERSION" "$out/helm.log"
fi

touch "$out/.complete"
# Remove builds of other pins that no checkout used for 14 days. A checkout at another
# commit may still use a younger one, so those stay.
for folder in "$cache_root"/kubernetes-*; do
  [[ "$folder" != "$out" && -f "$folder/.complete" && -n $(find "$folder/.complete" -mtime +14) ]] && rm -rf "$folder"
done
echo "build.sh: done in $((SECONDS - started)) s: $(du -sh "$out" | cut -f1) in $out" >&2
echo "$out"
