#!/usr/bin/env python3
"""Writes the PNG, GIF and BMP test images for ImageCodecsTests and records what Pillow decodes from each.

Sources: photos shipped with scikit-image (downscaled to at most 64×48 so the fixtures stay small) and the
PngSuite images carried in pypng's source distribution (pngsuite.py; pass its directory with --pngsuite, e.g.
after `pip download --no-deps --no-binary :all: pypng` and unpacking it, the `code/` folder).

PNGs are written by a small encoder below so that every color type, bit depth, filter type (the rows cycle through
all five) and Adam7 interlacing is covered; a few come from Pillow's own encoder too. GIFs and BMPs come from
Pillow's encoders, some patched or hand-built for cases Pillow does not write (frame offsets, local palettes,
RLE, bitfields).

For each image the reference is Pillow's `Image.open(f).convert("RGB")` as raw RGB bytes (ref/<sha1>.rgb, shared
between images with the same pixels), except 16-bit grey PNGs: Pillow clips `I;16` to 255 on convert, our
decoder keeps the high byte, so their reference is the high byte (the script asserts that Pillow itself takes the
high byte for 16-bit RGB, RGBA and grey+alpha). manifest.json lists every image with its size, its reference and
the EXIF payload Pillow's getexif() reads, and records the versions used.

Deterministic (fixed seeds). Run:  python3 make_png_gif_bmp_fixtures.py --pngsuite /path/to/pypng/code
"""
import argparse
import hashlib
import io
import json
import os
import random
import struct
import sys
import zlib

import numpy as np
import PIL
import skimage
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(skimage.__file__), "data")
rng = random.Random(15948)

manifest = []


