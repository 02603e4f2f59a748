#!/usr/bin/env bash
# The main job: a provincial hub and two county daemons on 127.0.0.1, each county with a SQLite replica of
# a synthetic training year (catalogue, teachers, cohorts, offline research, a season of study records);
# they sync over HTTP, one county also carries a correction by bundle file (the offline path); the hub
# assesses the year and issues certificates, each county checks its own preview against the official run
# and prints its certificates; the script prints status, compares state digests, and stops everything
# cleanly. Everything happens under ./demo (made anew on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== building teachersync"
swift build --product teachersync 2>&1 | tail -1
ts="$(swift build --show-bin-path)/teachersync"
rm -rf demo && mkdir demo
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
run() { echo "\$ teachersync $*" >&2; "$ts" "$@"; }
key_of() { "$ts" id --data "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])'; }
# Starts a server in the background (in this shell, so the trap can stop it).
start() {
    local log=$1; shift
    "$ts" "$@" >"$log" 2>&1 &
    pids+=($!)
}
# Prints the port a server reports in its log ("listening on ...:PORT") once it is up.
port_of() {
    local log=$1
    for _ in $(seq 1 100); do
        if port=$(grep -m1 -o '^listening on .*' "$log" | grep -o '[0-9]*$'); then echo "$port"; return; fi
        sleep 0.1
    done
    echo "server did not start; its log:" >&2; cat "$log" >&2; exit 1
}
# POSTs to a local address, bypassing any proxy settings of the environment.
post() {
    python3 -c 'import sys, urllib.request as u
o = u.build_opener(u.ProxyHandler({}))
try: print(o.open(u.Request(sys.argv[1], method="POST", data=b"")).read().decode())
except u.HTTPError as e: print(e.read().decode())' "$1"
}

echo "== a hub and two counties (长安区 130102, 正定县 130123)"
run init --data demo/hub --role hub
hub_key=$(key_of demo/hub)
for county in 130102 130123; do
    run init --data "demo/$county" --role county --county "$county" --hub-key "$hub_key"
    # The county's offline root key (in real life on a USB stick, not the server) authorizes the node's key;
    # the hub enrols the key with that authorization and the root (docs/OPERATIONS.md, "Keys").
    root_pub=$(run keys make-root --out "demo/$county-root.key" | sed -n 's/^root_public_key: //p')
    authorization=$(run keys authorize --root "demo/$county-root.key" --county "$county" \
        --node-key "$(key_of "demo/$county")")
    run enroll --data demo/hub --authorization "$authorization" --root-key "$root_pub"
done

echo "== a synthetic province for the two counties (catalogue, roster, a training season), offline"
run demo province --out demo/province --county 130102 --county 130123 --teachers 2000 --schools 40
echo "== the hub imports the 2019 catalogue and publishes the assessment policy"
for kind in providers projects courses contacts; do
    run import "$kind" --data demo/hub "demo/province/province/$kind.csv"
done
run policy publish --data demo/hub --file Config/policy-2019.json
run bundle export --data demo/hub --out demo/catalogue.bundle
echo "== each county takes the catalogue (a bundle) and imports its records: roster, cohorts, research, season"
for county in 130102 130123; do
    run bundle import --data "demo/$county" demo/catalogue.bundle
    for kind in schools teachers cohorts activities study-records attendance homework exemptions make-ups; do
        run import "$kind" --data "demo/$county" "demo/province/$county/$kind.csv"
    done
done

echo "== the hub and the county daemons start on 127.0.0.1"
start demo/hub.log hub run --data demo/hub --listen 127.0.0.1:0
hub_port=$(port_of demo/hub.log)
echo "hub on 127.0.0.1:$hub_port"
declare -A api
for county in 130102 130123; do
    start "demo/$county.log" county run --data "demo/$county" --hub "http://127.0.0.1:$hub_port" --listen 127.0.0.1:0
    api[$county]=$(port_of "demo/$county.log")
    echo "county $county daemon, local API on 127.0.0.1:${api[$county]}"
done

echo "== each county syncs now (POST /v1/sync on its local API; nightly it happens by itself)"
for county in 130102 130123; do
    echo "$county: $(post "http://127.0.0.1:${api[$county]}/v1/sync")"
done

echo "== 130102 corrects a teacher's subject and carries it to the hub on a USB stick (a bundle file)"
"$ts" vector --data demo/hub --out demo/hub.vector
{ head -1 demo/province/130102/teachers.csv; sed -n '2p' demo/province/130102/teachers.csv | awk -F, 'BEGIN{OFS=","} {$8="14"; print}'; } \
    >demo/correction.csv
run import teachers --data demo/130102 demo/correction.csv
run bundle export --data demo/130102 --since demo/hub.vector --out demo/130102-delta.bundle
run bundle import --data demo/hub demo/130102-delta.bundle

after_deadline=2020-01-02T00:00:00+08:00
echo "== the hub's official assessment of 2019 and the certificates of the qualified; the counties sync again"
run assess --data demo/hub --year 2019 --as-of "$after_deadline" --publish
run certificates issue --data demo/hub --year 2019
for county in 130102 130123; do
    echo "$county: $(post "http://127.0.0.1:${api[$county]}/v1/sync")"
done
echo "== each county's own preview against the hub's official run; completion by school; the certificates"
for county in 130102 130123; do
    run assess --data "demo/$county" --year 2019 --as-of "$after_deadline"
    run report completion --data "demo/$county" --year 2019 --by stage --as-of "$after_deadline" | tail -n +4
    run certificates print --data "demo/$county" --county "$county" --year 2019 --out "demo/$county-certificates.html"
done
run report completion --data demo/hub --year 2019 --by city --format html --out demo/completion.html

echo "== status of county 130102, and the key registry it holds"
run status --data demo/130102
run keys list --data demo/130102

echo "== digests: each county's replica against the hub's copy of that county"
status=0
for county in 130102 130123; do
    local_digest=$("$ts" digest --data "demo/$county")
    hub_digest=$("$ts" digest --data demo/hub --county "$county")
    if [[ "$local_digest" == "$hub_digest" ]]; then
        echo "$county: $local_digest  (county == hub)"
    else
        echo "$county: county $local_digest != hub $hub_digest" >&2
        status=1
    fi
done
run verify --data demo/hub
echo "== stopping the daemons (SIGTERM: they drain and exit)"
cleanup
pids=()
echo "stopped"
exit $status
