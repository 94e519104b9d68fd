#!/usr/bin/env bash
# Debian packages the test suite uses.
# capnproto: the compiler checks that the generated data/tools/capos.capnp is a valid schema.
# Mesa >= 25 (lavapipe, a software Vulkan driver) from bookworm-backports so the webgpu backend
# (Dawn via the `webgpu` package) finds an adapter on machines without a GPU. Stock bookworm Mesa 22
# exposes no adapter to Dawn. PyTorch (Debian's python3-torch, CPU) for test/torch-reference.test.ts, which
# checks capplan's logits and gradients against ../shared/reference/torch_gpt.py.
# Idempotent; needs root (CI and the dev machines run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # Reuse the machine's own Debian mirror (first deb822 stanza) with the backports suite.
  src=/etc/apt/sources.list.d/debian.sources
  uri=$(awk '/^URIs:/{print $2; exit}' "$src")
  keyring=$(awk '/^Signed-By:/{print $2; exit}' "$src")
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$keyring" \
    > /etc/apt/sources.list.d/bookworm-backports.sources
fi
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
apt-get install -y -qq libvulkan1 >/dev/null
apt-get install -y -qq capnproto >/dev/null
apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread >/dev/null
