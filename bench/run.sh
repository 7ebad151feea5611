#!/usr/bin/env bash
# ChatSend's benchmark (bench/ChatSend.Bench): bench/run.sh [send] [drain] [media] [inbound] [order] [capacity] [idle] [--quick];
# no part named runs the first six.
#   send:  POST /send over HTTP through the local host (queue listeners off, then on) against a floor loop doing only
#          the table insert and the queue put, at 1, 8, 32 and 64 at once;
#   drain: 2,000 accepted messages drained to sent by the local host's listeners (provider answering at once, and in
#          50 ms) against a floor loop, and the storage calls per message all the way to read;
#   media: 16 MiB files staged from a local URL against a raw blob upload, one and eight at a time;
#   inbound: signed WhatsApp Cloud API callbacks of 10 customers' messages to the local host, 1, 8 and 32 at once, with
#          and without a webhook following the session, each against a floor loop doing the same storage writes; the
#          storage calls per message; and the time from a callback to the webhook getting its message's event;
#   order: 2,000 messages over 100 chats drained to sent (provider answering at once) with the order kept (the default)
#          and with "ordered": false on every send; and one chat's messages per second against the provider's latency
#          (0, 50 and 200 ms) beside 1/latency;
#   capacity: 500 sends over 100 chats at 5 a second (30 % with an image, a customer's message after every tenth) to
#          `read`, with no webhook, with one following every event, and with that and the session paced: where each
#          storage call lands (table partition, queue, blob, the account), per send, and what Azure Storage's targets make
#          of it (sends a second per session, queue, account and deployment);
#   idle:  the local host left alone over 1, 100 and 1,000 sessions and 10,000 old staged files: storage calls per idle
#          minute, counted in the app's pipeline and in the emulator's request log (about 40 minutes; run it by name).
# Every run has a process and a fresh in-memory Azurite of its own; product and floor alternate, three times each.
# Prints markdown tables of medians and one line per target (holds/misses). About 30 minutes; --quick for a smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x node_modules/.bin/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
dotnet build bench/ChatSend.Bench -c Release --nologo -v quiet -clp:ErrorsOnly > /dev/null
echo "ChatSend benchmark at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC')"
exec dotnet bench/ChatSend.Bench/bin/Release/net10.0/ChatSend.Bench.dll "$@"
