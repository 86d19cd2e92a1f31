#!/bin/bash
# Builds the corpus of damaged capture files in this directory, byte by byte
# (no compressor is run, so the output never depends on a zlib or zstd
# version). EXPECTED, written by hand, says what reading each file must give;
# tests/unit/test_capture.c checks it.
#
#   make-corpus.sh        rewrite the corpus files next to this script
#   make-corpus.sh ARG    (how ctest runs it, ARG being the teiten binary)
#                         check that the committed files are what this
#                         script builds, without touching them
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
    out=$here
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

python3 - "$out" <<'PYTHON'
import struct
import sys
import zlib

out = sys.argv[1]


def write(name, data):
    assert len(data) < 4096, name
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)


def frame(k, size=60):
    return bytes((k * 37 + i * 7 + 1) & 0xFF for i in range(size))


# ---- classic pcap: 24-byte header, 16-byte record headers, 60-byte frames,
# so record k ends at 24 + 76 * (k + 1).
def pcap_header(endian="<", magic=0xA1B2C3D4, linktype=1):
    return struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)


def record(k, endian="<", caplen=None, data=None):
    data = frame(k) if data is None else data
    caplen = len(data) if caplen is None else caplen
    return struct.pack(endian + "IIII", 1700000000 + k, k * 1000, caplen, len(data)) + data


def pcap(n, endian="<", magic=0xA1B2C3D4):
    return pcap_header(endian, magic) + b"".join(record(k, endian) for k in range(n))


write("empty.pcap", b"")
write("truncated-global-header.pcap", pcap_header()[:10])
write("bad-magic.pcap", b"<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n")
write("truncated-record-header.pcap", pcap(2) + record(2)[:7])
write("truncated-record-body.pcap", pcap(2) + record(2)[:26])
write("caplen-huge.pcap", pcap(1) + record(1, caplen=0xFFFFFFF0))
write("nanosecond-big-endian-truncated.pcap", pcap(3, ">", 0xA1B23C4D)[:24 + 76 * 2 + 50])
write("unsupported-version.pcap",
      struct.pack("<IHHiIII", 0xA1B2C3D4, 3, 0, 0, 0, 65535, 1) + record(0))


# ---- pcapng: SHB 28 bytes, IDB 20, EPB with a 60-byte frame 92, so EPB k
# ends at 48 + 92 * (k + 1).
def block(block_type, body, length=None, trailer=None):
    length = 12 + len(body) if length is None else length
    trailer = length if trailer is None else trailer
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", trailer)


def shb(bom=0x1A2B3C4D):
    return block(0x0A0D0D0A, struct.pack("<IHHq", bom, 1, 0, -1))


def idb(linktype=1):
    return block(1, struct.pack("<HHI", linktype, 0, 0))


def epb(k, interface=0, **kwargs):
    t = (1700000000 + k) * 1000000 + k * 1000
    data = frame(k)
    body = struct.pack("<IIIII", interface, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
    return block(6, body + data, **kwargs)


write("pcapng-bad-block-length.pcapng", shb() + idb() + epb(0) + epb(1, length=10))
write("pcapng-length-mismatch.pcapng", shb() + idb() + epb(0) + epb(1, trailer=88))
write("pcapng-truncated-block.pcapng", shb() + idb() + epb(0) + epb(1) + epb(2)[:40])
write("pcapng-packet-before-idb.pcapng", shb() + epb(0))
write("pcapng-unknown-interface.pcapng", shb() + idb() + epb(0) + epb(1, interface=3))
write("pcapng-linktype-change.pcapng", shb() + idb() + epb(0) + idb(101) + epb(1))
write("pcapng-bad-byte-order-magic.pcapng", shb(bom=0x11223344) + idb() + epb(0))
write("pcapng-huge-block.pcapng",
      shb() + idb() + epb(0) + struct.pack("<II", 6, 0x7FFFFFF0) + frame(1))


# ---- gzip with stored (uncompressed) deflate blocks, built by hand.
def gzip_stored(data, crc=None):
    header = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
    stored = bytes([1]) + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data
    crc = zlib.crc32(data) if crc is None else crc
    return header + stored + struct.pack("<II", crc, len(data) & 0xFFFFFFFF)


full = pcap(4)  # 328 bytes
gz = gzip_stored(full)
# 10-byte gzip header, 5-byte stored block header: cut inside record 2.
write("truncated.pcap.gz", gz[:15 + 24 + 76 * 2 + 30])
write("corrupt-crc.pcap.gz", gzip_stored(full, crc=zlib.crc32(full) ^ 1))
write("trailing-garbage.pcap.gz", gz + b"garbage after the gzip member\n")


# ---- zstd frames with raw blocks, built by hand: no checksum, no content
# size, 128 KiB window (descriptor exponent 7).
def zstd_raw(chunks, last_type=0):
    out = bytes([0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3])
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        block_type = last_type if last else 0
        out += struct.pack("<I", (len(chunk) << 3) | (block_type << 1) | int(last))[:3] + chunk
    return out


pieces = [pcap_header()] + [record(k) for k in range(4)]
zst = zstd_raw(pieces)
# frame header 6 bytes, then 3-byte block header + 24, then 3 + 76 per record.
write("truncated.pcap.zst", zst[:6 + 27 + 79 * 2 + 3 + 40])
# The block after record 1 has the reserved type 3.
write("corrupt-block.pcap.zst", zstd_raw(pieces[:3] + [b"\0" * 16], last_type=3))
PYTHON

if [ $# -gt 0 ]; then
    status=0
    for made in "$out"/*; do
        name=$(basename "$made")
        if ! cmp -s "$made" "$here/$name"; then
            echo "tests/malformed/$name differs from what make-corpus.sh builds" >&2
            status=1
        fi
    done
    exit $status
fi
