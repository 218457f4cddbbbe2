#!/bin/sh
# Cairn air-gapped bundle.
#
#   scripts/airgap-bundle.sh create [OUT.tar]   on a connected machine: pull every image of
#                                               images.txt, `docker save` them into one
#                                               archive with the packaged Helm chart
#   scripts/airgap-bundle.sh push REGISTRY      inside the air gap, from the unpacked bundle:
#                                               `docker load` the images, retag them to
#                                               REGISTRY (host[:port][/path]) and push them
#   scripts/airgap-bundle.sh plan REGISTRY      print "source target" for every image, touch nothing
#
# Needs docker (or DOCKER=podman) for create/push, and helm for create. DRY_RUN=1 prints the
# docker commands instead of running them (and leaves an empty images.tar in the bundle); the
# chart is packaged for real. docs/install/air-gapped.md walks through it.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
# In the repository images.txt is one level up; in an unpacked bundle it sits beside us.
if [ -f "$here/images.txt" ]; then root="$here"; else root="$(cd "$here/.." && pwd)"; fi
DOCKER="${DOCKER:-docker}"
HELM="${HELM:-helm}"

die() { echo "airgap-bundle: $*" >&2; exit 1; }
run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then echo "+ $*"; else "$@"; fi
}

# images.txt lines: "<image> [sha256:<digest>]"; comments and blank lines skipped.
images() {
  [ -f "$root/images.txt" ] || die "images.txt not found in $root"
  grep -v '^[[:space:]]*#' "$root/images.txt" | awk 'NF { print $1, ($2 == "" ? "-" : $2) }'
}

# The image's reference without its registry: docker.io/postgres:17 -> postgres:17
repo_path() { echo "$1" | sed 's#^[^/]*[.:][^/]*/##; s#^localhost/##'; }

# A digest is pinned only once a release filled it in.
pinned() { case "$1" in sha256:*PLACEHOLDER* | - ) return 1 ;; sha256:*) return 0 ;; *) return 1 ;; esac; }

target_of() { echo "${1%/}/$(repo_path "$2")"; }

plan() {
  [ $# -eq 1 ] || die "usage: $0 plan REGISTRY"
  images | while read -r image digest; do echo "$image $(target_of "$1" "$image")"; done
}

create() {
  out="${1:-cairn-airgap.tar}"
  case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/cairn-airgap"
  refs=""
  images > "$work/list"
  while read -r image digest; do
    if pinned "$digest"; then
      run "$DOCKER" pull "$image@$digest"
      run "$DOCKER" tag "$image@$digest" "$image"
    else
      echo "airgap-bundle: warning: $image has no pinned digest in images.txt; saving the tag" >&2
      run "$DOCKER" pull "$image"
    fi
    refs="$refs $image"
  done < "$work/list"
  # shellcheck disable=SC2086
  run "$DOCKER" save -o "$work/cairn-airgap/images.tar" $refs
  [ "${DRY_RUN:-0}" = 1 ] && : > "$work/cairn-airgap/images.tar"
  "$HELM" package "$root/charts/cairn" --destination "$work/cairn-airgap" >/dev/null
  cp "$root/images.txt" "$0" "$work/cairn-airgap/"
  mkdir -p "$work/cairn-airgap/compose" "$work/cairn-airgap/docs"
  cp "$root/compose/docker-compose.yml" "$root/compose/.env.example" "$root/compose/init-env.sh" "$work/cairn-airgap/compose/"
  cp -R "$root/docs/install" "$work/cairn-airgap/docs/"
  (cd "$work/cairn-airgap" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
  tar -C "$work" -cf "$out" cairn-airgap
  echo "airgap-bundle: wrote $out"
}

push() {
  [ $# -eq 1 ] || die "usage: $0 push REGISTRY"
  [ -f "$here/images.tar" ] || die "images.tar not found beside $0 (run push from the unpacked bundle)"
  (cd "$here" && sha256sum -c --quiet SHA256SUMS) || die "SHA256SUMS does not match: the bundle is damaged"
  run "$DOCKER" load -i "$here/images.tar"
  plan "$1" | while read -r image target; do
    run "$DOCKER" tag "$image" "$target"
    run "$DOCKER" push "$target"
  done
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  create) create "$@" ;;
  push) push "$@" ;;
  plan) plan "$@" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
