"""A stand-in for clip-worker speaking the same wire, for what the tiny checkpoint cannot show: `$/progress`
during a download, and `cached` in the shape issue 16 introduces ("memory" | "store" | false).

Run as `python3 fake_worker.py --model ANYTHING`; it answers initialize (with three progress reports first when
asked), encodeText (zero vectors of dim 4, cached = ["memory", "store", false, ...]), shutdown and exit.
"""

import base64
import json
import sys


def send(message):
  sys.stdout.write(json.dumps(message) + "\n")
  sys.stdout.flush()


def main():
  sys.stderr.write("fake-worker: ready\n")
  sys.stderr.flush()
  for line in sys.stdin:
    message = json.loads(line)
    method, params, request_id = message.get("method"), message.get("params") or {}, message.get("id")
    if method == "initialize":
      if (params.get("capabilities") or {}).get("progress"):
        for done in (0, 512, 1024):
          send({"jsonrpc": "2.0", "method": "$/progress",
                "params": {"token": "download", "file": "model.safetensors", "bytesDone": done, "bytesTotal": 1024}})
      send({"jsonrpc": "2.0", "id": request_id, "result": {"model": {"id": "fake", "embeddingDim": 4}}})
    elif method == "encodeText":
      count = len(params["texts"])
      sources = (["memory", "store", False] * count)[:count]
      row = base64.b64encode(bytes(16)).decode("ascii")
      send({"jsonrpc": "2.0", "id": request_id,
            "result": {"embeddings": [row] * count, "dim": 4, "model": "fake", "cached": sources}})
    elif method == "shutdown":
      send({"jsonrpc": "2.0", "id": request_id, "result": None})
    elif method == "exit":
      return 0
    elif request_id is not None:
      send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "no", "data": {"method": method}}})
  return 0


if __name__ == "__main__":
  sys.exit(main())
