#!/usr/bin/env bash
# Runs every client test against the INSTALLED packages, and replays the example transcripts, with the real worker.
# Usage: bash clients/run-tests.sh [path/to/clip-worker]
#   (default: $CLIP_WORKER_EXE, else $CLIP_WORKER_BIN, else .build/debug/clip-worker)
# Needs python3 (setuptools; numpy, Pillow, transformers and ray[data] for the optional suites) and node with npm;
# tsc (Debian's node-typescript) for the declaration check. Build the worker first:
#   swift build --product clip-worker
# CLIP_WORKER_REQUIRE_RAY=1 / CLIP_WORKER_REQUIRE_TSC=1 turn a missing Ray / tsc into a failure (CI sets both).
set -euo pipefail
cd "$(dirname "$0")/.."
export CLIP_WORKER_EXE="${1:-${CLIP_WORKER_EXE:-${CLIP_WORKER_BIN:-$PWD/.build/debug/clip-worker}}}"
export CLIP_WORKER_BIN="$CLIP_WORKER_EXE"  # the older name, still read by the replayer
export CLIP_WORKER_MODEL="${CLIP_WORKER_MODEL:-$PWD/Tests/CLIPTests/Fixtures/tiny-clip}"
if [ ! -x "$CLIP_WORKER_EXE" ]; then
  echo "clip-worker not found at $CLIP_WORKER_EXE (swift build --product clip-worker)" >&2
  exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Nothing the tests start may write to the user's caches: the embedding store (issue 16) goes to the scratch folder.
export CLIP_WORKER_STORE="$scratch/store"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INDEX=1
status=0

echo "== transcripts"
python3 clients/transcript/replay.py --worker "$CLIP_WORKER_EXE" --model "$CLIP_WORKER_MODEL" \
  protocol/examples/*.jsonl || status=1
echo "== replayer tests"
python3 -m unittest discover -s clients/transcript/tests || status=1

echo "== python package: a wheel, and pip install of the folder (offline: --no-build-isolation)"
cp -r clients/python "$scratch/source"  # Built from a copy: setuptools writes build/ and *.egg-info beside it.
python3 -m pip wheel -q --no-build-isolation --no-deps -w "$scratch/dist" "$scratch/source"
python3 -m pip install -q --no-deps --target "$scratch/site" "$scratch"/dist/clip_worker-*.whl
python3 -m pip install -q --no-build-isolation --no-deps --target "$scratch/site-from-folder" "$scratch/source"
for site in "$scratch/site" "$scratch/site-from-folder"; do
  PYTHONPATH="$site" python3 -c 'import clip_worker, sys
assert clip_worker.__file__.startswith(sys.argv[1]), clip_worker.__file__
print("installed", clip_worker.__version__, "in", sys.argv[1])' "$site"
  test -f "$site/clip_worker/py.typed"
done
echo "== python client (the installed wheel)"
PYTHONPATH="$scratch/site" CLIP_WORKER_PACKAGE_DIR="$scratch/site" \
  python3 -m unittest discover -s clients/python/tests || status=1

echo "== node client (and the packed package in a temporary project)"
(cd clients/node && node --test test/*.test.js) || status=1
exit $status
