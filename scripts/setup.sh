#!/usr/bin/env bash
# Prepares a machine for the tests and the demo. Idempotent; run as root (CI runs it as root).
#  - installs the Debian packages the tests use: the Docker engine, the distribution registry,
#    skopeo, kmod, kernel headers + kbuild (to build and sign real modules), compressors, openssl,
#    and what the talos fixture's imager runs to make real installers (objcopy from binutils, cpio,
#    mksquashfs/unsquashfs, the systemd-boot EFI stub);
#  - npm ci, then builds the CLI bundle so `npx talos-kmod` works (the action bundles are committed;
#    `npm run build` rebuilds them and `npm run check-dist` compares);
#  - starts dockerd (vfs, no iptables, no bridge) when no engine answers.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  docker.io docker-registry skopeo kmod linux-headers-amd64 build-essential
  xz-utils zstd gzip openssl git busybox-static ca-certificates curl jq time
  lz4 bzip2 binutils cpio squashfs-tools systemd-boot-efi
  cmark-gfm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root (sudo $0)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The kernel's sign-file ships in linux-kbuild-<ver>; headers pull it in, check it is there.
if ! ls /usr/lib/linux-kbuild-*/scripts/sign-file >/dev/null 2>&1; then
  echo "setup: sign-file not found under /usr/lib/linux-kbuild-*/scripts; is linux-headers-amd64 installed?" >&2
  exit 1
fi

# Real Debian kernels (vmlinuz + signed modules of two amd64 builds and one arm64 build).
bash scripts/fetch-debian-kernels.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run -s build:cli

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: no Docker engine answers and starting one needs root" >&2
    exit 1
  fi
  echo "setup: starting dockerd (vfs, no iptables, no bridge)"
  mkdir -p /var/log
  nohup dockerd --storage-driver=vfs --iptables=false --bridge=none \
    >/var/log/talos-kmod-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    echo "setup: dockerd did not start; see /var/log/talos-kmod-dockerd.log" >&2
    tail -n 20 /var/log/talos-kmod-dockerd.log >&2 || true
    exit 1
  }
fi
echo "setup: ready (docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), node $(node --version))"
