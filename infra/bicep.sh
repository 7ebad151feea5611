#!/usr/bin/env bash
# Builds and lints the Bicep templates with the Bicep CLI from NuGet (infra/tools/bicep-cli.proj pins the version).
#
#   bicep build        infra/main.bicep      -> .artifacts/infra/main.json (read by tests/ChatSend.Tests/Infra)
#   bicep build-params infra/main.bicepparam -> .artifacts/infra/main.parameters.json, and once more with
#                      CHATSEND_PROVIDER_SECRETS set -> .artifacts/infra/main.parameters.secrets.json, and with
#                      CHATSEND_EVENT_GRID=true -> .artifacts/infra/main.parameters.eventgrid.json
#   bicep lint         infra/main.bicep and infra/main.bicepparam
#
# infra/bicepconfig.json raises every linter rule to error; on top of that any diagnostic at all (a compiler
# warning such as an unknown API version included) fails this script. Needs no network beyond the NuGet restore:
# the templates use only modules in this repo. Prints one line when clean; runs from any directory.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

project=infra/tools/bicep-cli.proj
out=.artifacts/infra
rm -rf "$out"
mkdir -p "$out"

restore_output=$(dotnet restore "$project" --verbosity quiet 2>&1)
if (($? != 0)); then
    printf '%s\n' "$restore_output"
    echo "infra: restoring the Bicep CLI failed" >&2
    exit 1
fi
# One evaluation prints both as JSON: {"Properties": {"BicepCliVersion": "0.49.2", "NuGetPackageRoot": "/root/.nuget/packages/"}}
properties=$(dotnet msbuild "$project" -getProperty:BicepCliVersion -getProperty:NuGetPackageRoot)
version=$(sed -nE 's/.*"BicepCliVersion": "([^"]*)".*/\1/p' <<<"$properties")
packages=$(sed -nE 's/.*"NuGetPackageRoot": "([^"]*)".*/\1/p' <<<"$properties")
bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
if [[ ! -f $bicep ]]; then
    echo "infra: the Bicep CLI is not at $bicep after restore" >&2
    exit 1
fi
[[ -x $bicep ]] || chmod +x "$bicep" || exit 1

# The CLI is a .NET app: run it without ICU where the machine has none, and without telemetry or tracing.
if ! ldconfig -p 2>/dev/null | grep -q 'libicuuc\.so'; then
    export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fi
export BICEP_TRACING_ENABLED=false DOTNET_CLI_TELEMETRY_OPTOUT=1

failed=0
run() {
    local output rc
    output=$("$bicep" "$@" 2>&1)
    rc=$?
    [[ -n $output ]] && printf '%s\n' "$output"
    if ((rc != 0)) || grep -qE '\) : (Error|Warning|Info) ' <<<"$output"; then
        echo "infra: 'bicep $1 $2' failed (exit $rc; any diagnostic counts as a failure)" >&2
        failed=1
    fi
}

run build infra/main.bicep --outfile "$out/main.json"
run build-params infra/main.bicepparam --outfile "$out/main.parameters.json"
# The same parameters as azd would build them with a list of provider secret names set (the tests read both).
CHATSEND_PROVIDER_SECRETS=' meta_token, meta_app_secret,,' run build-params infra/main.bicepparam --outfile "$out/main.parameters.secrets.json"
CHATSEND_EVENT_GRID=True run build-params infra/main.bicepparam --outfile "$out/main.parameters.eventgrid.json"
run lint infra/main.bicep
run lint infra/main.bicepparam

if ((failed)); then
    rm -f "$out"/*.json
    exit 1
fi
echo "infra: bicep $version build and lint clean (infra/main.bicep, infra/main.bicepparam)"
