#!/usr/bin/env bash
# Drain benchmark (bench/ChatSend.Drain): N accepted messages (default 2000) drained by the local host's queue listeners
# through a provider answering in 50 ms, beside the sandbox, against its own Azurite (in memory, ports 20010-20012).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/azurite --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
    --blobPort 20010 --queuePort 20011 --tablePort 20012 > /dev/null 2>&1 &
azurite=$!
trap 'kill $azurite 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/20012) 2>/dev/null && break; sleep 0.1; done
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" # Azurite's published dev key
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:20010/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20011/devstoreaccount1;TableEndpoint=http://127.0.0.1:20012/devstoreaccount1;"
dotnet run -c Release --project bench/ChatSend.Drain -- "${1:-2000}" "$connection"
