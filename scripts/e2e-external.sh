#!/usr/bin/env bash
# Runs the end-to-end tests that work against any host (tests/ChatSend.Tests/EndToEnd/AnyHost) against a ChatSend
# running as its own process: by default a local host this script starts on its own Azurite, or, with
# CHATSEND_E2E_BASE_URL and CHATSEND_E2E_STORAGE set, whatever those point at (func start, a deployed app).
# Writes .artifacts/test-results/anyhost.trx. Expects the test project built in Release (scripts/test.sh does that).
set -uo pipefail
cd "$(dirname "$0")/.."

results=.artifacts/test-results
mkdir -p "$results" .artifacts/e2e
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; true; }
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_port() { for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

if [[ -z ${CHATSEND_E2E_BASE_URL:-} ]]; then
    blob=$(free_port) queue=$(free_port) table=$(free_port) http=$(free_port)
    node_modules/.bin/azurite --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
        --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
        --tableHost 127.0.0.1 --tablePort "$table" > .artifacts/e2e/azurite.log 2>&1 &
    pids+=($!)
    wait_port "$table" && wait_port "$queue" && wait_port "$blob" || { echo "Azurite did not start; see .artifacts/e2e/azurite.log" >&2; exit 1; }

    # Azurite's published development account key; not a secret.
    account_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    export ChatSendStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$account_key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
    export ChatSend__Media__AllowedPrivateNetworks=127.0.0.1/32
    # Webhooks: a key for their secrets (new each run) and http receivers on 127.0.0.1, for tests that register them.
    export ChatSend__Secrets__webhook_secrets_key=$(head -c 32 /dev/urandom | base64) ChatSend__Webhooks__AllowHttp=true
    host_dll=src/ChatSend.Host/bin/Release/net10.0/ChatSend.Host.dll
    dotnet "$host_dll" init > /dev/null || exit 1
    dotnet "$host_dll" --urls "http://127.0.0.1:$http" > .artifacts/e2e/host.log 2>&1 &
    pids+=($!)
    wait_port "$http" || { echo "the local host did not start; see .artifacts/e2e/host.log" >&2; exit 1; }
    export CHATSEND_E2E_BASE_URL="http://127.0.0.1:$http" CHATSEND_E2E_STORAGE="$ChatSendStorage"
fi

echo "End-to-end tests against $CHATSEND_E2E_BASE_URL"
dotnet test tests/ChatSend.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~.EndToEnd.AnyHost." \
    --logger "trx;LogFileName=anyhost.trx" --logger "console;verbosity=minimal" --results-directory "$results"
