#!/usr/bin/env bash
# Installs the real peers Hotline's integration tests drive (SIPp, baresip,
# tshark, sox) through apt when they are missing. Needs root (CI runs as root).
set -euo pipefail
need=()
command -v sipp    >/dev/null || need+=(sip-tester)
command -v baresip >/dev/null || need+=(baresip-core)
command -v tshark  >/dev/null || need+=(tshark)
command -v sox     >/dev/null || need+=(sox libsox-fmt-all)
command -v gcc     >/dev/null || need+=(gcc libc6-dev)
[ ${#need[@]} -eq 0 ] && { echo "test peers present: sipp baresip tshark sox"; exit 0; }
echo "installing test peers: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
