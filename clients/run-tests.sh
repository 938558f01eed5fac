#!/usr/bin/env bash
# Runs every client test and replays the example transcripts against the real worker.
# Usage: bash clients/run-tests.sh [path/to/clip-worker]   (default: $CLIP_WORKER_BIN, else .build/debug/clip-worker)
# Needs python3 and node; build the worker first: swift build --product clip-worker
set -euo pipefail
cd "$(dirname "$0")/.."
export CLIP_WORKER_BIN="${1:-${CLIP_WORKER_BIN:-$PWD/.build/debug/clip-worker}}"
export CLIP_WORKER_MODEL="${CLIP_WORKER_MODEL:-$PWD/Tests/CLIPTests/Fixtures/tiny-clip}"
export CLIP_WORKER_STORE=none  # never the user's real store
if [ ! -x "$CLIP_WORKER_BIN" ]; then
  echo "clip-worker not found at $CLIP_WORKER_BIN (swift build --product clip-worker)" >&2
  exit 1
fi
status=0
echo "== transcripts"
python3 clients/transcript/replay.py --worker "$CLIP_WORKER_BIN" --model "$CLIP_WORKER_MODEL" \
  protocol/examples/*.jsonl || status=1
echo "== replayer tests"
python3 -m unittest discover -s clients/transcript/tests || status=1
echo "== python client"
python3 -m unittest discover -s clients/python/tests || status=1
echo "== node client"
(cd clients/node && node --test test/*.test.js) || status=1
exit $status
