#!/usr/bin/env bash
# Installs walkv's build and test dependencies (Debian 12 packages) when any is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config liburing-dev libxxhash-dev libcli11-dev catch2
      libbenchmark-dev libfmt-dev nlohmann-json3-dev libedit-dev libabsl-dev python3
      libfuse3-dev fuse3
      # The package test: cpack's Depends (dpkg-shlibdeps, file) and the installed
      # completion's loader.
      dpkg-dev file bash-completion)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
