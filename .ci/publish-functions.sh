#!/usr/bin/env bash
# Publishes the Azure Functions app (src/ChatSend.Functions) in Release to .artifacts/functions, as a deployment
# would; the tests in tests/ChatSend.Tests/Functions read its functions.metadata, worker.config.json and host.json.
# Any restore or build failure fails the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -rf .artifacts/functions
dotnet publish src/ChatSend.Functions -c Release -o .artifacts/functions --nologo -v quiet -clp:ErrorsOnly
echo "ChatSend.Functions: published to .artifacts/functions"
