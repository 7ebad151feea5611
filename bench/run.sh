#!/usr/bin/env bash
# Runs the media staging benchmark against its own Azurite (in memory, ports 20000-20002) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/azurite --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
    --blobPort 20000 --queuePort 20001 --tablePort 20002 > /dev/null 2>&1 &
azurite=$!
trap 'kill $azurite 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/20002) 2>/dev/null && break; sleep 0.1; done
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" # Azurite's published dev key
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:20000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;"
dotnet run -c Release --project bench/ChatSend.Bench -- "$connection"
