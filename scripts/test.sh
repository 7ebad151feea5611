#!/usr/bin/env bash
# Runs every check on a fresh machine: the Bicep build and lint of infra/, the Functions app published as for a
# deployment, the benchmarks built (not run), the client library packed, the whole test suite in a shuffled order (each
# test class starts its own Azurite on free ports; the Functions tests read the published app, the infra tests the
# compiled ARM JSON), then a part of it again with every work queue in four shards, then a set of end-to-end tests
# again with sessions of 4 partitions, then the end-to-end tests again
# against a local host running as its own process. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error || exit 1

# Infrastructure: bicep build + lint (warnings are errors), writing .artifacts/infra/main.json for the infra tests.
bash infra/bicep.sh
infra_rc=$?

# The Functions app as it would be deployed, in .artifacts/functions; a restore or build failure fails the run.
bash .ci/publish-functions.sh
functions_rc=$?

# The benchmarks (bench/) are built, not run, so a change in the library that breaks them fails here.
bench_rc=0
for project in bench/*/*.csproj; do
    out=$(dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly 2>&1) || { echo "$out"; echo "$project does not build" >&2; bench_rc=1; }
done

# The client library as customers install it, in .artifacts/packages; a pack failure fails the run.
pack_rc=0
out=$(dotnet pack src/ChatSend.Client -c Release -o .artifacts/packages --nologo -v quiet -clp:ErrorsOnly 2>&1) \
    || { echo "$out"; echo "src/ChatSend.Client does not pack" >&2; pack_rc=1; }

results=.artifacts/test-results
rm -rf "$results"
export CHATSEND_TEST_SEED=${CHATSEND_TEST_SEED:-$RANDOM}
echo "Tests run in a shuffled order; CHATSEND_TEST_SEED=$CHATSEND_TEST_SEED repeats it."
dotnet test tests/ChatSend.Tests -c Release --nologo --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results"
tests_rc=$?

# Sending and its contract, order within a chat, receipts, events and webhooks, the sweeper and the poison path again,
# with each work queue spread over four shards (ChatSend:Queues:Shards; the tests' hosts and services read
# CHATSEND_TEST_QUEUE_SHARDS): the same tests pass with one shard and with four. About two minutes.
shards_filter="FullyQualifiedName~.EndToEnd.AnyHost.|FullyQualifiedName~.ApiReference.SendContractTests|FullyQualifiedName~.Integration.AcceptanceTests"
shards_filter+="|FullyQualifiedName~.EndToEnd.SendOrderTests|FullyQualifiedName~.EndToEnd.SendOrderRulesTests|FullyQualifiedName~.EndToEnd.DeliveryRetryTests"
shards_filter+="|FullyQualifiedName~.Integration.ReceiptLookupTests|FullyQualifiedName~.Integration.SandboxEchoTests|FullyQualifiedName~.Integration.EventOutboxTests"
shards_filter+="|FullyQualifiedName~.EndToEnd.WebhookDeliveryTests|FullyQualifiedName~.EndToEnd.ChatOrderWebhookTests"
shards_filter+="|FullyQualifiedName~.Integration.SweeperTests|FullyQualifiedName~.Integration.SweepIndexTests"
echo "Again with four queue shards (CHATSEND_TEST_QUEUE_SHARDS=4)."
CHATSEND_TEST_QUEUE_SHARDS=4 dotnet test tests/ChatSend.Tests -c Release --no-build --nologo --filter "$shards_filter" \
    --logger "trx;LogFileName=shards4.trx" --logger "console;verbosity=minimal" --results-directory "$results"
shards_rc=$?

# The end-to-end behaviour again with every session the tests create spread over 4 partitions of the messages table
# (CHATSEND_TEST_SESSION_PARTITIONS): acceptance, the API over HTTP, order within a chat, receipts, listing, the sweeper
# and customers' messages. About three minutes.
partitioned=""
for class in .Integration.AcceptanceTests. .EndToEnd.AnyHost. .SendOrderRulesTests. .ChatLineFaultTests. .ReceiptLookupTests. \
    .EndToEnd.WhatsAppCloudTests. .SweeperTests. .SweepIndexTests. .InboundRecorderTests. .ChatOrderTests. .ClientRoundTripTests.; do
    partitioned+="${partitioned:+|}FullyQualifiedName~$class"
done
echo "End-to-end tests again with sessions of 4 partitions"
CHATSEND_TEST_SESSION_PARTITIONS=4 dotnet test tests/ChatSend.Tests -c Release --no-build --nologo --filter "$partitioned" \
    --logger "trx;LogFileName=partitions.trx" --logger "console;verbosity=minimal" --results-directory "$results"
partitions_rc=$?

bash scripts/e2e-external.sh
e2e_rc=$?

# Sum the counters of every TRX file: <Counters total=".." executed=".." passed=".." failed=".." ...>
passed=0 failed=0
for trx in "$results"/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
echo "$passed passed, $failed failed"

((infra_rc == 0 && functions_rc == 0 && bench_rc == 0 && pack_rc == 0 && tests_rc == 0 && shards_rc == 0 && partitions_rc == 0 && e2e_rc == 0 && failed == 0 && passed > 0))
