#!/usr/bin/env bash
# Builds target/device-bundle/, what scripts/device-check.sh needs on a machine with an NVIDIA GPU,
# Python and PyTorch but no Java and no network, in at most 64 MiB:
#   device-check.sh, make_hf_fixtures.py, README.txt, and payload.tar.xz holding
#   sppo.jar  the lean jar (mvn -Pgpu: no CPU libtorch), its entries stored so xz compresses them all at once
#   jre/      a JRE 17 cut by jlink to the modules jdeps finds the jar needs
# device-check.sh unpacks the payload on first use (tar.xz through Python's tarfile: no xz needed).
#
#   scripts/make-device-bundle.sh [--skip-build] [--out DIR] [--cpu-lib DIR]
#     --skip-build  use cluster/target/sppo-gpu.jar as it is (it must exist)
#     --cpu-lib DIR also unpack the CPU libtorch of pytorch-native-cpu (from ~/.m2) into DIR, with a
#                   build-version file: the library of the CPU dry run, through PYTORCH_LIBRARY_PATH
#                   as on a GPU machine (device-check.sh --device cpu --torch-lib DIR)
#
# Checks the lean jar's entries first: no pytorch/ (CPU library) and no native/lib/pytorch.properties,
# the cpu and cu128 JNI glue present; and, when cluster/target/sppo.jar exists, that the default jar
# has the CPU library.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/target/device-bundle"
build=1
cpu_lib=""
limit=$((64 * 1024 * 1024))
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-build) build=0; shift ;;
    --out) out="$2"; shift 2 ;;
    --cpu-lib) cpu_lib="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-device-bundle: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
log() { echo "make-device-bundle: $*" >&2; }
jar="$root/cluster/target/sppo-gpu.jar"

if [[ $build -eq 1 ]]; then
  log "building the lean jar (mvn -Pgpu package, tests skipped)"
  (cd "$root" && mvn -B -q -o -DskipTests -Pgpu package)
fi
[[ -f "$jar" ]] || { log "error: $jar is missing (run without --skip-build)"; exit 1; }

# What the jars hold: the lean one no CPU library, the JNI glue of both flavours; the default one the CPU library.
python3 - "$jar" "$root/cluster/target/sppo.jar" <<'EOF'
import os, sys, zipfile
lean, default = sys.argv[1], sys.argv[2]
names = set(zipfile.ZipFile(lean).namelist())
cpu = sorted(n for n in names if n.startswith("pytorch/") and not n.endswith("/"))
problems = []
if cpu:
    problems.append("carries the CPU library: %s" % ", ".join(cpu[:4]))
if "native/lib/pytorch.properties" in names:
    problems.append("carries pytorch-native-cpu's native/lib/pytorch.properties")
for glue in ("jnilib/linux-x86_64/cu128/libdjl_torch.so", "jnilib/linux-x86_64/cpu/libdjl_torch.so", "jnilib/pytorch.properties"):
    if glue not in names:
        problems.append("lacks " + glue)
if problems:
    sys.exit("make-device-bundle: error: %s %s" % (lean, "; ".join(problems)))
print("make-device-bundle: %s: no CPU library, cpu and cu128 JNI glue present (%d entries)" % (lean, len(names)), file=sys.stderr)
if os.path.exists(default):
    if "pytorch/cpu/linux-x86_64/libtorch_cpu.so" not in zipfile.ZipFile(default).namelist():
        sys.exit("make-device-bundle: error: the default jar %s lacks pytorch/cpu/linux-x86_64/libtorch_cpu.so" % default)
    print("make-device-bundle: %s (default build): has the CPU library" % default, file=sys.stderr)
EOF

stage="$(mktemp -d "${TMPDIR:-/tmp}/sppo4j-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

# The modules the jar needs, as jdeps reads its classes; the JRE holds those alone.
log "jdeps: finding the modules the jar needs (a minute or two)"
modules="$(jdeps --print-module-deps --ignore-missing-deps --multi-release 17 -q "$jar")"
log "modules: $modules"
# --compress=0: the payload's xz compresses the modules file better than jlink's zip (measured: see README).
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=0 --output "$stage/jre"

# The jar with its entries stored, in their order, so that xz sees the classes and libraries whole.
python3 - "$jar" "$stage/sppo.jar" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as source, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED) as target:
    for info in source.infolist():
        data = source.read(info)  # before the copy's compression type is set: the entry is read as stored
        copy = zipfile.ZipInfo(info.filename, info.date_time)
        copy.external_attr = info.external_attr
        target.writestr(copy, data, compress_type=zipfile.ZIP_STORED)
EOF

rm -rf "$out"
mkdir -p "$out"
log "compressing the payload (xz -6)"
tar -C "$stage" -cf - sppo.jar jre | xz -6 -T0 >"$out/payload.tar.xz"
cp "$root/scripts/device-check.sh" "$out/device-check.sh"
cp "$root/model/src/test/python/make_hf_fixtures.py" "$out/make_hf_fixtures.py"
chmod +x "$out/device-check.sh"
cat >"$out/README.txt" <<EOF
sppo4j device check ($(date -u +%Y-%m-%d), $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown))
Needs: Linux x86-64, python3 with torch==2.7.1 built for CUDA 12.x (the cu128 wheels), transformers
for the fixtures step, an NVIDIA driver. No Java, no network.
  ./device-check.sh --device gpu --out OUT
writes OUT/device-check.json (every figure), OUT/logs.tar.gz and OUT/hf-fixtures.tar.gz.
JRE modules: $modules
EOF

size=$(du -sb "$out" | cut -f1)
log "$out: $(du -sh "$out" | cut -f1) ($size bytes; limit $limit)"
ls -l "$out" >&2
if [[ $size -gt $limit ]]; then
  log "error: the bundle is over 64 MiB"
  exit 1
fi

if [[ -n "$cpu_lib" ]]; then
  torch="$(sed -n 's:.*<pytorch.native.version>\(.*\)</pytorch.native.version>.*:\1:p' "$root/pom.xml")"
  native="${MAVEN_REPO:-$HOME/.m2/repository}/ai/djl/pytorch/pytorch-native-cpu/$torch/pytorch-native-cpu-$torch-linux-x86_64.jar"
  [[ -f "$native" ]] || { log "error: $native is missing (mvn package fetches it)"; exit 1; }
  log "unpacking the CPU libtorch $torch of $native into $cpu_lib"
  mkdir -p "$cpu_lib"
  python3 - "$native" "$cpu_lib" "$torch" <<'EOF'
import os, sys, zipfile
source, target, version = sys.argv[1:4]
prefix = "pytorch/cpu/linux-x86_64/"
with zipfile.ZipFile(source) as jar:
    for name in jar.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            with open(os.path.join(target, name[len(prefix):]), "wb") as out:
                out.write(jar.read(name))
open(os.path.join(target, "build-version"), "w").write(version + "\n")
EOF
fi
