#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (Fuzz/corpus/<target>/): small valid files of every format,
so libFuzzer starts from inputs that reach deep into each decoder. Run from the repository root; needs numpy, and
cjpeg (Debian libjpeg-turbo-progs) for the JPEG seeds."""
import gzip, io, json, os, sqlite3, struct, sys, zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from ranet_store import schema  # noqa: E402


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


rng = np.random.default_rng(0)
f32 = lambda *s: rng.standard_normal(s).astype("<f4")
put("safetensors", "f32", safetensors({"a.weight": ("F32", f32(2, 3)), "b": ("F32", f32(1))}, {"k": "v"}))
put("safetensors", "mixed", safetensors({
    "h": ("F16", rng.standard_normal(4).astype("<f2")), "d": ("F64", rng.standard_normal(2).astype("<f8")),
    "i": ("I64", np.arange(3, dtype="<i8")), "u": ("U8", np.arange(5, dtype="u1")),
    "bf": ("BF16", np.arange(2, dtype="<u2")), "bool": ("BOOL", np.array([1, 0], dtype="u1"))}))
put("safetensors", "empty", safetensors({}, {"format": "pt"}))

logits = f32(2, 3, 4)
labels = np.array([0, 3, 1], dtype="<i8")
put("logits", "logits", safetensors({"logits": ("F32", logits), "labels": ("I64", labels)}, {"kind": "logits"}))
probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
put("logits", "probs", safetensors({"probabilities": ("F32", probs.astype("<f4")), "labels": ("I64", labels)}))


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


put("npy", "f4", npy(f32(2, 3, 4)))
put("npy", "i8", npy(np.array([0, 3, 1], dtype="<i8")))
put("npy", "f2", npy(rng.standard_normal(5).astype("<f2")))
put("npy", "bool", npy(np.array([True, False])))


def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


images = idx([3, 4, 4], rng.integers(0, 256, 48))
label_file = idx([3], [0, 1, 2])
put("idx", "images", images)
put("idx", "labels", label_file)
put("idx-gzip", "images.gz", gzip.compress(images, mtime=0))
put("idx-gzip", "labels.gz", gzip.compress(label_file, mtime=0))
put("idx-gzip", "two-members.gz", gzip.compress(images[:20], mtime=0) + gzip.compress(images[20:], mtime=0))

put("cifar", "cifar10", b"".join(bytes([i % 10]) + bytes(rng.integers(0, 256, 3072).tolist()) for i in range(2)))
put("cifar", "cifar100", bytes([1, 42]) + bytes(rng.integers(0, 256, 3072).tolist()))


def png(width, height, color_type, rows, palette=None, bit_depth=8):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes(row) for row in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette:
        out += chunk(b"PLTE", bytes(palette))
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


put("png", "grey", png(4, 4, 0, [[x * 60 for x in range(4)] for _ in range(4)]))
put("png", "rgb", png(3, 2, 2, [[10, 20, 30] * 3, [200, 100, 0] * 3]))
put("png", "rgba", png(2, 2, 6, [[1, 2, 3, 255, 4, 5, 6, 0]] * 2))
put("png", "palette", png(2, 2, 3, [[0, 1], [1, 0]], palette=[255, 0, 0, 0, 0, 255]))


def jpeg(width, height, channels, flags):
    """A JPEG of a gradient, written by libjpeg-turbo's cjpeg (libjpeg-turbo-progs) from a PPM/PGM."""
    import subprocess
    magic = b"P6" if channels == 3 else b"P5"
    pixels = bytes((x * 37 + y * 11 + c * 80) % 256 for y in range(height) for x in range(width) for c in range(channels))
    netpbm = magic + b"\n%d %d\n255\n" % (width, height) + pixels
    return subprocess.run(["cjpeg"] + flags, input=netpbm, capture_output=True, check=True).stdout


put("jpeg", "grey", jpeg(8, 8, 1, []))
put("jpeg", "rgb", jpeg(16, 12, 3, ["-quality", "90"]))
put("jpeg", "progressive", jpeg(17, 9, 3, ["-progressive"]))
put("jpeg", "subsampled-odd", jpeg(23, 31, 3, ["-sample", "2x2", "-optimize"]))

ranet = {"nChannels": 4, "growthRate": 4, "grFactor": [2, 1], "bnFactor": [2, 1], "scaleList": [1, 2], "nBlocks": 1,
         "blockStep": 2, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5, "classes": 4,
         "stem": "cifar", "input": [1, 12, 12]}
msdnet = {"arch": "msdnet", "nBlocks": 2, "stepMode": "even", "step": 1, "base": 1, "nChannels": 4, "growthRate": 4,
          "grFactor": [1, 2], "bnFactor": [1, 2], "classes": 4, "input": [1, 12, 12]}
put("config", "ranet.json", json.dumps(ranet).encode())
put("config", "msdnet.json", json.dumps(msdnet).encode())
put("config", "ranet-lg.json", json.dumps(dict(ranet, stepMode="lg", arch="ranet")).encode())

themes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "themes")
for name in sorted(os.listdir(themes)):
    if name.endswith(".theme"):
        put("theme", name, open(os.path.join(themes, name), "rb").read())
put("theme", "comments", b'# a comment\nbackground = ""   # empty\ntheme[title] = "#88C0D0"\n')


def store(path, page_size=512, rows=True):
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size = %d" % page_size)
    for sql in schema.MIGRATIONS:
        con.executescript(sql)
    con.execute("PRAGMA application_id = %d" % schema.APPLICATION_ID)
    con.execute("PRAGMA user_version = %d" % schema.SCHEMA_VERSION)
    if rows:
        con.execute("""INSERT INTO runs (name, architecture, config_json, dataset, train_size, validation_size,
            test_size, hyper_parameters_json, seed, status, created_at, updated_at, heartbeat_at, epochs_planned,
            epochs_done) VALUES ('r', 'ranet', '{}', 'fashion-mnist', 1, 1, 1, '{}', 0, 'finished', 0, 0, 0, 1, 1)""")
    con.commit()
    con.close()
    data = open(path, "rb").read()
    os.remove(path)
    return data


tmp = os.path.join(ROOT, "tmp.sqlite")
put("store-file", "ranet-store", store(tmp))
put("store-file", "empty-store", store(tmp, rows=False))
con = sqlite3.connect(tmp)
con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
con.commit()
con.close()
put("store-file", "foreign", open(tmp, "rb").read())
os.remove(tmp)
put("store-file", "not-sqlite", b"my thesis notes\n")
