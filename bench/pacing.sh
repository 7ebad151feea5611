#!/usr/bin/env bash
# Full-minute pacing case (bench/ChatSend.Drain PacingBench): three local hosts drain one session's 90 messages at
# maxPerMinute=30; prints the most sends in any 60 s window. About three minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/azurite --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
    --blobPort 20020 --queuePort 20021 --tablePort 20022 > /dev/null 2>&1 &
azurite=$!
trap 'kill $azurite 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/20022) 2>/dev/null && break; sleep 0.1; done
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" # Azurite's published dev key
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:20020/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20021/devstoreaccount1;TableEndpoint=http://127.0.0.1:20022/devstoreaccount1;"
dotnet run -c Release --project bench/ChatSend.Drain -- pacing "$connection"
