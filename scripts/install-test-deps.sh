#!/usr/bin/env bash
# Installs the real peers Hotline's integration tests drive (SIPp, baresip,
# linphonec, tshark, sox, Chromium), libopus0 (the Opus tests) through apt and playwright-core
# through npm when they are missing. Needs root (CI runs as root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
browser_driver() {
	# playwright-core drives Debian's Chromium for the browser tests; 1.61.x still
	# runs on Debian 12's Node.js 18. Installed beside the tree, never committed.
	[ -d "$root/.cache/node/node_modules/playwright-core" ] && return 0
	echo "installing playwright-core into .cache/node"
	mkdir -p "$root/.cache/node"
	npm install --prefix "$root/.cache/node" --no-audit --no-fund --loglevel=error playwright-core@~1.61.1 >/dev/null
}
need=()
command -v sipp    >/dev/null || need+=(sip-tester)
command -v baresip >/dev/null || need+=(baresip-core)
command -v tshark  >/dev/null || need+=(tshark)
command -v sox     >/dev/null || need+=(sox libsox-fmt-all)
command -v linphonec >/dev/null || need+=(linphone-cli)   # attended transfer from a phone (REFER + Replaces)
command -v gcc     >/dev/null || need+=(gcc libc6-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v npm     >/dev/null || need+=(npm)
# Hotline loads libopus.so.0 at run time for webrtc.opus; its tests fail under CI without it.
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep 'libopus\.so\.0 ' >/dev/null || need+=(libopus0)
[ ${#need[@]} -eq 0 ] && { echo "test peers present: sipp baresip tshark sox linphonec chromium libopus0"; browser_driver; exit 0; }
echo "installing test peers: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
browser_driver
