#!/usr/bin/env bash
# Installs the real peers Hotline's integration tests drive (SIPp, baresip,
# linphonec, tshark, sox, Chromium, Firefox ESR), libopus0 (the Opus tests) through apt and
# playwright-core and puppeteer-core through npm when they are missing. Needs root (CI runs as root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
browser_driver() {
	# playwright-core drives Debian's Chromium for the browser tests; 1.61.x still
	# runs on Debian 12's Node.js 18. puppeteer-core drives Debian's Firefox ESR over
	# WebDriver BiDi (playwright-core needs its own patched Firefox); 24.x still runs
	# on Node.js 18. Installed beside the tree, never committed.
	local want=()
	[ -d "$root/.cache/node/node_modules/playwright-core" ] || want+=(playwright-core@~1.61.1)
	[ -d "$root/.cache/node/node_modules/puppeteer-core" ] || want+=(puppeteer-core@~24.43.1)
	[ ${#want[@]} -eq 0 ] && return 0
	echo "installing ${want[*]} into .cache/node"
	mkdir -p "$root/.cache/node"
	npm install --prefix "$root/.cache/node" --no-audit --no-fund --loglevel=error "${want[@]}" >/dev/null
}
need=()
command -v sipp    >/dev/null || need+=(sip-tester)
command -v baresip >/dev/null || need+=(baresip-core)
command -v tshark  >/dev/null || need+=(tshark)
command -v sox     >/dev/null || need+=(sox libsox-fmt-all)
command -v linphonec >/dev/null || need+=(linphone-cli)   # attended transfer from a phone (REFER + Replaces)
command -v gcc     >/dev/null || need+=(gcc libc6-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v firefox-esr >/dev/null || need+=(firefox-esr)
command -v npm     >/dev/null || need+=(npm)
# Hotline loads libopus.so.0 at run time for webrtc.opus; its tests fail under CI without it.
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep 'libopus\.so\.0 ' >/dev/null || need+=(libopus0)
[ ${#need[@]} -eq 0 ] && { echo "test peers present: sipp baresip tshark sox linphonec chromium firefox-esr libopus0"; browser_driver; exit 0; }
echo "installing test peers: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
browser_driver
