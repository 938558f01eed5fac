#!/usr/bin/env python3
"""Writes the JPEG and EXIF fixtures of ImageCodecsTests and the pixels Pillow decodes from them.

Run from anywhere: python3 Tests/ImageCodecsTests/Fixtures/make_jpeg_fixtures.py
Deterministic: fixed crops of scikit-image's sample photos, no randomness. Needs Pillow, numpy, scipy and
scikit-image; no apt packages (libjpeg-turbo-progs is not installable here, so variants Pillow cannot write
-- 4:4:0, 4:1:1, 4:1:0, SOF1, Adobe YCCK, plain CMYK, 'RGB' component ids, non-interleaved baseline -- are
written by the small baseline encoder below, and only decoded by Pillow).

Output, in Fixtures/jpeg/:
  <name>.jpg           the test image
  <name>.rgb           Pillow's Image.open(f).convert("RGB") pixels, raw interleaved RGB8
  <name>.upright.rgb   for cases with an orientation (EXIF, or XMP tiff:Orientation without an EXIF entry):
                       ImageOps.exif_transpose(im).convert("RGB"), what transformers' load_image gives
  manifest.json        name, size, Pillow's mode, orientation and upright size of each case, and the
                       versions used (Pillow 13.0.0 with libjpeg-turbo 3.2.0 when last run)

Also written: scans cut short by EOI (Pillow decodes them, libjpeg pads with zero bits), and progressive
files whose scans stop early (Pillow then applies libjpeg's block smoothing). Truncated and corrupt files
are made by the Swift tests themselves from these fixtures.
"""
import io
import json
import os
import struct

import numpy as np
import PIL
import scipy
import skimage
import skimage.data
from PIL import Image, ImageOps, features
from scipy.fft import dctn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jpeg")


# ---------------------------------------------------------------------------------------------------------
# Sources: small crops of real photos, odd sizes so that edge blocks and partial MCUs are exercised.

def source(name, size, box=None):
    loader = {"astronaut": skimage.data.astronaut, "chelsea": skimage.data.chelsea,
              "coffee": skimage.data.coffee, "rocket": skimage.data.rocket}[name]
    im = Image.fromarray(loader()).convert("RGB")
    if box:
        im = im.crop(box)
    return im.resize(size, Image.Resampling.BICUBIC)


# ---------------------------------------------------------------------------------------------------------
# A minimal baseline Huffman encoder (standard Annex K tables) for the variants Pillow cannot write.

STD_LUMA_Q = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
              14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
              92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
STD_CHROMA_Q = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
                47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32
DC_LUMA = ([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], list(range(12)))
DC_CHROMA = ([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], list(range(12)))
AC_LUMA = ([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d], bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293"
    "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6"
    "e7e8e9eaf1f2f3f4f5f6f7f8f9fa"))
AC_CHROMA = ([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77], bytes.fromhex(
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a2627"
    "28292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a"
    "92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5"
    "e6e7e8e9eaf2f3f4f5f6f7f8f9fa"))
ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,
          6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45,
          38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]


