#!/usr/bin/env bash
# Runner figures of the release binary against the target server example
# (axum, never the bottleneck), on 127.0.0.1 only; the server stops by itself.
#   peak RSS of a 10,000-step dependent chain and of a 10,000-step fan-out
#   (--max-parallel 256), and the wall time of a 1,000-step fan-out at 100 ms
#   a step (--max-parallel 1000) against its 0.1 s critical path.
# usage: bench/runner.sh   (from the workspace root; builds what it needs;
#        CF=path/to/caseflow measures another build)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p caseflow-cli --bin caseflow --example target_server
CF=${CF:-target/release/caseflow}
W=$(mktemp -d)
P0=${P0:-18610}; P1=${P1:-18611}
target/release/examples/target_server --port "$P0" --delay-ms 0 --max-seconds 300 >/dev/null & s0=$!
target/release/examples/target_server --port "$P1" --delay-ms 100 --max-seconds 300 >/dev/null & s1=$!
trap 'kill $s0 $s1 2>/dev/null; rm -rf "$W"' EXIT
for p in $P0 $P1; do
  for _ in $(seq 50); do curl -sf -X POST "http://127.0.0.1:$p/items" >/dev/null && break; sleep 0.1; done
done
python3 - "$W" "$P0" "$P1" <<'PY'
import sys
w, p0, p1 = sys.argv[1], sys.argv[2], sys.argv[3]
def step(n, port, prev=None):
    extra = f', prev: "{{{{ steps.s{prev}.outputs.id }}}}"' if prev else ""
    return (f"  s{n}:\n    request: {{ method: POST, url: http://127.0.0.1:{port}/items, json: {{ n: {n}{extra} }} }}\n"
            f"    expect: {{ status: 201 }}\n    outputs: {{ id: $.id }}\n")
def spec(name, steps):
    open(f"{w}/{name}.yaml", "w").write(f"version: 1\nname: {name}\nsteps:\n" + "".join(steps))
spec("chain", [step(n, p0, n - 1 if n > 1 else None) for n in range(1, 10001)])
spec("fan", [step(n, p0) for n in range(1, 10001)])
spec("fan1000", [step(n, p1) for n in range(1, 1001)])
PY
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "10,000-step chain:   peak RSS $(( $(rss $CF run "$W/chain.yaml" -q) / 1024 )) MiB"
echo "10,000-step fan-out: peak RSS $(( $(rss $CF run "$W/fan.yaml" -q --max-parallel 256) / 1024 )) MiB"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
hyperfine -N -w 1 -r "${RUNS:-10}" --export-json "$W/h.json" \
  "$CF run $W/fan1000.yaml -q --max-parallel 1000" >/dev/null 2>&1
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['results'][0]['median']; print(f'1,000-step fan-out at 100 ms: {m:.3f} s = {m/0.1:.2f}x the critical path')" "$W/h.json"
