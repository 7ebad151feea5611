#!/usr/bin/env bash
# Chaos run (see bench/ChatSend.Chaos/Program.cs): N sends (default 2000) at concurrency 16 with 10 % media, round-robin
# to 8 chats, against the local host on Azurite with on-disk data; Azurite stopped ~7 s mid-run and the host killed -9
# mid-drain; then it checks every message against what its client was told, and each chat's order at the provider
# ("order violations", from each send's 202 time and the sandbox's log of its calls), and prints a table. Exits non-zero
# if a requirement fails. The host takes its settings from the environment too: ChatSend__Queues__Shards=4 bash
# bench/chaos.sh runs it with each work queue in four shards.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
dotnet build src/ChatSend.Host -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet run -c Release --project bench/ChatSend.Chaos -- "${1:-2000}"
