#!/usr/bin/env bash
# Runs every check on a fresh machine: the Bicep build and lint of infra/, the unit, integration and end-to-end
# tests (each test class starts its own Azurite on free ports; the infra tests read the compiled ARM JSON) and the
# build of the Azure Functions app. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error || exit 1

# Infrastructure: bicep build + lint (warnings are errors), writing .artifacts/infra/main.json for the infra tests.
bash infra/bicep.sh
infra_rc=$?

results=.artifacts/test-results
rm -rf "$results"
dotnet test tests/ChatSend.Tests -c Release --nologo --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results"
tests_rc=$?

bash .ci/build-functions.sh
functions_rc=$?

# Sum the counters of every TRX file: <Counters total=".." executed=".." passed=".." failed=".." ...>
passed=0 failed=0
for trx in "$results"/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
echo "$passed passed, $failed failed"

((infra_rc == 0 && tests_rc == 0 && functions_rc == 0 && failed == 0 && passed > 0))
