#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Tests/Fuzz and runs each for a bounded time. See Tests/Fuzz/README.md.
#
#   bash Tests/Fuzz/fuzz.sh [target...] [--seconds N] [--build-only]
#
# A target is a file Tests/Fuzz/<target>.swift defining LLVMFuzzerTestOneInput; its header lines say what it needs:
#   // fuzz-modules: Inflate ImageCodecs        Sources/ modules to compile, dependencies first
#   // fuzz-support: ImageInvariants.swift      other Tests/Fuzz files compiled with the harness
#   // fuzz-seeds: <globs relative to the repository>          seed files (missing globs are skipped)
#   // fuzz-seed-strings: <json file> <key>     every string under <key> in the JSON file becomes a seed
#   // fuzz-options: -max_len=...               extra libFuzzer flags
# Exit status: 0 when no target found anything, 1 when some did (inputs are in the printed directory).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzz_dir=$root/Tests/Fuzz
build=${FUZZ_BUILD_DIR:-$root/.build/fuzz}
seconds=60
build_only=0
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  for file in "$fuzz_dir"/*.swift; do
    grep -q '^@_cdecl("LLVMFuzzerTestOneInput")' "$file" && targets+=("$(basename "$file" .swift)")
  done
fi

# Flags every object is compiled with: libFuzzer's coverage instrumentation and AddressSanitizer, optimized as
# the worker is.
swift_flags=(-sanitize=fuzzer,address -parse-as-library -O -package-name clip_worker)

# Modules that need flags of their own, as in Package.swift (the int8 kernels reach `Builtin`; built portable here,
# without their AVX-512/AVX2 kernels, which Kernels then does not call).
declare -A module_flags=([KernelIntrinsics]="-parse-stdlib" [KernelIntrinsicsAVX2]="-parse-stdlib")

# The values of a header line (all lines with that key, joined).
header() { sed -n "s|^// $2: ||p" "$fuzz_dir/$1.swift" | tr '\n' ' '; }

# Swift's gold linker warns about every ASan helper symbol; those lines are noise.
quiet_link() { "$@" 2> >(grep -v "Cannot export local symbol" >&2); }

# Compiles Sources/<module> into one object and its .swiftmodule, unless they are newer than its sources and
# none of the modules it depends on (`$2` = 1) was just recompiled.
declare -A built=()
build_module() {
  local module=$1 upstream_changed=$2 out=$build/modules/$1.o stale=0
  [[ -n ${built[$module]:-} ]] && return
  ((upstream_changed)) && stale=1
  [[ ! -f $out ]] && stale=1
  [[ -f $out && -n $(find "$root/Sources/$module" -name '*.swift' -newer "$out" | head -1) ]] && stale=1
  if ((stale)); then
    echo "compiling $module" >&2
    mkdir -p "$build/modules"
    local sources=()
    while IFS= read -r file; do sources+=("$file"); done < <(find "$root/Sources/$module" -name '*.swift' | sort)
    # shellcheck disable=SC2086
    swiftc "${swift_flags[@]}" ${module_flags[$module]:-} -wmo -module-name "$module" -I "$build/modules" \
      -emit-module -emit-module-path "$build/modules/$module.swiftmodule" -c "${sources[@]}" -o "$out"
    built[$module]=rebuilt
  else
    built[$module]=fresh
  fi
}

build_target() {
  local target=$1 objects=() support=() upstream_changed=0
  for module in $(header "$target" fuzz-modules); do
    build_module "$module" "$upstream_changed"
    [[ ${built[$module]} == rebuilt ]] && upstream_changed=1
    objects+=("$build/modules/$module.o")
  done
  for file in $(header "$target" fuzz-support); do support+=("$fuzz_dir/$file"); done
  local binary=$build/bin/$target
  if [[ -f $binary ]] && [[ -z $(find "${objects[@]}" "$fuzz_dir/$target.swift" "${support[@]}" -newer "$binary") ]]
  then return; fi
  echo "linking $target" >&2
  mkdir -p "$build/bin"
  quiet_link swiftc "${swift_flags[@]}" -module-name "Fuzz_$target" -I "$build/modules" \
    "${objects[@]}" "$fuzz_dir/$target.swift" "${support[@]}" -o "$build/bin/$target"
}

# Fills $build/seeds/<target> afresh from the fixtures the header names.
seed_target() {
  local target=$1 seeds=$build/seeds/$1
  rm -rf "$seeds"; mkdir -p "$seeds"
  (cd "$root" && shopt -s nullglob && for file in $(header "$target" fuzz-seeds); do
    [[ -f $file ]] && cp "$file" "$seeds/$(echo "$file" | tr '/' '_')"
  done)
  read -r json key <<<"$(header "$target" fuzz-seed-strings)" || true
  if [[ -n ${json:-} ]]; then
    python3 - "$root/$json" "$key" "$seeds" <<'PY'
import json, sys
def strings(value, key):
  if isinstance(value, dict):
    for k, v in value.items():
      if k == key and isinstance(v, str): yield v
      else: yield from strings(v, key)
  elif isinstance(value, list):
    for v in value: yield from strings(v, key)
for n, text in enumerate(strings(json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2])):
  open(f"{sys.argv[3]}/string-{n}", "wb").write(text.encode("utf-8"))
PY
  fi
  ls "$seeds" | wc -l
}

for target in "${targets[@]}"; do
  [[ -f $fuzz_dir/$target.swift ]] || { echo "fuzz.sh: no harness $fuzz_dir/$target.swift" >&2; exit 2; }
  build_target "$target"
done
((build_only)) && exit 0

artifacts=$(mktemp -d "${TMPDIR:-/tmp}/clip-fuzz.XXXXXX")
summary=()
found=0
for target in "${targets[@]}"; do
  seed_count=$(seed_target "$target")
  corpus=$build/corpus/$target
  mkdir -p "$corpus" "$artifacts/$target"
  log=$artifacts/$target.log
  echo "fuzzing $target for ${seconds}s ($seed_count seeds, corpus $corpus)" >&2
  # -rss_limit_mb bounds the process, -malloc_limit_mb (per target) any single allocation: the decoders check
  # their limits before allocating, so one beyond it is a bug. -timeout=10 reports an input that takes >10 s.
  # shellcheck disable=SC2046
  "$build/bin/$target" "$corpus" "$build/seeds/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/$target/" $(header "$target" fuzz-options) \
    >"$log" 2>&1 || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  count=$(find "$artifacts/$target" -type f | wc -l)
  ((count > 0)) && found=1
  summary+=("$(printf '%-10s %12s runs %8s exec/s %6s corpus %3s artifacts' "$target" "${runs:-?}" "${rate:-?}" \
    "$(ls "$corpus" | wc -l)" "$count")")
done

echo
echo "fuzzing summary (${seconds}s per target; logs and artifacts in $artifacts)"
printf '  %s\n' "${summary[@]}"
if ((found)); then
  echo "artifacts (reproduce with: $build/bin/<target> <file>):"
  find "$artifacts" -mindepth 2 -type f | sed 's/^/  /'
  exit 1
fi
