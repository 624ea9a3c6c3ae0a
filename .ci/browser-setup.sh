#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/browser) when it is missing; never downloads a browser build.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