def reference(rgb):
    """Stores raw RGB bytes once under ref/ and returns the relative path."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8).tobytes()
    name = "ref/" + hashlib.sha1(data).hexdigest()[:16] + ".rgb"
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    return name


def record(path, data, note, expected=None):
    """Writes an image file, decodes it with Pillow and adds it to the manifest."""
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(data)
    im = Image.open(io.BytesIO(data))
    im.load()
    rgb = expected if expected is not None else np.array(im.convert("RGB"))
    exif = im.getexif()
    exif_bytes = None
    if len(exif):
        raw = im.info.get("exif")
        if raw is None and "Raw profile type exif" in im.info:
            raw = bytes.fromhex("".join(im.info["Raw profile type exif"].split("\n")[3:]))
        exif_bytes = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
        name = "ref/" + hashlib.sha1(exif_bytes).hexdigest()[:16] + ".exif"
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(exif_bytes)
        exif_bytes = name
    manifest.append({"file": path, "width": im.size[0], "height": im.size[1], "mode": im.mode,
                     "rgb": reference(rgb), "exif": exif_bytes, "note": note})


def photo(name, size, mode="RGB"):
    im = Image.open(os.path.join(DATA, name)).convert(mode)
    return im.resize(size, Image.Resampling.LANCZOS)


# MARK: - PNG encoder (every color type, depth, filter, Adam7)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_row(samples, depth):
    """samples: 1-D list of ints for one scanline (all channels interleaved)."""
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = acc << depth | s
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def filter_row(kind, row, prev, bpp):
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        if kind == 0:
            p = 0
        elif kind == 1:
            p = a
        elif kind == 2:
            p = b
        elif kind == 3:
            p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (x - p) & 0xFF
    return bytes([kind]) + bytes(out)


def encode_png(pixels, depth, ctype, plte=None, trns=None, interlace=False, before_idat=b"", after_idat=b"",
               filters=(0, 1, 2, 3, 4), idat_size=700):
    """pixels: array (H, W, C) of ints within the bit depth. Rows cycle through `filters`."""
    h, w, c = pixels.shape
    bpp = max(1, c * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw, row_no = bytearray(), 0
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for r in sub:
            row = pack_row([int(v) for v in r.reshape(-1)], depth)
            raw += filter_row(filters[row_no % len(filters)], row, prev, bpp)
            prev, row_no = row, row_no + 1
    z = zlib.compress(bytes(raw), 9)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, int(interlace)))
    out += before_idat
    if plte is not None:
        out += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    for i in range(0, max(len(z), 1), idat_size):
        out += chunk(b"IDAT", z[i:i + idat_size])
    return out + after_idat + chunk(b"IEND", b"")


def make_pngs():
    size = (45, 31)  # odd sizes: partial Adam7 blocks and sub-byte rows that end mid-byte
    rgb = np.array(photo("chelsea.png", size))
    grey = np.array(photo("camera.png", size, "L"))
    alpha = np.array(photo("coffee.png", size, "L"))
    noise = np.array([[rng.randrange(256) for _ in range(size[0] * 4)] for _ in range(size[1])]).reshape(
        size[1], size[0], 4)

    def wide(a, k):  # 16-bit samples whose low byte is noise, so taking the high byte is tested
        return (a.astype(np.int64) << 8) | noise[:, :, k:k + a.shape[2]]

    pal_im = photo("astronaut.png", size)
    cases = []
    for d in (1, 2, 4, 8):
        cases.append((f"grey{d}", grey[:, :, None] >> (8 - d), d, 0, {}))
    cases.append(("grey16", wide(grey[:, :, None], 0), 16, 0, {}))
    cases.append(("rgb8", rgb, 8, 2, {}))
    cases.append(("rgb16", wide(rgb, 0), 16, 2, {}))
    ga = np.dstack([grey, alpha])
    cases.append(("greyalpha8", ga, 8, 4, {}))
    cases.append(("greyalpha16", wide(ga, 1), 16, 4, {}))
    rgba = np.dstack([rgb, alpha])
    cases.append(("rgba8", rgba, 8, 6, {}))
    cases.append(("rgba16", wide(rgba, 0), 16, 6, {}))
    for d in (1, 2, 4, 8):
        q = pal_im.quantize(colors=1 << d, method=Image.Quantize.MEDIANCUT)
        idx = np.array(q)[:, :, None]
        plte = q.getpalette()[:3 * (1 << d)]
        trns = [rng.randrange(256) for _ in range(min(1 << d, 5))] if d in (2, 8) else None
        cases.append((f"palette{d}", idx, d, 3, {"plte": plte, "trns": trns}))
    # Palette shorter than the indices used: Pillow shows the missing entries as black.
    q = pal_im.quantize(colors=16)
    cases.append(("palette4_short", np.array(q)[:, :, None], 4, 3, {"plte": q.getpalette()[:3 * 9]}))
    cases.append(("grey8_trns", grey[:, :, None], 8, 0, {"trns": [0, 100]}))
    cases.append(("rgb8_trns", rgb, 8, 2, {"trns": [0, 10, 0, 20, 0, 30]}))

    for name, px, depth, ctype, extra in cases:
        for interlace in (False, True):
            data = encode_png(px, depth, ctype, interlace=interlace, **extra)
            im = Image.open(io.BytesIO(data))
            expected = None
            if depth == 16:
                high = (px >> 8).astype(np.uint8)
                if ctype == 0:
                    expected = np.repeat(high, 3, axis=2)
                    assert im.mode == "I;16", im.mode
                else:
                    # Pillow already keeps the high byte of 16-bit RGB, RGBA and grey+alpha.
                    want = high[:, :, :3] if ctype != 4 else np.repeat(high[:, :, :1], 3, axis=2)
                    assert (np.array(im.convert("RGB")) == want).all(), name
            suffix = "_adam7" if interlace else ""
            record(f"png/{name}{suffix}.png", data, f"{name}, {'Adam7' if interlace else 'plain'}", expected)

    # Single filter type per image (each of the five), and tiny images whose Adam7 passes are partly empty.
    for f in range(5):
        record(f"png/filter{f}.png", encode_png(rgb, 8, 2, filters=(f,)), f"every row filter type {f}")
    for w, h in [(1, 1), (2, 1), (1, 3), (3, 2), (9, 9)]:
        px = rgb[:h, :w]
        record(f"png/tiny{w}x{h}_adam7.png", encode_png(px, 8, 2, interlace=True), f"{w}x{h} Adam7")
    record("png/grey1_tiny_adam7.png", encode_png(grey[:5, :3, None] >> 7, 1, 0, interlace=True), "1-bit 3x5 Adam7")

    # Ancillary chunks (text, time, gamma, unknown private) before and after the image data.
    anc = chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"Comment\x00hello") + chunk(b"prVt", b"xyz")
    record("png/ancillary.png", encode_png(rgb, 8, 2, before_idat=anc, after_idat=chunk(b"tIME", bytes(7))),
           "ancillary chunks skipped")

    # Pillow's own encoder (adaptive filters, one IDAT), and EXIF in eXIf and in an ImageMagick-style zTXt.
    im = photo("coffee.png", (48, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "clip-worker"
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    record("png/pillow_rgb_exif.png", buf.getvalue(), "Pillow encoder, eXIf with orientation 6")
    buf = io.BytesIO()
    im.convert("L").save(buf, "PNG", optimize=True)
    record("png/pillow_grey.png", buf.getvalue(), "Pillow encoder, grey")
    hexed = (b"Exif\x00\x00" + exif.tobytes()).hex()
    lines = "\n".join(hexed[i:i + 72] for i in range(0, len(hexed), 72))
    profile = f"\nexif\n{len(hexed) // 2:8d}\n{lines}\n".encode()
    ztxt = chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(profile))
    record("png/raw_profile_exif.png", encode_png(rgb, 8, 2, before_idat=ztxt), "EXIF in zTXt raw profile")


def make_pngsuite(directory):
    sys.path.insert(0, directory)
    import pngsuite  # noqa: E402  (from pypng's source distribution)
    for name in sorted(pngsuite.png):
        data = pngsuite.png[name]
        im = Image.open(io.BytesIO(data))
        expected = None
        if im.mode == "I;16":
            expected = np.repeat((np.array(im) >> 8).astype(np.uint8)[:, :, None], 3, axis=2)
        record(f"png/pngsuite_{name}.png", data, f"PngSuite {name}", expected)


# MARK: - GIF

def make_gifs():
    im = photo("astronaut.png", (40, 30))
    p = im.quantize(colors=64)
    for interlace in (False, True):
        buf = io.BytesIO()
        p.save(buf, "GIF", interlace=interlace)
        record(f"gif/photo{'_interlaced' if interlace else ''}.gif", buf.getvalue(), f"64 colors, {interlace=}")
    buf = io.BytesIO()
    p.save(buf, "GIF", transparency=5)
    record("gif/transparency.gif", buf.getvalue(), "transparent index 5 (convert shows its palette color)")
    buf = io.BytesIO()
    p.save(buf, "GIF", include_color_table=True)
    record("gif/local_palette.gif", buf.getvalue(), "first frame with its own color table")
    # Two colors: 2-bit minimum code size; grey ramp palette (Pillow reads it as mode L).
    two = im.convert("1").convert("P")
    buf = io.BytesIO()
    two.save(buf, "GIF")
    record("gif/two_colors.gif", buf.getvalue(), "two colors")
    buf = io.BytesIO()
    im.convert("L").save(buf, "GIF")
    record("gif/grey.gif", buf.getvalue(), "grey ramp palette")
    # Animated: only the first frame counts.
    frames = [photo(n, (40, 30)).quantize(colors=32) for n in ("astronaut.png", "chelsea.png", "coffee.png")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    record("gif/animated.gif", buf.getvalue(), "three frames, first decoded")
    # Frame smaller than the logical screen, at an offset: patch a Pillow GIF's screen size and frame position.
    for transparency in (None, 7):
        small = photo("chelsea.png", (20, 12)).quantize(colors=16)
        buf = io.BytesIO()
        kw = {} if transparency is None else {"transparency": transparency}
        small.save(buf, "GIF", **kw)
        data = bytearray(buf.getvalue())
        data[6:10] = struct.pack("<HH", 31, 25)
        at = data.index(b"\x2c", 13 + 3 * (2 << (data[10] & 7)))
        data[at + 1:at + 5] = struct.pack("<HH", 6, 9)
        name = "gif/offset_frame" + ("_transparent" if transparency is not None else "") + ".gif"
        record(name, bytes(data), f"20x12 frame at (6, 9) on a 31x25 screen, transparency {transparency}")
    # A real animated GIF shipped with scikit-image (4 kB).
    with open(os.path.join(DATA, "no_time_for_that_tiny.gif"), "rb") as f:
        record("gif/skimage_no_time_for_that_tiny.gif", f.read(), "scikit-image's animated GIF, first frame")
    # A large image whose LZW table fills to 4096 codes.
    big = photo("coffee.png", (64, 48)).quantize(colors=256)
    buf = io.BytesIO()
    big.save(buf, "GIF")
    record("gif/full_table.gif", buf.getvalue(), "256 colors, LZW table fills")


# MARK: - BMP

def bmp(width, height, bits, rows, palette=None, compression=0, masks=None, header=40, top_down=False):
    """rows: encoded pixel data, already in file order and padded."""
    pal = b""
    if palette is not None:
        pal = b"".join(bytes([b, g, r]) + (b"" if header == 12 else b"\x00") for r, g, b in palette)
    extra = b""
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        h = -height if top_down else height
        info = struct.pack("<IiiHHIIiiII", header, width, h, 1, bits, compression, len(rows), 2835, 2835,
                           len(palette) if palette else 0, 0)
        if header >= 52:
            info += struct.pack("<III", *masks[:3]) + (struct.pack("<I", masks[3]) if header >= 56 else b"")
            info += b"\x00" * (header - len(info))
        elif masks is not None:
            extra = struct.pack("<III", *masks[:3])
    offset = 14 + len(info) + len(extra) + len(pal)
    return b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset) + info + extra + pal + rows


def pad4(b):
    return b + b"\x00" * (-len(b) % 4)


def make_bmps():
    w, h = 37, 23
    rgb = np.array(photo("rocket.jpg", (w, h)))
    order = list(range(h - 1, -1, -1))

    def rows(fn, top_down=False):
        return b"".join(pad4(fn(rgb[y])) for y in (range(h) if top_down else order))

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "BMP")
    record("bmp/pillow24.bmp", buf.getvalue(), "Pillow encoder, 24-bit")
    record("bmp/rgb24_topdown.bmp", bmp(w, h, 24, rows(lambda r: r[:, ::-1].tobytes(), True), top_down=True),
           "24-bit top-down")
    record("bmp/rgb32.bmp", bmp(w, h, 32, rows(lambda r: np.dstack([r[:, ::-1][None], np.full((1, w, 1), 77,
                                                                                          np.uint8)]).tobytes())),
           "32-bit BI_RGB (fourth byte ignored)")
    bgra = lambda r: np.dstack([r[:, ::-1][None], np.full((1, w, 1), 200, np.uint8)]).tobytes()
    record("bmp/rgb32_bitfields.bmp", bmp(w, h, 32, rows(bgra), compression=3,
                                          masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000), header=124),
           "32-bit BI_BITFIELDS BGRA, V5 header")
    rgba = lambda r: np.dstack([r[None], np.full((1, w, 1), 9, np.uint8)]).tobytes()
    record("bmp/rgb32_bitfields_rgba.bmp", bmp(w, h, 32, rows(rgba), compression=3,
                                               masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000), header=108),
           "32-bit BI_BITFIELDS RGBA order, V4 header")
    r16 = lambda r, sh: b"".join(struct.pack("<H", (int(p[0]) >> 3 << sh[0]) | (int(p[1]) >> sh[3] << sh[1])
                                             | (int(p[2]) >> 3)) for p in r)
    record("bmp/rgb16_555.bmp", bmp(w, h, 16, rows(lambda r: r16(r, (10, 5, 0, 3)))), "16-bit 555 (BI_RGB)")
    record("bmp/rgb16_565.bmp", bmp(w, h, 16, rows(lambda r: r16(r, (11, 5, 0, 2))), compression=3,
                                    masks=(0xF800, 0x7E0, 0x1F)), "16-bit 565 BI_BITFIELDS")
    record("bmp/rgb16_555_bitfields.bmp", bmp(w, h, 16, rows(lambda r: r16(r, (10, 5, 0, 3))), compression=3,
                                              masks=(0x7C00, 0x3E0, 0x1F)), "16-bit 555 BI_BITFIELDS")
    for bits in (1, 4, 8):
        q = Image.fromarray(rgb).quantize(colors=1 << bits)
        idx = np.array(q)
        pal = [tuple(q.getpalette()[3 * i:3 * i + 3]) for i in range(1 << bits)]
        packed = lambda r: pack_row([int(v) for v in r], bits)
        data = b"".join(pad4(packed(idx[y])) for y in order)
        record(f"bmp/palette{bits}.bmp", bmp(w, h, bits, data, palette=pal), f"{bits}-bit palette")
        if bits == 8:
            record("bmp/palette8_core.bmp", bmp(w, h, 8, data, palette=pal, header=12), "8-bit, OS/2 core header")
            short = pal[:100]
            record("bmp/palette8_short.bmp", bmp(w, h, 8, data, palette=short), "8-bit, 100-color palette")
    buf = io.BytesIO()
    Image.fromarray(rgb).convert("L").save(buf, "BMP")
    record("bmp/pillow_grey.bmp", buf.getvalue(), "Pillow encoder, 8-bit grey palette")
    # RLE8 and RLE4, hand-encoded: runs, absolute runs, end of line, a delta and end of bitmap.
    q8 = np.array(Image.fromarray(rgb).quantize(colors=256))
    q4 = np.array(Image.fromarray(rgb).quantize(colors=16))
    pal8 = Image.fromarray(rgb).quantize(colors=256).getpalette()
    pal4 = Image.fromarray(rgb).quantize(colors=16).getpalette()
    for bits, idx, pal in ((8, q8, pal8), (4, q4, pal4)):
        data = bytearray()
        for n, y in enumerate(order):
            row = [int(v) for v in idx[y]]
            x = 0
            while x < w:
                run = 1
                while x + run < w and run < 255 and row[x + run] == row[x]:
                    run += 1
                if run >= 3 or w - x < 3:
                    data += bytes([run, row[x] if bits == 8 else row[x] << 4 | row[x]])
                    x += run
                else:
                    count = min(w - x, 7)
                    while count >= 3 and len(set(row[x:x + count])) == 1:
                        count -= 1
                    lit = row[x:x + count]
                    body = bytes(lit) if bits == 8 else pack_row(lit, 4)
                    data += bytes([0, count]) + body + (b"\x00" if len(body) % 2 else b"")
                    x += count
            if n == 5:
                data += bytes([0, 2, 0, 1])  # delta: skip one row (those pixels stay index 0)
                data += bytes([0, 0])
                continue
            data += bytes([0, 0])
        data += bytes([0, 1])
        pal_t = [tuple(pal[3 * i:3 * i + 3]) for i in range(1 << bits)]
        record(f"bmp/rle{bits}.bmp", bmp(w, h, bits, bytes(data), palette=pal_t, compression=1 if bits == 8 else 2),
               f"RLE{bits} with absolute runs and a delta")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pngsuite", required=True, help="directory holding pypng's pngsuite.py")
    args = ap.parse_args()
    for d in ("png", "gif", "bmp", "ref"):
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
        for f in os.listdir(os.path.join(HERE, d)):
            os.remove(os.path.join(HERE, d, f))
    make_pngs()
    make_pngsuite(args.pngsuite)
    make_gifs()
    make_bmps()
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "numpy": np.__version__, "scikit-image": skimage.__version__,
                   "python": sys.version.split()[0], "images": manifest}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
