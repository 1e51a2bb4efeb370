#!/usr/bin/env bash
# Fetches real Debian kernel builds for the kernel-image and signature tests into a cache
# (default /var/cache/talos-kmod/debian-kernels, or $TALOS_KMOD_DEBIAN_KERNELS). Idempotent: a
# kernel already unpacked (its `.complete` marker exists) is not fetched again.
#  - linux-image-<abi>-cloud-amd64-unsigned and linux-image-<abi>-amd64-unsigned: two x86 bzImage
#    builds whose modules are signed by different keys with the same signer name;
#  - linux-image-<abi>-cloud-arm64-unsigned (arm64): a plain arm64 `Image`.
# The -unsigned packages hold /boot/vmlinuz-* and the signed modules (the signed variants add only a
# Secure Boot signature on vmlinuz). Each is unpacked with dpkg-deb -x into <cache>/<package>/root;
# kernels.txt lists the package names. Run as root (setup.sh does).
set -euo pipefail

cache="${TALOS_KMOD_DEBIAN_KERNELS:-/var/cache/talos-kmod/debian-kernels}"

complete() {
  [ -f "$cache/kernels.txt" ] || return 1
  local n=0 p
  while read -r p; do
    [ -n "$p" ] || continue
    [ -f "$cache/$p/.complete" ] || return 1
    n=$((n + 1))
  done <"$cache/kernels.txt"
  [ "$n" -ge 3 ]
}

if complete; then
  echo "fetch-debian-kernels: cached in $cache ($(tr '\n' ' ' <"$cache/kernels.txt"))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "fetch-debian-kernels: $cache is incomplete and filling it needs root (apt-get); run sudo $0" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
apt-get update -qq

# The ABI (e.g. 6.1.0-57) the distribution's kernel metapackage currently points at.
abi="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)-amd64$/\1/p' | head -n 1)"
if [ -z "$abi" ]; then
  echo "fetch-debian-kernels: cannot tell the kernel ABI from 'apt-cache depends linux-image-amd64'" >&2
  exit 1
fi
packages=(
  "linux-image-$abi-cloud-amd64-unsigned"
  "linux-image-$abi-amd64-unsigned"
  "linux-image-$abi-cloud-arm64-unsigned:arm64"
)

mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
chown _apt "$work" 2>/dev/null || true # apt-get download hands the transfer to _apt
: >"$cache/kernels.txt.new"
for spec in "${packages[@]}"; do
  name="${spec%%:*}"
  echo "$name" >>"$cache/kernels.txt.new"
  [ -f "$cache/$name/.complete" ] && continue
  echo "fetch-debian-kernels: downloading $spec"
  (cd "$work" && apt-get download -qq "$spec")
  deb="$(ls "$work"/"$name"_*.deb)"
  rm -rf "${cache:?}/$name"
  mkdir -p "$cache/$name/root"
  dpkg-deb -x "$deb" "$cache/$name/root"
  rm -f "$deb"
  touch "$cache/$name/.complete"
done
mv "$cache/kernels.txt.new" "$cache/kernels.txt"
echo "fetch-debian-kernels: ready in $cache ($(tr '\n' ' ' <"$cache/kernels.txt"))"
