#!/usr/bin/env python3
"""Test RTSP server: GStreamer's gst-rtsp-server streaming a live pattern (system python3).

Usage: ``/usr/bin/python3 rtsp_server.py --port 8554 [--path /cam] [--fps 10]``; prints
``READY rtsp://127.0.0.1:PORT/PATH`` once listening and serves until SIGTERM or SIGINT.
``--check`` only verifies that the GStreamer pieces are installed (exit 0) or says what is
missing (exit 1). Debian packages: see scripts/install-system-deps.sh.
"""

from __future__ import annotations

import argparse
import signal
import sys

ELEMENTS = ("videotestsrc", "videoconvert", "jpegenc", "rtpjpegpay")


def _import_gst() -> tuple[object, object, object]:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    return GLib, Gst, GstRtspServer


def main() -> int:
    """Parse arguments, then check the installation or serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    try:
        glib, gst, rtsp = _import_gst()
    except (ImportError, ValueError) as err:
        print(f"MISSING python3-gi / gir1.2-gst-rtsp-server-1.0: {err}", flush=True)
        return 1
    gst.init(None)  # type: ignore[attr-defined]
    missing = [e for e in ELEMENTS if gst.ElementFactory.find(e) is None]  # type: ignore[attr-defined]
    if missing:
        print(f"MISSING GStreamer elements: {', '.join(missing)}", flush=True)
        return 1
    if args.check:
        print("OK", flush=True)
        return 0
    return _serve(glib, rtsp, args)


def _serve(glib: object, rtsp: object, args: argparse.Namespace) -> int:
    server = rtsp.RTSPServer()  # type: ignore[attr-defined]
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = rtsp.RTSPMediaFactory()  # type: ignore[attr-defined]
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={args.width},"
        f"height={args.height},framerate={args.fps}/1 ! videoconvert ! video/x-raw,format=I420 "
        "! jpegenc quality=70 ! rtpjpegpay name=pay0 pt=26 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if not server.attach(None):
        print(f"ERROR cannot listen on 127.0.0.1:{args.port}", flush=True)
        return 2
    loop = glib.MainLoop()  # type: ignore[attr-defined]
    for sig in (signal.SIGTERM, signal.SIGINT):
        glib.unix_signal_add(glib.PRIORITY_DEFAULT, sig, loop.quit)  # type: ignore[attr-defined]
    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
