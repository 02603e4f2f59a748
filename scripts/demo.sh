#!/usr/bin/env bash
# The main job, offline: a hub and two county nodes on SQLite, synthetic data, bundles both ways, digests
# compared. Everything happens under ./demo (removed and made anew on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== building teachersync"
swift build --product teachersync 2>&1 | tail -1
ts="$(swift build --show-bin-path)/teachersync"
rm -rf demo && mkdir demo
run() { echo "\$ teachersync $*" >&2; "$ts" "$@"; }

echo "== the hub and two counties (长安区 130102, 正定县 130123)"
run init --data demo/hub --role hub
hub_key=$("$ts" id --data demo/hub --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
for county in 130102 130123; do
    run init --data "demo/$county" --role county --county "$county" --hub-key "$hub_key"
    key=$("$ts" id --data "demo/$county" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
    run enroll --data demo/hub --county "$county" --public-key "$key"
done

echo "== each county imports its schools, teachers and study records (synthetic people)"
for county in 130102 130123; do
    run demo-data --county "$county" --out "demo/$county-csv" --teachers 2000 --schools 40
    for kind in schools teachers study-records; do
        run import "$kind" --data "demo/$county" "demo/$county-csv/$kind.csv"
    done
done

echo "== the registry goes to the counties, the counties' sets to the hub, by bundle files"
for county in 130102 130123; do
    run bundle export --data demo/hub --county "$county" --out "demo/hub-to-$county.bundle"
    run bundle import --data "demo/$county" "demo/hub-to-$county.bundle"
    run bundle export --data "demo/$county" --out "demo/$county-to-hub.bundle"
    run bundle import --data demo/hub "demo/$county-to-hub.bundle"
done

echo "== 130102 corrects a teacher's subject; only the difference travels"
"$ts" vector --data demo/hub --out demo/hub.vector
sed -n '2p' "demo/130102-csv/teachers.csv" | awk -F, 'BEGIN{OFS=","} {$8="14"; print}' > demo/correction.body
{ head -1 demo/130102-csv/teachers.csv; cat demo/correction.body; } > demo/correction.csv
run import teachers --data demo/130102 demo/correction.csv
run bundle export --data demo/130102 --since demo/hub.vector --out demo/130102-delta.bundle
run bundle import --data demo/hub demo/130102-delta.bundle

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
run status --data demo/130102
exit $status
