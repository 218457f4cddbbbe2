#!/bin/sh
# Builds helm from its Go module into .tools/bin/helm (gitignored) so the chart tests can run
# `helm lint` / `helm template` on machines without a helm package. Needs the Go toolchain and
# access to the Go module proxy (or a warm module cache). Idempotent: does nothing when the
# pinned version is already installed. HELM_VERSION and HELM_BIN_DIR (default .tools/bin) override.
set -eu
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${HELM_BIN_DIR:-$ROOT/.tools/bin}"
if [ -x "$BIN/helm" ] && "$BIN/helm" version --short 2>/dev/null | grep -q "^${HELM_VERSION}"; then
  echo "helm ${HELM_VERSION} already at $BIN/helm"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: the Go toolchain is required to build helm ${HELM_VERSION}" >&2
  exit 1
fi
mkdir -p "$BIN"
echo "building helm ${HELM_VERSION} from helm.sh/helm/v3 (takes several minutes on 2 cores)..."
# The ldflags are those of helm's Makefile: version, and the Kubernetes version that
# `helm template` and `helm lint` assume (that of the client-go helm ${HELM_VERSION} builds with).
K8S_MINOR="${HELM_K8S_MINOR:-34}"
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
for pkg in pkg/lint/rules pkg/chartutil; do
  LDFLAGS="$LDFLAGS -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=${K8S_MINOR}"
done
GOBIN="$BIN" GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0 \
  go install -trimpath -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
"$BIN/helm" version --short
