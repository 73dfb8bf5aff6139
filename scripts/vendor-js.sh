#!/bin/sh
# Re-fetch the agent page's SIP library from the npm registry (nothing else is contacted) and bundle it into
# web/agent/vendor/jssip.min.js (one browser global, JsSIP) with its license. Run from the repository root:
#   make vendor-js            # JSSIP_VERSION=3.13.8 ESBUILD_VERSION=0.28.2 by default
set -eu
JSSIP_VERSION=${JSSIP_VERSION:-3.13.8}
ESBUILD_VERSION=${ESBUILD_VERSION:-0.28.2}
OUT=$(pwd)/web/agent/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "jssip@$JSSIP_VERSION" "esbuild@$ESBUILD_VERSION"
echo "module.exports = require('jssip');" > entry.js
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=JsSIP --platform=browser \
  --legal-comments=none --outfile="$OUT/jssip.min.js"
{ echo "JsSIP $JSSIP_VERSION (https://www.npmjs.com/package/jssip), bundled with its dependencies:"
  for p in jssip debug ms events sdp-transform; do
    d=node_modules/$p; [ -d "$d" ] || continue
    echo; echo "==== $p $(node -p "require('./$d/package.json').version") ===="
    cat "$d"/LICENSE* 2>/dev/null || node -p "require('./$d/package.json').license"
  done; } > "$OUT/LICENSE.txt"
echo "vendored JsSIP $JSSIP_VERSION into $OUT ($(wc -c < "$OUT/jssip.min.js") bytes)"
