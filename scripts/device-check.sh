#!/usr/bin/env bash
# Device check: sppo4j on a machine's own PyTorch (an NVIDIA GPU, Python and PyTorch; no Java and
# no network needed), every figure written to one JSON file.
#
#   device-check.sh [--device gpu|cpu] [--out DIR] [--work DIR]
#                   [--torch-lib DIR [--torch-version V]] [--any-torch]
#                   [--likes smollm2-135m,qwen2.5-0.5b | --models NAME=DIR,...] [--dtypes fp32,bf16]
#                   [--train-steps N] [--skip-fixtures] [--step-timeout S]
#
# It runs from the bundle scripts/make-device-bundle.sh builds (this script, make_hf_fixtures.py, and
# payload.tar.xz holding the lean sppo.jar and a jlinked JRE 17), or from the repository
# (cluster/target/sppo-gpu.jar or sppo.jar, java on the PATH). SPPO_CMD, when set, is the command
# that runs sppo (the dry-run test: java -cp CLASSPATH io.sppo4j.cluster.cli.SppoCli).
#
# Steps: the PyTorch it finds is checked against DJL 0.35.0's (2.7.1; for a GPU built for CUDA
# 12.x, which the cu128 JNI glue needs); `sppo devices` (library, GPUs, memory, a matrix product
# checked against the CPU); a short `sppo train` with the learner on --device and rollouts on the
# CPU (weights cross as host bytes); `sppo bench llm` on a SmolLM2-135M- and a Qwen2.5-0.5B-shaped
# random checkpoint in each dtype; the transformers fixtures (make_hf_fixtures.py) compared by
# `sppo check-fixtures`. OUT gets device-check.json, logs.tar.gz and hf-fixtures.tar.gz (the
# fixtures to commit under model/src/test/resources/hf-fixtures).
#
# Exit: 0 every step passed (skipped ones are listed in the JSON); 1 a step failed; 2 bad usage;
# 3 the PyTorch found cannot serve DJL 0.35.0; 4 a command this jar lacks was skipped (incomplete).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
device=gpu
out="$PWD/device-check-out"
work=""
torch_lib=""
torch_version=""
any_torch=0
likes="smollm2-135m,qwen2.5-0.5b"
models=""
dtypes="fp32,bf16"
train_steps=20
skip_fixtures=0
step_timeout=900

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --torch-lib) torch_lib="$2"; shift 2 ;;
    --torch-version) torch_version="$2"; shift 2 ;;
    --any-torch) any_torch=1; shift ;;
    --likes) likes="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --dtypes) dtypes="$2"; shift 2 ;;
    --train-steps) train_steps="$2"; shift 2 ;;
    --skip-fixtures) skip_fixtures=1; shift ;;
    --step-timeout) step_timeout="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "device-check: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$device" == gpu || "$device" == cpu ]] || { echo "device-check: --device is gpu or cpu, not '$device'" >&2; exit 2; }

