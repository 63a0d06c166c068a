#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed: the browser tests (test/web-browser.test.ts) drive
# it with playwright-core. Installs the `chromium` package with apt-get when missing, like
# scripts/infra.sh does for the servers. CHROMIUM_PATH points at another browser binary.
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
source "$(dirname "$0")/infra/common.sh"
if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
  exit 0
fi
apt_install chromium fonts-dejavu-core
