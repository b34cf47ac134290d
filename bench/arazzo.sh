#!/usr/bin/env bash
# Arazzo documents run by the release binary against the target server
# example, on 127.0.0.1 only; the servers stop by themselves.
#   a 20-step fan-out (20 createItem calls at 100 ms each, then a getItem on
#   the 20th id, also at 100 ms) against its 0.2 s critical path, and a
#   200-step chain at 0 ms where each creation carries the id before it.
# usage: bench/arazzo.sh   (from the workspace root; builds what it needs;
#        CF=path/to/caseflow measures another build, RUNS=N runs,
#        PROFILE=debug checks the script itself without a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
flag=--release; [ "$PROFILE" = release ] || flag=
cargo build $flag --quiet -p caseflow-cli --bin caseflow --example target_server
CF=${CF:-target/$PROFILE/caseflow}
W=$(mktemp -d)
P0=${P0:-18620}; P1=${P1:-18621}
target/$PROFILE/examples/target_server --port "$P0" --delay-ms 0 --max-seconds 300 >/dev/null & s0=$!
target/$PROFILE/examples/target_server --port "$P1" --delay-ms 100 --max-seconds 300 >/dev/null & s1=$!
trap 'kill $s0 $s1 2>/dev/null; rm -rf "$W"' EXIT
for p in $P0 $P1; do
  for _ in $(seq 50); do curl -sf -X POST "http://127.0.0.1:$p/items" >/dev/null && break; sleep 0.1; done
done
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
json.dump({
    "openapi": "3.1.0",
    "info": {"title": "Items", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/items": {"post": {"operationId": "createItem",
                            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                            "responses": {"201": {"description": "Created"}}}},
        "/items/{id}": {"get": {"operationId": "getItem",
                                "parameters": [{"name": "id", "in": "path", "required": True}],
                                "responses": {"200": {"description": "The item"}}}},
    },
}, open(f"{w}/items.openapi.json", "w"))
def doc(name, steps):
    head = ("arazzo: 1.1.0\ninfo: { title: %s, version: 1.0.0 }\n"
            "sourceDescriptions:\n  - { name: items, url: items.openapi.json, type: openapi }\n"
            "workflows:\n  - workflowId: %s\n    steps:\n" % (name, name))
    open(f"{w}/{name}.arazzo.yaml", "w").write(head + "".join(steps))
def create(i, payload):
    return (f"      - stepId: c{i}\n        operationId: createItem\n"
            f"        requestBody: {{ contentType: application/json, payload: {payload} }}\n"
            f"        successCriteria: [{{ condition: $statusCode == 201 }}]\n"
            f"        outputs: {{ id: $response.body#/id }}\n")
fan = [create(i, f"{{ n: {i} }}") for i in range(1, 21)]
fan.append("      - stepId: read\n        operationId: getItem\n"
           "        parameters: [{ name: id, in: path, value: $steps.c20.outputs.id }]\n"
           "        successCriteria: [{ condition: $statusCode == 200 }]\n")
doc("fan", fan)
doc("chain", [create(i, "{ n: 1 }" if i == 1 else f'{{ prev: "{{$steps.c{i-1}.outputs.id}}" }}')
              for i in range(1, 201)])
PY
run() { $CF run "$W/$1.arazzo.yaml" -q --set "items_url=http://127.0.0.1:$2"; }
run chain "$P0" && echo "200-step chain at 0 ms: passed"
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 1 -r "${RUNS:-10}" --export-json "$W/h.json" \
    "$CF run $W/fan.arazzo.yaml -q --set items_url=http://127.0.0.1:$P1" >/dev/null 2>&1
  median=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$W/h.json")
else
  # No hyperfine: the median of a loop of /usr/bin/time (or bash's clock).
  times=()
  for _ in $(seq "${RUNS:-10}"); do
    start=$(date +%s.%N); run fan "$P1"; end=$(date +%s.%N)
    times+=("$(python3 -c "print($end - $start)")")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
fi
python3 -c "import sys; m=float(sys.argv[1]); print(f'20-step fan-out at 100 ms: {m:.3f} s = {m/0.2:.2f}x the 0.2 s critical path (one creation, then the read)')" "$median"