log() { echo "device-check: $*" >&2; }
command -v python3 >/dev/null || { log "error: python3 is needed (it finds PyTorch and writes the JSON)"; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="${work:-$(mktemp -d "${TMPDIR:-/tmp}/sppo4j-device-check.XXXXXX")}"
mkdir -p "$work/steps" "$work/logs"
step_number=0

# --- the program: SPPO_CMD, the bundle (unpacked on first use), or the repository's jar -------------
if [[ -f "$here/payload.tar.xz" && ! -f "$here/sppo.jar" ]]; then
  unpack="$here"
  [[ -w "$here" ]] || unpack="$work/bundle"
  if [[ ! -f "$unpack/sppo.jar" ]]; then
    log "unpacking the bundle into $unpack"
    mkdir -p "$unpack"
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$here/payload.tar.xz" "$unpack"
  fi
else
  unpack="$here"
fi
if [[ -n "${SPPO_CMD:-}" ]]; then
  read -r -a sppo_cmd <<< "$SPPO_CMD"
elif [[ -f "$unpack/sppo.jar" ]]; then
  java="$unpack/jre/bin/java"
  [[ -x "$java" ]] || java="$(command -v java || true)"
  [[ -n "$java" ]] || { log "error: no Java: neither $unpack/jre nor java on the PATH"; exit 2; }
  sppo_cmd=("$java" ${JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -jar "$unpack/sppo.jar")
else
  jar="$here/../cluster/target/sppo-gpu.jar"
  [[ -f "$jar" ]] || jar="$here/../cluster/target/sppo.jar"
  [[ -f "$jar" ]] || { log "error: no sppo.jar: build the bundle (scripts/make-device-bundle.sh) or the jar (mvn -Pgpu package)"; exit 2; }
  sppo_cmd=(java ${JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -jar "$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")")
fi
fixture_maker="$here/make_hf_fixtures.py"
[[ -f "$fixture_maker" ]] || fixture_maker="$here/../model/src/test/python/make_hf_fixtures.py"

# --- JSON helpers (python3: error texts need real escaping) --------------------------------------
elapsed() { awk -v now="$(date +%s.%N)" -v then="$1" 'BEGIN { printf "%.3f", now - then }'; }
json_get() { python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

# record NAME STATUS SECONDS [RESULT_FILE [LOG_FILE [NOTE]]]: one step's entry, in order.
record() {
  step_number=$((step_number + 1))
  python3 - "$work/steps/$(printf '%03d' "$step_number")-$1.json" "$@" <<'EOF'
import json, sys
path, name, status, seconds = sys.argv[1:5]
result_file = sys.argv[5] if len(sys.argv) > 5 else ""
log_file = sys.argv[6] if len(sys.argv) > 6 else ""
note = sys.argv[7] if len(sys.argv) > 7 else ""
entry = {"step": name, "status": status, "seconds": round(float(seconds), 3)}
result = None
if result_file:
    try:
        lines = [l for l in open(result_file, encoding="utf-8", errors="replace").read().splitlines() if l.strip()]
        for line in reversed(lines):
            try:
                result = json.loads(line)
                break
            except ValueError:
                continue
    except OSError:
        pass
entry["result"] = result
if note:
    entry["note"] = note
if status not in ("ok", "skipped") and log_file:
    try:
        entry["error"] = "\n".join(open(log_file, encoding="utf-8", errors="replace").read().splitlines()[-25:])
    except OSError:
        pass
json.dump(entry, open(path, "w"), indent=1)
EOF
}

# run_step NAME ARGS...: sppo ARGS under the step timeout; stdout's last JSON line is the result.
run_step() {
  local name="$1"; shift
  local started rc=0 status
  started=$(date +%s.%N)
  log "step $name: sppo $*"
  timeout "$step_timeout" "${sppo_cmd[@]}" "$@" >"$work/logs/$name.out" 2>"$work/logs/$name.log" || rc=$?
  status=ok
  if [[ $rc -eq 124 ]]; then status=timeout; elif [[ $rc -ne 0 ]]; then status="failed (exit $rc)"; fi
  record "$name" "$status" "$(elapsed "$started")" "$work/logs/$name.out" "$work/logs/$name.log"
  log "step $name: $status"
  return $rc
}

# has_command WORDS...: whether this jar has that (sub)command (its own usage, not its parent's).
has_command() {
  local usage
  usage="$("${sppo_cmd[@]}" "$@" --help 2>/dev/null || true)"
  [[ "$usage" == "Usage: sppo $* "* ]]
}

# finish: device-check.json from every step, logs.tar.gz, the exit code.
finish() {
  tar -czf "$out/logs.tar.gz" -C "$work" logs
  python3 - "$work/steps" "$out/device-check.json" "$work/header.json" <<'EOF'
import glob, json, os, sys
steps = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))]
header = json.load(open(sys.argv[3])) if os.path.exists(sys.argv[3]) else {}
failed = [s["step"] for s in steps if s["status"] not in ("ok", "skipped", "missing")]
missing = [s["step"] for s in steps if s["status"] == "missing"]
skipped = [s["step"] for s in steps if s["status"] == "skipped"]
status = "failed" if failed else "incomplete" if missing else "ok"
report = dict(header, status=status, failed=failed, missing=missing, skipped=skipped, steps=steps)
json.dump(report, open(sys.argv[2], "w"), indent=1)
for s in steps:
    print("device-check: %-34s %-18s %7.1f s %s" % (s["step"], s["status"], s["seconds"], s.get("note", "")), file=sys.stderr)
print("device-check: %s; %d step(s), failed %s, missing %s, skipped %s -> %s" % (status, len(steps), failed, missing, skipped, sys.argv[2]), file=sys.stderr)
sys.exit(1 if failed else 4 if missing else 0)
EOF
}

# --- the machine and its PyTorch ------------------------------------------------------------------
python3 - "$work/python-torch.json" <<'EOF'
import json, os, sys
info = {}
try:
    import torch
    info = {"version": torch.__version__, "cuda": torch.version.cuda,
            "lib": os.path.join(os.path.dirname(torch.__file__), "lib"),
            "site": os.path.dirname(os.path.dirname(torch.__file__)),
            "cuda_available": torch.cuda.is_available()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
except Exception as e:  # no torch here: the caller decides
    info = {"error": "%s: %s" % (type(e).__name__, e)}
try:
    import transformers
    info["transformers"] = transformers.__version__
except Exception as e:
    info["transformers_error"] = "%s: %s" % (type(e).__name__, e)
json.dump(info, open(sys.argv[1], "w"))
EOF
nvidia_smi=""
if command -v nvidia-smi >/dev/null; then
  nvidia_smi="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -4 || true)"
fi

site=""
if [[ -n "$torch_lib" ]]; then
  source_kind="--torch-lib"
  lib="$(cd "$torch_lib" && pwd)"
  [[ -z "$torch_version" && -f "$lib/build-version" ]] && torch_version="$(head -1 "$lib/build-version")"
  [[ -n "$torch_version" ]] || { log "error: --torch-lib $lib: give --torch-version (no build-version file there)"; exit 2; }
  version="$torch_version"
  cuda=""
  [[ -e "$lib/libtorch_cuda.so" ]] && cuda="12.x (libtorch_cuda.so present)"
elif [[ -z "$(json_get "$work/python-torch.json" error)" ]]; then
  source_kind="python3"
  lib="$(json_get "$work/python-torch.json" lib)"
  site="$(json_get "$work/python-torch.json" site)"
  version="$(json_get "$work/python-torch.json" version)"
  cuda="$(json_get "$work/python-torch.json" cuda)"
elif [[ "$device" == cpu ]]; then
  source_kind="bundled"
  lib=""
  version="2.7.1"
  cuda=""
  log "no PyTorch in python3 ($(json_get "$work/python-torch.json" error)): using DJL's CPU library bundled in the default jar;"
  log "the transformers fixtures step is skipped"
else
  log "error: no PyTorch: python3 cannot import torch ($(json_get "$work/python-torch.json" error)) and no --torch-lib was given"
  exit 3
fi

flavour=cpu
[[ -n "$cuda" ]] && flavour=cu128
python3 - "$work/header.json" "$device" "${sppo_cmd[*]}" "$source_kind" "$lib" "$version" "$cuda" "$flavour" "$nvidia_smi" "$work/python-torch.json" <<'EOF'
import json, platform, sys, time
path, device, program, source, lib, version, cuda, flavour, smi, torch_file = sys.argv[1:11]
header = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(), "machine": platform.machine(),
          "device": device, "command": program,
          "torch": {"source": source, "lib": lib or None, "version": version, "cuda": cuda or None, "flavour": flavour},
          "python": json.load(open(torch_file)), "nvidia_smi": smi or None}
json.dump(header, open(path, "w"))
EOF

# The version check: DJL 0.35.0 carries JNI glue for PyTorch 2.7.1 alone (cpu and cu128 flavours).
started=$(date +%s.%N)
if [[ "$source_kind" != bundled ]]; then
  problem=""
  if [[ "${version%%+*}" != 2.7.1* ]]; then
    problem="PyTorch $version found ($lib); DJL 0.35.0 runs PyTorch 2.7.1 only (its JNI glue is pytorch-jni 2.7.1-0.35.0): install it with pip install torch==2.7.1 --index-url https://download.pytorch.org/whl/cu128, or give --torch-lib"
  elif [[ "$device" == gpu && "$cuda" != 12* ]]; then
    problem="PyTorch $version is built for CUDA ${cuda:-none}; the cu128 JNI glue needs PyTorch 2.7.1 built for CUDA 12.x (the cu128 wheels)"
  fi
  if [[ -n "$problem" ]]; then
    if [[ $any_torch -eq 0 ]]; then
      echo "$problem" >"$work/logs/torch.log"
      record torch "failed (exit 3)" "$(elapsed "$started")" "" "$work/logs/torch.log"
      log "error: $problem"
      finish || true
      exit 3
    fi
    log "warning: $problem; going on (--any-torch): expect DJL to fail to load it"
  fi
  export PYTORCH_LIBRARY_PATH="$lib" PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR="$flavour"
  # DJL counts GPUs through libcudart, loaded by JNA; a pip install keeps it beside torch.
  if [[ -n "$site" && -d "$site/nvidia/cuda_runtime/lib" ]]; then
    export JAVA_TOOL_OPTIONS="-Djna.library.path=$site/nvidia/cuda_runtime/lib ${JAVA_TOOL_OPTIONS:-}"
  fi
fi
record torch ok "$(elapsed "$started")" "" "" "PyTorch $version from $source_kind${lib:+ ($lib)}, flavour $flavour"
export DJL_CACHE_DIR="$work/djl-cache" ENGINE_CACHE_DIR="$work/djl-cache"

# --- the steps ------------------------------------------------------------------------------------
if ! run_step devices devices --device "$device" --json; then
  log "error: sppo devices failed; nothing else can run (see the JSON's error)"
  finish || true
  exit 1
fi

if [[ "$train_steps" -gt 0 ]]; then
  # The sort task at a test's size: learner on the device, rollouts on the CPU, weights as host bytes.
  run_step train train --fresh --json --out "$work/train" \
    --set sppo4j.learner.device="$device" --set sppo4j.rollout.device=cpu \
    --set sppo4j.policy.width=64 --set sppo4j.policy.layers=2 --set sppo4j.policy.heads=2 \
    --set sppo4j.policy.context-length=48 --set sppo4j.tasks.sort.min-digits=3 --set sppo4j.tasks.sort.max-digits=5 \
    --set sppo4j.sampling.max-new-tokens=10 --set sppo4j.sft.steps=20 --set sppo4j.sft.warmup-steps=5 \
    --set sppo4j.sft.eval-prompts=8 --set sppo4j.eval.prompts=8 --set sppo4j.learner.max-steps="$train_steps" || true
else
  record train skipped 0 "" "" "--train-steps 0"
fi

# The calls of `bench llm` and `make-model`, in one place (their interface: see the README's device check).
make_model() { run_step "make-model-$1" make-model --like "$1" --out "$2"; }
bench_llm() { run_step "bench-llm-$1-$3" bench llm --policy "$2" --dtype "$3" --device "$device" --json; }

declare -a bench_models=()
if [[ -n "$models" ]]; then
  IFS=',' read -r -a bench_models <<< "$models"
else
  IFS=',' read -r -a wanted <<< "$likes"
  if has_command make-model; then
    for like in "${wanted[@]}"; do
      make_model "$like" "$work/models/$like" && bench_models+=("$like=$work/models/$like") || true
    done
  else
    for like in "${wanted[@]}"; do
      record "make-model-$like" missing 0 "" "" "this sppo.jar has no 'make-model' command"
    done
  fi
fi
IFS=',' read -r -a dtype_list <<< "$dtypes"
for entry in "${bench_models[@]+"${bench_models[@]}"}"; do
  name="${entry%%=*}"
  dir="${entry#*=}"
  for dtype in "${dtype_list[@]}"; do
    if has_command bench llm; then
      bench_llm "$name" "$dir" "$dtype" || true
    else
      record "bench-llm-$name-$dtype" missing 0 "" "" "this sppo.jar has no 'bench llm' command"
    fi
  done
done

# transformers' own logits on tiny checkpoints, against ours on the device.
if [[ $skip_fixtures -eq 1 ]]; then
  record fixtures skipped 0 "" "" "--skip-fixtures"
elif [[ "$source_kind" != python3 || -n "$(json_get "$work/python-torch.json" transformers_error)" ]]; then
  record fixtures skipped 0 "" "" "python3 has no torch and transformers here: $(json_get "$work/python-torch.json" error)$(json_get "$work/python-torch.json" transformers_error)"
else
  started=$(date +%s.%N)
  if timeout "$step_timeout" python3 "$fixture_maker" "$work/hf-fixtures" >"$work/logs/make-fixtures.log" 2>&1; then
    record make-fixtures ok "$(elapsed "$started")" "" "" "transformers $(json_get "$work/python-torch.json" transformers)"
    tar -czf "$out/hf-fixtures.tar.gz" -C "$work" hf-fixtures
    run_step check-fixtures check-fixtures "$work/hf-fixtures" --device "$device" --json || true
  else
    record make-fixtures failed "$(elapsed "$started")" "" "$work/logs/make-fixtures.log"
  fi
fi

finish
