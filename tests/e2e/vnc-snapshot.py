#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Takes one screenshot from a VNC server (RFB 3.3-3.8, no authentication).

    vnc-snapshot.py HOST:PORT OUT.ppm

Asks for 32-bit true colour in raw encoding, writes the whole frame buffer
as a binary PPM and prints "WIDTHxHEIGHT colours=N non-background=M" (N
distinct colours; M pixels that differ from the most common one).  Exit
status 0 on success, 1 on any protocol or connection error.  Only the
standard library: the e2e tests must not need a VNC package.
"""
import collections
import socket
import struct
import sys


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("server closed the connection")
        buf += chunk
    return bytes(buf)


def handshake(s):
    version = recv_exact(s, 12)
    if not version.startswith(b"RFB "):
        raise ValueError("not an RFB server: %r" % version)
    major, minor = int(version[4:7]), int(version[8:11])
    minor = 8 if (major, minor) >= (3, 8) else (7 if minor >= 7 else 3)
    s.sendall(b"RFB 003.%03d\n" % minor)
    if minor == 3:
        (sec,) = struct.unpack(">I", recv_exact(s, 4))
        if sec != 1:
            raise ValueError("server wants security type %d" % sec)
        return
    (n,) = struct.unpack(">B", recv_exact(s, 1))
    if n == 0:
        (ln,) = struct.unpack(">I", recv_exact(s, 4))
        raise ValueError("refused: %s" % recv_exact(s, ln).decode())
    types = recv_exact(s, n)
    if 1 not in types:
        raise ValueError("no 'None' security type offered: %r" % list(types))
    s.sendall(b"\x01")
    if minor == 8:
        (res,) = struct.unpack(">I", recv_exact(s, 4))
        if res != 0:
            raise ValueError("security handshake failed")


def snapshot(host, port):
    s = socket.create_connection((host, port), timeout=20)
    handshake(s)
    s.sendall(b"\x01")  # ClientInit: shared
    w, h = struct.unpack(">HH", recv_exact(s, 4))
    recv_exact(s, 16)  # the server's pixel format: we set our own
    (ln,) = struct.unpack(">I", recv_exact(s, 4))
    recv_exact(s, ln)  # desktop name
    # SetPixelFormat: 32 bpp, depth 24, little endian, true colour,
    # red/green/blue max 255 at shifts 16/8/0
    s.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1,
                          255, 255, 255, 16, 8, 0))
    s.sendall(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: raw only
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))  # full update
    fb = bytearray(w * h * 4)
    got = 0
    while got < w * h:
        (msg,) = struct.unpack(">B", recv_exact(s, 1))
        if msg == 0:  # FramebufferUpdate
            _, nrects = struct.unpack(">BH", recv_exact(s, 3))
            for _ in range(nrects):
                x, y, rw, rh, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
                if enc == -223:  # DesktopSize (sent although not asked)
                    w, h, fb, got = rw, rh, bytearray(rw * rh * 4), 0
                    continue
                if enc != 0:
                    raise ValueError("unexpected encoding %d" % enc)
                data = recv_exact(s, rw * rh * 4)
                for row in range(rh):
                    off = ((y + row) * w + x) * 4
                    fb[off:off + rw * 4] = data[row * rw * 4:(row + 1) * rw * 4]
                got += rw * rh
            if got < w * h:
                s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
        elif msg == 1:  # SetColourMapEntries: not in true colour
            _, _, n = struct.unpack(">BHH", recv_exact(s, 5))
            recv_exact(s, n * 6)
        elif msg == 2:  # Bell
            pass
        elif msg == 3:  # ServerCutText
            recv_exact(s, 3)
            (ln,) = struct.unpack(">I", recv_exact(s, 4))
            recv_exact(s, ln)
        else:
            raise ValueError("unexpected server message %d" % msg)
    s.close()
    return w, h, fb


def main():
    if len(sys.argv) != 3 or ":" not in sys.argv[1]:
        sys.stderr.write(__doc__)
        return 2
    host, port = sys.argv[1].rsplit(":", 1)
    try:
        w, h, fb = snapshot(host, int(port))
    except (OSError, ValueError, EOFError, struct.error) as e:
        print("vnc-snapshot: %s" % e, file=sys.stderr)
        return 1
    pixels = [bytes(fb[i:i + 3]) for i in range(0, len(fb), 4)]
    counts = collections.Counter(pixels)
    background = counts.most_common(1)[0][1]
    with open(sys.argv[2], "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        # little-endian 0x00RRGGBB is B, G, R in memory
        f.write(b"".join(p[2::-1] for p in pixels))
    print("%dx%d colours=%d non-background=%d"
          % (w, h, len(counts), w * h - background))
    return 0


if __name__ == "__main__":
    sys.exit(main())
