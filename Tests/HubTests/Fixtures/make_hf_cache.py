"""Writes Fixtures/hf_cache: a Hub cache laid out by huggingface_hub itself, for the Swift resolver to read.

huggingface_hub's `hf_hub_download` (the function `transformers`' `from_pretrained` calls) downloads a tiny
repository from a loopback stand-in of the Hub, so the refs/, blobs/ and snapshots/ symlinks below are exactly
what Python writes on a real machine. The stand-in answers like huggingface.co: small files with `ETag` and
`X-Repo-Commit`; the weights (an LFS file) with a 302 to a "CDN" on another port, carrying `X-Linked-Etag`/`X-Linked-Size`.
One file the repository lacks (vocab.json) is asked for too, so `.no_exist/` is written as Python writes it.

Run from anywhere: python3 Tests/HubTests/Fixtures/make_hf_cache.py
Ran with: huggingface_hub 2.4.0 (transformers 5.24.0). Deterministic: fixed contents and commit hash.
"""
import hashlib
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "hf_cache"
REPO = "tiny-org/tiny-clip"
COMMIT = "f00dfacef00dfacef00dfacef00dfacef00dface"
FILES = {
    "config.json": b'{"model_type": "clip", "projection_dim": 8}\n',
    "preprocessor_config.json": b'{"crop_size": {"height": 224, "width": 224}}\n',
    "tokenizer.json": b'{"model": {"type": "BPE"}}\n',
    "tokenizer_config.json": b'{"model_max_length": 77}\n',
    "model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
}
LFS = {"model.safetensors"}
CDN_PORT = [0]  # the "CDN" is a second server: another origin, as cdn-lfs is for huggingface.co


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hub(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, body: bool):
        if self.path.startswith("/cdn/"):
            name = self.path[len("/cdn/"):]
            self.send(200, FILES[name], [("ETag", f'"{sha256(FILES[name])}"')], body)
            return
        prefix = f"/{REPO}/resolve/"
        revision, _, name = self.path[len(prefix):].partition("/")
        if not self.path.startswith(prefix) or revision not in ("main", COMMIT):
            self.send(404, b"", [("X-Error-Code", "RevisionNotFound")], body)
        elif name not in FILES:
            self.send(404, b"", [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", COMMIT)], body)
        elif name in LFS:
            data = FILES[name]
            self.send(302, b"", [("X-Repo-Commit", COMMIT), ("X-Linked-Etag", f'"{sha256(data)}"'),
                                 ("X-Linked-Size", str(len(data))),
                                 ("Location", f"http://127.0.0.1:{CDN_PORT[0]}/cdn/{name}")], body)
        else:
            data = FILES[name]
            self.send(200, data, [("X-Repo-Commit", COMMIT), ("ETag", f'"{git_sha1(data)}"')], body)

    def send(self, status, data, headers, body):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    cdn = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    CDN_PORT[0] = cdn.server_port
    for each in (server, cdn):
        threading.Thread(target=each.serve_forever, daemon=True).start()
    os.environ.update({"HF_ENDPOINT": f"http://127.0.0.1:{server.server_port}", "HF_HUB_DISABLE_XET": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "0"})
    os.environ.pop("HF_TOKEN", None)
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError

    shutil.rmtree(CACHE, ignore_errors=True)
    for name in FILES:
        huggingface_hub.hf_hub_download(REPO, name, cache_dir=CACHE, token=False)
    try:
        huggingface_hub.hf_hub_download(REPO, "vocab.json", cache_dir=CACHE, token=False)
        sys.exit("vocab.json should not exist")
    except EntryNotFoundError:
        pass
    server.shutdown()
    cdn.shutdown()
    # Python's own offline lookup finds every file: the layout is the one transformers reads.
    for name in FILES:
        assert huggingface_hub.try_to_load_from_cache(REPO, name, cache_dir=CACHE) is not None, name
    print(f"wrote {CACHE} with huggingface_hub {huggingface_hub.__version__}")


if __name__ == "__main__":
    main()