def scaled_q(table, quality):
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return [min(max((q * scale + 50) // 100, 1), 255) for q in table]


def huff_codes(spec):
    counts, symbols = spec
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(counts[length - 1]):
            codes[symbols[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class BitWriter:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, value, length):
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc, self.n = 0, 0

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)


def category(v):
    return 0 if v == 0 else int(abs(v)).bit_length()


def encode_block(bw, zz, pred, dc_codes, ac_codes):
    diff = zz[0] - pred
    s = category(diff)
    bw.put(*dc_codes[s])
    if s:
        bw.put(diff if diff > 0 else diff + (1 << s) - 1, s)
    run = 0
    for k in range(1, 64):
        v = zz[k]
        if v == 0:
            run += 1
            continue
        while run > 15:
            bw.put(*ac_codes[0xF0])
            run -= 16
        s = category(v)
        bw.put(*ac_codes[(run << 4) | s])
        bw.put(v if v > 0 else v + (1 << s) - 1, s)
        run = 0
    if run:
        bw.put(*ac_codes[0x00])
    return zz[0]


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def encode(planes, sampling, ids, quality=85, sof=0xC0, app=b"", restart=0, interleaved=True):
    """Baseline-encodes full-resolution component planes (already in the JPEG colour space) with the given
    (h, v) sampling factors; component 0 uses the luma tables, the others the chroma tables."""
    height, width = planes[0].shape
    max_h, max_v = max(h for h, _ in sampling), max(v for _, v in sampling)
    mcus_x, mcus_y = -(-width // (8 * max_h)), -(-height // (8 * max_v))
    qts = [scaled_q(STD_LUMA_Q, quality), scaled_q(STD_CHROMA_Q, quality)]
    comps = []
    for i, (plane, (h, v)) in enumerate(zip(planes, sampling)):
        fx, fy = max_h // h, max_v // v
        padded = np.pad(plane.astype(np.float64), ((0, mcus_y * 8 * max_v - height), (0, mcus_x * 8 * max_h - width)),
                        mode="edge")
        down = padded.reshape(padded.shape[0] // fy, fy, padded.shape[1] // fx, fx).mean(axis=(1, 3))
        q = np.array(qts[min(i, 1)], dtype=np.float64).reshape(8, 8)
        comp_w, comp_h = -(-width * h // max_h), -(-height * v // max_v)
        blocks = {}
        for by in range(down.shape[0] // 8):
            for bx in range(down.shape[1] // 8):
                coef = dctn(down[by * 8:by * 8 + 8, bx * 8:bx * 8 + 8] - 128, norm="ortho")
                quant = np.round(coef / q).astype(int).ravel()
                blocks[(by, bx)] = [int(quant[ZIGZAG[k]]) for k in range(64)]
        comps.append(dict(h=h, v=v, blocks=blocks, tq=min(i, 1), w=comp_w, h_px=comp_h))
    out = bytearray(b"\xff\xd8") + app
    for t in range(min(len(planes), 2)):
        out += segment(0xDB, bytes([t]) + bytes(qts[t][ZIGZAG[k]] for k in range(64)))
    sof_payload = struct.pack(">BHHB", 8, height, width, len(planes))
    for cid, c in zip(ids, comps):
        sof_payload += bytes([cid, (c["h"] << 4) | c["v"], c["tq"]])
    out += segment(sof, sof_payload)
    for t, (dc, ac) in enumerate([(DC_LUMA, AC_LUMA), (DC_CHROMA, AC_CHROMA)][:min(len(planes), 2)]):
        out += segment(0xC4, bytes([t]) + bytes(dc[0]) + bytes(dc[1]))
        out += segment(0xC4, bytes([0x10 | t]) + bytes(ac[0]) + bytes(ac[1]))
    if restart:
        out += segment(0xDD, struct.pack(">H", restart))
    codes = [(huff_codes(DC_LUMA), huff_codes(AC_LUMA)), (huff_codes(DC_CHROMA), huff_codes(AC_CHROMA))]
    scans = [list(range(len(planes)))] if interleaved else [[i] for i in range(len(planes))]
    for scan in scans:
        header = bytes([len(scan)])
        for i in scan:
            header += bytes([ids[i], (comps[i]["tq"] << 4) | comps[i]["tq"]])
        out += segment(0xDA, header + bytes([0, 63, 0]))
        bw = BitWriter()
        preds = {i: 0 for i in scan}
        if len(scan) == 1:
            c = comps[scan[0]]
            units = [[(scan[0], by, bx)] for by in range(-(-c["h_px"] // 8)) for bx in range(-(-c["w"] // 8))]
        else:
            units = [[(i, my * comps[i]["v"] + y, mx * comps[i]["h"] + x) for i in scan
                      for y in range(comps[i]["v"]) for x in range(comps[i]["h"])]
                     for my in range(mcus_y) for mx in range(mcus_x)]
        for n, unit in enumerate(units):
            if restart and n and n % restart == 0:
                bw.flush()
                bw.out += bytes([0xFF, 0xD0 + (n // restart - 1) % 8])
                preds = {i: 0 for i in scan}
            for i, by, bx in unit:
                dc, ac = codes[comps[i]["tq"]]
                preds[i] = encode_block(bw, comps[i]["blocks"][(by, bx)], preds[i], dc, ac)
        bw.flush()
        out += bw.out
    return bytes(out + b"\xff\xd9")


def ycbcr(im):
    """JFIF RGB -> YCbCr in floating point (the encoder's precision does not matter: Pillow decodes)."""
    a = np.asarray(im.convert("RGB"), dtype=np.float64)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    return [np.clip(np.round(p), 0, 255) for p in (y, cb, cr)]


JFIF = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")


def adobe(transform):
    return segment(0xEE, b"Adobe" + struct.pack(">HHHB", 100, 0, 0, transform))


# ---------------------------------------------------------------------------------------------------------

def pillow_save(im, **kw):
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def exif_bytes(orientation, big_endian):
    """An APP1 EXIF payload whose IFD0 holds Make and Orientation (none if orientation is None), written by
    hand in either byte order."""
    e = ">" if big_endian else "<"
    make = b"clip-worker\0"
    count = 1 if orientation is None else 2
    ifd = struct.pack(e + "H", count)
    ifd += struct.pack(e + "HHII", 0x010F, 2, len(make), 8 + 2 + count * 12 + 4)
    if orientation is not None:
        ifd += struct.pack(e + "HHIH2x", 0x0112, 3, 1, orientation)
    ifd += struct.pack(e + "I", 0)
    tiff = (b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", 8) + ifd + make
    return b"Exif\0\0" + tiff


def cases():
    astro = source("astronaut", (33, 17), (100, 20, 400, 200))
    cat = source("chelsea", (64, 48))
    coffee = source("coffee", (47, 31))
    rocket = source("rocket", (40, 57))
    for q, sub in [(75, "4:2:0"), (90, "4:2:2"), (95, "4:4:4")]:
        yield f"astronaut_q{q}_{sub.replace(':', '')}", pillow_save(astro, quality=q, subsampling=sub)
    for sub in ["4:4:4", "4:2:2", "4:2:0"]:
        yield f"chelsea_{sub.replace(':', '')}", pillow_save(cat, quality=85, subsampling=sub)
        yield f"coffee_progressive_{sub.replace(':', '')}", pillow_save(coffee, quality=88, subsampling=sub,
                                                                        progressive=True)
    yield "rocket_optimize", pillow_save(rocket, quality=80, optimize=True)
    yield "rocket_progressive_optimize", pillow_save(rocket, quality=60, optimize=True, progressive=True)
    # Scan data cut short by EOI: libjpeg pads the missing data with zero bits and Pillow accepts the file.
    full = pillow_save(cat, quality=85, subsampling="4:2:0")
    sos = full.index(b"\xff\xda")
    yield "chelsea_420_early_eoi", full[:(sos + len(full)) // 2] + b"\xff\xd9"
    full = pillow_save(cat, quality=85, subsampling="4:2:0", restart_marker_blocks=2)
    sos = full.index(b"\xff\xda")
    yield "chelsea_restart_early_eoi", full[:(sos + len(full)) // 2] + b"\xff\xd9"
    # Progressive scans ending early (EOI at a scan boundary or inside a scan): Pillow decodes them with
    # libjpeg's block smoothing of the missing low-frequency coefficients.
    for name, im, sub in [("coffee", coffee, "4:2:0"), ("chelsea", cat, "4:4:4")]:
        full = pillow_save(im, quality=85, progressive=True, subsampling=sub)
        sos = [i for i in range(len(full) - 1) if full[i] == 0xFF and full[i + 1] == 0xDA]
        for n in [1, 2, 4, 6]:
            yield f"{name}_progressive_{n}scans", full[:sos[n]] + b"\xff\xd9"
        yield f"{name}_progressive_cut_in_scan3", full[:(sos[2] + sos[3]) // 2] + b"\xff\xd9"
    gray = pillow_save(coffee.convert("L"), quality=85, progressive=True)
    sos = [i for i in range(len(gray) - 1) if gray[i] == 0xFF and gray[i + 1] == 0xDA]
    yield "coffee_gray_progressive_2scans", gray[:sos[2]] + b"\xff\xd9"
    yield "chelsea_q100", pillow_save(cat, quality=100, subsampling="4:4:4")
    yield "chelsea_q10", pillow_save(cat, quality=10)
    yield "astronaut_restart_blocks5", pillow_save(astro, quality=85, restart_marker_blocks=5)
    yield "coffee_restart_rows1", pillow_save(coffee, quality=85, restart_marker_rows=1, subsampling="4:2:0")
    yield "coffee_progressive_restart", pillow_save(coffee, quality=85, progressive=True, restart_marker_blocks=3)
    yield "chelsea_gray", pillow_save(cat.convert("L"), quality=85)
    yield "coffee_gray_progressive", pillow_save(coffee.convert("L"), quality=85, progressive=True)
    yield "chelsea_cmyk_adobe", pillow_save(cat.convert("CMYK"), quality=90)
    yield "coffee_cmyk_progressive", pillow_save(coffee.convert("CMYK"), quality=90, progressive=True)
    yield "astronaut_keep_rgb", pillow_save(astro, quality=90, keep_rgb=True)
    for w, h in [(1, 1), (2, 2), (3, 3), (5, 3), (9, 17), (17, 9)]:
        yield f"tiny_{w}x{h}_420", pillow_save(source("chelsea", (w, h)), quality=90, subsampling="4:2:0")
    yield "tiny_2x7_422", pillow_save(source("coffee", (2, 7)), quality=90, subsampling="4:2:2")
    # Hand-encoded variants.
    y, cb, cr = ycbcr(coffee)
    for name, sampling in [("440", [(1, 2), (1, 1), (1, 1)]), ("411", [(4, 1), (1, 1), (1, 1)]),
                           ("410", [(4, 2), (1, 1), (1, 1)]), ("h2v2_c1v2", [(2, 2), (1, 2), (1, 2)]),
                           ("h1v4", [(1, 4), (1, 2), (1, 1)]), ("luma_below_chroma", [(1, 1), (2, 2), (2, 1)]),
                           ("mixed_chroma", [(2, 2), (1, 1), (2, 1)])]:
        yield f"coffee_{name}", encode([y, cb, cr], sampling, [1, 2, 3], app=JFIF)
    for w, h in [(3, 7), (2, 9)]:
        yc, cbc, crc = ycbcr(source("rocket", (w, h)))
        yield f"tiny_{w}x{h}_440", encode([yc, cbc, crc], [(1, 2), (1, 1), (1, 1)], [1, 2, 3], app=JFIF)
    yield "coffee_sof1", encode([y, cb, cr], [(2, 2), (1, 1), (1, 1)], [1, 2, 3], sof=0xC1, app=JFIF)
    yield "coffee_noninterleaved", encode([y, cb, cr], [(2, 1), (1, 1), (1, 1)], [1, 2, 3], app=JFIF,
                                          interleaved=False)
    yield "coffee_restart_411", encode([y, cb, cr], [(4, 1), (1, 1), (1, 1)], [1, 2, 3], app=JFIF, restart=2)
    yield "coffee_no_jfif_ids123", encode([y, cb, cr], [(2, 2), (1, 1), (1, 1)], [1, 2, 3])
    rgb = [np.asarray(coffee, dtype=np.float64)[..., i] for i in range(3)]
    yield "coffee_adobe_rgb", encode(rgb, [(1, 1)] * 3, [1, 2, 3], app=adobe(0))
    yield "coffee_ids_rgb", encode(rgb, [(1, 1)] * 3, [82, 71, 66])
    yield "coffee_adobe_ycc", encode([y, cb, cr], [(2, 1), (1, 1), (1, 1)], [1, 2, 3], app=adobe(1))
    k = np.tile(np.linspace(0, 200, coffee.width), (coffee.height, 1))
    yield "coffee_adobe_ycck", encode([y, cb, cr, k], [(2, 2), (1, 1), (1, 1), (2, 2)], [1, 2, 3, 4],
                                      app=adobe(2))
    cmyk = [np.asarray(coffee.convert("CMYK"), dtype=np.float64)[..., i] for i in range(4)]
    yield "coffee_cmyk_no_adobe", encode(cmyk, [(1, 1)] * 4, [1, 2, 3, 4])
    yield "coffee_cmyk_adobe_420", encode([255 - p for p in cmyk], [(2, 2), (1, 1), (1, 1), (2, 2)], [1, 2, 3, 4],
                                          app=adobe(0))
    # EXIF orientations, both byte orders.
    for orientation in range(1, 9):
        big = orientation % 2 == 0
        yield f"exif_orientation{orientation}", pillow_save(astro, quality=90, exif=exif_bytes(orientation, big))
    # XMP tiff:Orientation, which exif_transpose uses when the EXIF data has no orientation entry.
    def xmp(orientation, element):
        value = (f"<tiff:Orientation>{orientation}</tiff:Orientation>" if element
                 else f'<rdf:Description tiff:Orientation="{orientation}"/>')
        return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>' + value
                + "</rdf:Description></rdf:RDF></x:xmpmeta>").encode()
    yield "xmp_orientation6_attribute", pillow_save(astro, quality=90, xmp=xmp(6, False))
    yield "xmp_orientation3_element", pillow_save(astro, quality=90, xmp=xmp(3, True))
    yield "xmp_orientation8_exif_without", pillow_save(astro, quality=90, xmp=xmp(8, False),
                                                       exif=exif_bytes(None, False))
    yield "xmp_orientation5_exif_says1", pillow_save(astro, quality=90, xmp=xmp(5, True),
                                                     exif=exif_bytes(1, True))


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "generator": "make_jpeg_fixtures.py",
        "versions": {"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
                     "numpy": np.__version__, "scipy": scipy.__version__, "scikit-image": skimage.__version__},
        "cases": [],
    }
    for name, data in cases():
        with open(os.path.join(OUT, name + ".jpg"), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        rgb = im.convert("RGB")
        with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
            f.write(rgb.tobytes())
        case = {"name": name, "width": rgb.width, "height": rgb.height, "mode": im.mode}
        orientation = im.getexif().get(0x0112)
        if orientation is not None:
            upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
            with open(os.path.join(OUT, name + ".upright.rgb"), "wb") as f:
                f.write(upright.tobytes())
            case.update(orientation=orientation, uprightWidth=upright.width, uprightHeight=upright.height)
        manifest["cases"].append(case)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
