#!/usr/bin/env bash
# Runs ChatSend locally on a fresh machine: installs and starts Azurite (in memory), creates the tables, queues
# and container, seeds a dev session ('dev', sandbox provider) with an API key, prints it with a working curl,
# and serves the gateway on http://127.0.0.1:7071. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
mkdir -p .artifacts

azurite_pid=""
cleanup() {
    if [[ -n $azurite_pid ]]; then
        kill "$azurite_pid" 2>/dev/null
        wait "$azurite_pid" 2>/dev/null
    fi
    true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if port_open 10000 && port_open 10001 && port_open 10002; then
    echo "Using the storage emulator already listening on 127.0.0.1:10000-10002."
else
    node_modules/.bin/azurite --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
        --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 > .artifacts/azurite.log 2>&1 &
    azurite_pid=$!
    for _ in $(seq 100); do port_open 10002 && break; sleep 0.1; done
    port_open 10002 || { echo "Azurite did not start; see .artifacts/azurite.log" >&2; exit 1; }
fi

# The key that encrypts webhook secrets (ChatSend:Secrets:webhook_secrets_key): a new random one per run unless you
# set your own, which you need when the emulator keeps its data between runs. Never written to disk.
export ChatSend__Secrets__webhook_secrets_key=${ChatSend__Secrets__webhook_secrets_key:-$(head -c 32 /dev/urandom | base64)}

dotnet build src/ChatSend.Host -c Release --nologo -v quiet -clp:ErrorsOnly
host_dll=src/ChatSend.Host/bin/Release/net10.0/ChatSend.Host.dll
key=$(dotnet "$host_dll" seed-dev)

cat <<BANNER

ChatSend is starting on http://127.0.0.1:7071 (storage: Azurite, provider: sandbox).
Dev session: dev (sender +15550100001)
Dev API key: $key

Send a message:
  curl -i -X POST http://127.0.0.1:7071/send -H "Authorization: Bearer $key" \\
       -H "Content-Type: application/json" -d '{"session":"dev","to":"+12025550123","text":"Hello from ChatSend"}'
Read its status (use the id from the answer; it goes queued -> sent -> delivered -> read within seconds):
  curl -s http://127.0.0.1:7071/messages/<id> -H "Authorization: Bearer $key"
Have a customer write to the session (add "imageUrl":"https://..." for a file), then list the conversation
(the dev session's recipients also answer every message with an echo after 3 seconds):
  curl -i -X POST http://127.0.0.1:7071/sandbox/sessions/dev/inbound -H "Authorization: Bearer $key" \\
       -H "Content-Type: application/json" -d '{"from":"+12025550123","text":"Hi! Is my order on its way?"}'
  curl -s "http://127.0.0.1:7071/messages?session=dev&chat=%2B12025550123" -H "Authorization: Bearer $key"
The session dev-window keeps WhatsApp's 24-hour window: to someone who never wrote, text is 422 window-closed,
and with a fallbackTemplate it goes as the template (GET /sessions/dev-window/templates lists them):
  curl -i -X POST http://127.0.0.1:7071/send -H "Authorization: Bearer $key" -H "Content-Type: application/json" \\
       -d '{"session":"dev-window","to":"+12025550199","text":"Your order shipped","fallbackTemplate":{"name":"order_update","language":"en_US","parameters":["Ana","123"]}}'

Press Ctrl-C to stop.
BANNER

# In the foreground, so Ctrl-C reaches the host, which shuts down cleanly; then the trap stops Azurite.
dotnet "$host_dll"
