#!/usr/bin/python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/.

Seeds are small valid (and a few nearly valid) inputs, so the fuzzers
start from inputs that reach deep; the layout of each target's input is
in its fuzz-<target>.c.  Regression inputs (crash-*) are kept by hand
beside these and never rewritten.  Run from anywhere; needs lz4 and zstd.
"""
import bz2
import gzip
import lzma
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tool(argv, data):
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                          check=True).stdout


# --- blkif: ring order, flags, nr_sectors, req_cons, ring bytes, ring ---
BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_FLUSH = 0, 1, 3
BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT = 5, 6


def blk_req(op, nseg, handle, rid, sector, segs):
    # blkif_request: u8 op, u8 nr_segments, u16 handle, u32 pad, u64 id,
    # u64 sector, 11 x {u32 gref, u8 first, u8 last, u16 pad}
    b = struct.pack("<BBHIQQ", op, nseg, handle, 0, rid, sector)
    for g, first, last in segs:
        b += struct.pack("<IBBH", g, first, last, 0)
    return b.ljust(112, b"\0")


def blk_indirect(op, nseg, rid, sector, grefs):
    b = struct.pack("<BBHIQQH", BLKIF_OP_INDIRECT, op, nseg, 0, rid,
                    sector, 0)
    b = b.ljust(32, b"\0") + b"".join(struct.pack("<I", g) for g in grefs)
    return b.ljust(112, b"\0")


def blkif():
    def ring(reqs, order=0, flags=7, sectors=1 << 20, extra=b""):
        body = struct.pack("<IIII", len(reqs), 0, 0, 0).ljust(64, b"\0")
        body += b"".join(reqs)
        hdr = struct.pack("<BBQIH", order, flags, sectors, 0, len(body))
        return hdr + body + extra

    put("blkif", "read", ring([blk_req(BLKIF_OP_READ, 1, 0, 1, 8,
                                       [(5, 0, 7)])]))
    put("blkif", "write-2seg", ring([blk_req(BLKIF_OP_WRITE, 2, 0, 2, 0,
                                             [(5, 0, 7), (6, 2, 3)])]))
    put("blkif", "flush-discard", ring([
        blk_req(BLKIF_OP_FLUSH, 0, 0, 3, 0, []),
        struct.pack("<BBHIQQQ", BLKIF_OP_DISCARD, 0, 0, 0, 4, 16,
                    64).ljust(112, b"\0")]))
    segs = b"".join(struct.pack("<IBBH", 100 + i, 0, 7, 0) for i in range(9))
    put("blkif", "indirect", ring([blk_indirect(BLKIF_OP_READ, 9, 5, 0,
                                                [77])], extra=segs))
    put("blkif", "order2-end", ring([blk_req(BLKIF_OP_READ, 1, 0, 6,
                                             (1 << 20) - 8,
                                             [(5, 0, 7)])], order=2))


# --- netif-ring: tx req_cons, rx req_cons, tx bytes, rx bytes, rings ---
NETTXF_csum_blank, NETTXF_more, NETTXF_extra = 1, 4, 8


def netif_ring():
    def tx_req(gref, off, flags, rid, size):
        return struct.pack("<IHHHH", gref, off, flags, rid, size)

    def sring(reqs, size=4096):
        return struct.pack("<IIII", len(reqs), 0, 0, 0).ljust(64, b"\0") + \
            b"".join(reqs)

    def seed(tx, rx, tail=b""):
        return struct.pack("<IIHH", 0, 0, len(tx), len(rx)) + tx + rx + tail

    rx = sring([struct.pack("<HHI", i, 0, 200 + i) for i in range(4)])
    put("netif-ring", "one-frame",
        seed(sring([tx_req(10, 0, 0, 1, 60)]), rx,
             struct.pack("<HB", 60, 0)))
    gso = struct.pack("<BBHBBH", 2, 0, 1448, 1, 0, 0)  # extra: GSO tcpv4
    put("netif-ring", "gso-3slots",
        seed(sring([tx_req(10, 0, NETTXF_csum_blank | NETTXF_more |
                           NETTXF_extra, 1, 3000), gso,
                    tx_req(11, 0, NETTXF_more, 2, 1000),
                    tx_req(12, 0, 0, 3, 500)]), rx,
             struct.pack("<HB", 5000, 1)))


# --- netif-csum: mode, tx flags, [gso size], frame [, rx feat, vhdr] ---
def ip4_tcp(payload=b"hello"):
    eth = b"\x00\x16\x3e\0\0\1" + b"\x00\x16\x3e\0\0\2" + b"\x08\x00"
    tcp = struct.pack(">HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x18, 512, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload),
                     0, 0, 64, 6, 0, b"\x0a\0\0\1", b"\x0a\0\0\2")
    return eth + ip + tcp + payload


def ip6_udp(payload=b"hello"):
    eth = b"\x00\x16\x3e\0\0\1" + b"\x00\x16\x3e\0\0\2" + b"\x86\xdd"
    udp = struct.pack(">HHHH", 53, 53, 8 + len(payload), 0)
    ip = struct.pack(">IHBB16s16s", 0x60000000, len(udp) + len(payload),
                     17, 64, b"\xfe\x80" + b"\0" * 13 + b"\1",
                     b"\xfe\x80" + b"\0" * 13 + b"\2")
    return eth + ip + udp + payload


def netif_csum():
    vh_none = b"\0" * 10
    vh_csum = struct.pack("<BBHHHH", 1, 0, 0, 0, 34, 16)  # NEEDS_CSUM tcp
    put("netif-csum", "tx-plain", bytes([0, 2]) + ip4_tcp())
    put("netif-csum", "tx-csum-blank", bytes([0, 1]) + ip4_tcp())
    put("netif-csum", "tx-gso4", bytes([2, 1]) + struct.pack("<H", 1448) +
        ip4_tcp(b"x" * 100))
    put("netif-csum", "tx-gso6-udp", bytes([6, 1]) + struct.pack("<H", 1440)
        + ip6_udp())
    put("netif-csum", "rx-csum", bytes([1, 0]) + ip4_tcp() +
        bytes([0]) + vh_csum)
    put("netif-csum", "rx-gso", bytes([1, 0]) + ip6_udp() + bytes([0x1f]) +
        struct.pack("<BBHHHH", 1, 4, 54, 1440, 54, 6))
    put("netif-csum", "rx-plain", bytes([1, 0]) + ip4_tcp() + b"\0" +
        vh_none)


# --- kernel: a kernel file ---
def pv_elf():
    vbase, entry = 0xffffffff80000000, 0xffffffff81000010

    def note(t, desc):
        d = desc + b"\0" * (-len(desc) % 4)
        return struct.pack("<III", 4, len(desc), t) + b"Xen\0" + d

    notes = note(6, b"linux\0") + note(8, b"generic\0") + \
        note(5, b"xen-3.0\0") + note(3, struct.pack("<Q", vbase)) + \
        note(1, struct.pack("<Q", entry)) + \
        note(2, struct.pack("<Q", entry + 0xff0))
    img = bytearray(0x1200)
    img[0:16] = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    img[16:64] = struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0,
                             64, 56, 2, 0, 0, 0)
    img[64:120] = struct.pack("<IIQQQQQQ", 1, 7, 0x1000, entry - 0x10,
                              0x1000000, 0x100, 0x2000, 0x1000)
    img[120:176] = struct.pack("<IIQQQQQQ", 4, 4, 0x200, 0, 0,
                               len(notes), len(notes), 4)
    img[0x200:0x200 + len(notes)] = notes
    img[0x1000:0x1100] = b"\xab" * 0x100
    return bytes(img)


def bzimage(payload, raw_len):
    img = bytearray(1024)
    img[0x1f1] = 1
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = b"\x0f\x02"
    p = payload + struct.pack("<I", raw_len)
    img[0x248:0x250] = struct.pack("<II", 0, len(p))
    return bytes(img) + p


def kernel():
    elf = pv_elf()
    packed = {
        "gzip": gzip.compress(elf, mtime=0),
        "bzip2": bz2.compress(elf),
        "xz": lzma.compress(elf, check=lzma.CHECK_CRC32),
        "lzma": lzma.compress(elf, format=lzma.FORMAT_ALONE),
        "lz4": tool(["lz4", "-l", "-c"], elf),
        "zstd": tool(["zstd", "-q", "-c"], elf),
    }
    put("kernel", "elf", elf)
    for name, data in packed.items():
        put("kernel", "elf." + name, data)
        put("kernel", "bzimage." + name, bzimage(data, len(elf)))


# --- bootloader: pygrub's simple0 answer ---
def bootloader():
    d = "/run/xenner/bootloader.1"
    put("bootloader", "full", (f"kernel {d}/boot_kernel.x\0ramdisk "
                               f"{d}/boot_ramdisk.y\0args root=/dev/xvda1 "
                               "console=hvc0\0\0").encode())
    put("bootloader", "kernel-only", f"kernel {d}/k\0\0".encode())
    put("bootloader", "traceback",
        b"Traceback (most recent call last):\n  File x\nRuntimeError: "
        b"Unable to find partition containing kernel\n")
    put("bootloader", "escape", f"kernel {d}/../etc/passwd\0\0".encode())


# --- xmcfg: an xm config file; xmdev: selector byte + spec ---
def xm():
    put("xmcfg", "full", b"""# a Xen-era domain
