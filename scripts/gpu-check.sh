#!/usr/bin/env bash
# The GPU check: on a machine with a GPU (or without one, for the record), in a few minutes:
#   - installs what is needed (npm ci when node_modules is missing; tfjs-node-gpu is tried by npm itself),
#   - lists the WebGPU adapters Dawn sees,
#   - replays the golden trajectories on webgpu (and on tensorflow where tfjs-node-gpu loads),
#   - times ResNet-20 and ResNet-18 steps (sgd, sam, fsam) on every backend that loads, next to wasm,
# and prints one JSON object. Usage: scripts/gpu-check.sh [--steps N]   (default 5 timed steps per case)
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund >&2; fi
npm run build >&2
exec node build/scripts/gpuCheck.js "$@"
