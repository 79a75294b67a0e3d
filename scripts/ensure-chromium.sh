#!/usr/bin/env bash
# Makes sure a headless-capable Chromium exists for the demo's browser check.
# Fast and silent when it is already there; installs the Debian package only when we are root.
set -euo pipefail

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$chromium_path" ]; then
  exit 0
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # An explicit path that does not exist is a configuration mistake, not something apt can fix.
  echo "ensure-chromium: CHROMIUM_PATH is set to '$chromium_path' but no executable is there. Fix the path or unset CHROMIUM_PATH to use /usr/bin/chromium." >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: Chromium is missing at $chromium_path and this shell is not root, so it cannot be installed here." >&2
  echo "ensure-chromium: install it with 'sudo apt-get install chromium' (Debian/Ubuntu) or set CHROMIUM_PATH to an existing Chromium/Chrome binary." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: Chromium is missing at $chromium_path and apt-get is not available; install Chromium with this system's package manager or set CHROMIUM_PATH." >&2
  exit 1
fi

echo "ensure-chromium: installing the Debian 'chromium' package (one-time)"
# apt and debconf chatter goes to a log that is shown only if the install fails.
apt_log="$(mktemp)"
trap 'rm -f "$apt_log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$apt_log" 2>&1; then
  cat "$apt_log" >&2
  echo "ensure-chromium: apt-get could not install chromium (output above)." >&2
  exit 1
fi

if [ ! -x "$chromium_path" ]; then
  echo "ensure-chromium: apt-get finished but $chromium_path still does not exist." >&2
  exit 1
fi