name = "web1"
memory = 512
vcpus = 2
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd.img"
extra = "console=hvc0 root=/dev/xvda1"
uuid = "4b3c1a2e-0000-4000-8000-0123456789ab"
disk = [ 'file:/srv/web1.img,xvda,w', 'phy:/dev/vg/web1-swap,xvdb,w',
         'tap:qcow2:/srv/data.qcow2,xvdc,r' ]
vif = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0', '' ]
vfb = [ 'vnc=1, vnclisten=127.0.0.1, vncdisplay=3' ]
on_poweroff = 'destroy'
on_reboot = 'restart'
on_crash = 'preserve'
""")
    put("xmcfg", "pygrub", b"name='g'\nmemory=256\nbootloader='pygrub'\n"
        b"bootloader_args=['--entry=1']\ndisk=['format=raw, vdev=xvda, "
        b"access=rw, target=/srv/g.img']\n")
    put("xmcfg", "python-ish", b"name = 'a' + \"b\"\nmemory = 0x100\n"
        b"vcpus=1; kernel='/k' # c\n"
        b"disk = [\n 'file:/x,hda1,r',\n]\n")
    put("xmdev", "disk", b"\0file:/srv/a.img,xvda,w")
    put("xmdev", "disk-xl", b"\0format=qcow2, vdev=xvdb, access=ro, "
        b"target=/srv/b.qcow2")
    put("xmdev", "vif", b"\1mac=00:16:3e:00:00:01, bridge=xenbr0")
    put("xmdev", "vfb", b"\2type=vnc, vncdisplay=1, vnclisten=0.0.0.0")
    put("xmdev", "uuid", b"\3" + b"4b3c1a2e-0000-4000-8000-0123456789ab")


# --- vmcore: RAM pages, header[0:512], header[notes area], operations ---
def vmcore():
    tool_path = os.environ.get("XENNER_VMCORE", os.path.join(
        HERE, "..", "..", "build", "tools", "xenner-vmcore"))
    path = "/dev/shm/xenner-fuzz-corpus.%d" % os.getpid()
    for name, pages, extra in (("16-pages", 16, b""),
                               ("1-page-ops", 1,
                                struct.pack("<QB", 4000, 200))):
        subprocess.run([tool_path, "create", path, "--domid", "3",
                        "--pages", str(pages), "--name", "fuzz"],
                       check=True)
        with open(path, "rb") as f:
            img = f.read(2 << 20)
        os.unlink(path)
        put("vmcore", name, bytes([pages]) + img[:512] +
            img[4096:4096 + 2048] + extra)


# --- gnttab: note changes, grant entries, operations ---
def gnttab():
    ents = b""
    for r in range(32):
        if r < 8:
            ents += struct.pack("<HHI", 1, 0, 10 + r)  # permit_access
        elif r == 8:
            ents += struct.pack("<HHI", 1 | 4, 0, 20)  # readonly
        elif r == 9:
            ents += struct.pack("<HHI", 1, 5, 21)      # for domain 5
        else:
            ents += b"\0" * 8
    map2 = bytes([0, 1, 0, 0, 0, 0, 1])
    unmap = bytes([3])
    copy_in = bytes([1, 0, 1]) + struct.pack("<HBHH", 100, 2, 0, 0)
    copy_out = bytes([1, 0, 2]) + struct.pack("<HHBH", 64, 0, 3, 128)
    foreign = bytes([2, 1, 0, 10, 11])
    put("gnttab", "map-unmap", b"\0" + ents + map2 + unmap)
    put("gnttab", "copy", b"\0" + ents + copy_in + copy_out)
    put("gnttab", "foreign", b"\0" + ents + foreign + unmap)
    put("gnttab", "readonly-write", b"\0" + ents + bytes([0, 0, 0, 0, 8]))
    put("gnttab", "bad-note", bytes([1 | 2 | 8, 40, 1, 2, 200, 0, 4]) +
        ents + map2 + foreign)


# --- evtchnd: records of (how, [len], message) from up to 3 clients ---
def evtchnd():
    def req(op, dom=0, port=0, vcpu=0, arg=0, flags=0, domid=0, name=b""):
        info = struct.pack("<IIIIQQQ16s64s", domid, 0, 0, 1, 256, 256, 0,
                           b"\1" * 16, name)
        return struct.pack("<IIIIIIII", op, 7, dom, port, vcpu, arg, flags,
                           1) + info

    def rec(client, msg, evsock=False, drain=False, hangup=False):
        how = client | 0x80 | (4 if evsock else 0) | (8 if drain else 0) | \
            (0x10 if hangup else 0)
        return bytes([how]) + msg

    dom0 = rec(1, req(1, dom=0), evsock=True)
    guest = rec(0, req(1, flags=1, domid=5, name=b"guest"), evsock=True)
    put("evtchnd", "hello-create-bind",
        guest + dom0 +
        rec(0, req(2, dom=0)) +                   # alloc_unbound for dom0
        rec(1, req(3, dom=5, port=1)) +           # dom0 binds it
        rec(1, req(6, port=2)) +                  # send
        rec(0, req(8, port=1), drain=True) +      # unmask
        rec(1, req(11, dom=0)) +                  # getinfo
        rec(0, req(14, arg=0x20)) +               # set_state running
        rec(1, req(12, dom=5, arg=1)) +           # shutdown
        rec(1, req(13, dom=5), hangup=True))      # destroy
    put("evtchnd", "virq-ipi-status",
        dom0 + rec(1, req(4, arg=3)) + rec(1, req(5, vcpu=0)) +
        rec(1, req(9, dom=0, port=1)) + rec(1, req(7, port=2)) +
        rec(1, req(10, dom=0)))
    put("evtchnd", "bad-sizes",
        bytes([0, 3]) + b"abc" + bytes([1, 0]) + dom0 +
        bytes([1, 100]) + b"x" * 100 + rec(2, req(6, port=1)))


# --- args: xenner's argv, NUL-separated ---
def args():
    put("args", "kernel", b"-kernel\0/boot/vmlinuz\0-m\0512\0-smp\02\0"
        b"-append\0console=hvc0\0-name\0g1\0-stats")
    put("args", "devices", b"-kernel\0k\0-disk\0/dev/null,vdev=xvdb,ro\0"
        b"-net\0tap,mac=00:16:3e:00:00:01,bridge=br0\0-vfb\0"
        b"vnc=1,listen=::1\0-console\0xenconsoled")
    put("args", "bootloader", b"--bootloader\0pygrub\0-bootloader-arg\0"
        b"--entry=1\0-disk\0/dev/null\0-loglevel\0debug")
    put("args", "errors", b"-m\0huge\0-smp\0999\0-kernel")


def main():
    targets = {
        "blkif": blkif,
        "netif-ring": netif_ring,
        "netif-csum": netif_csum,
        "kernel": kernel,
        "bootloader": bootloader,
        "xm": xm,
        "vmcore": vmcore,
        "gnttab": gnttab,
        "evtchnd": evtchnd,
        "args": args,
    }
    for name in sys.argv[1:] or targets:
        targets[name]()


main()
