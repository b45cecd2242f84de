#!/usr/bin/env bash
# Debian packages the tests need: a real RTSP server (GStreamer's gst-rtsp-server, driven by
# tests/ingest/rtsp_server.py under the system python3) and a real browser (chromium, driven by
# Playwright in tests/browser). Idempotent: installs only what is missing. Without them those
# tests skip and say why.
set -euo pipefail

PACKAGES=(
  python3-gi                    # GObject introspection bindings for the system python3
  gir1.2-gst-rtsp-server-1.0    # GstRtspServer typelib (pulls libgstrtspserver-1.0-0)
  gir1.2-gstreamer-1.0          # Gst typelib
  gstreamer1.0-plugins-base     # videotestsrc, videoconvert
  gstreamer1.0-plugins-good     # jpegenc, rtpjpegpay
  gstreamer1.0-rtsp             # RTSP helpers of GStreamer
  chromium                      # the browser of the console tests (Playwright drives it)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-system-deps: installing ${missing[*]}"
# Refresh the package lists only when they are absent (a fresh container) or the install fails.
if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  $SUDO apt-get update
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
