#!/usr/bin/env bash
# Builds the Azure Functions app (src/ChatSend.Functions) in Release.
#
# If the Functions worker packages cannot be found on this machine's NuGet feed (restore errors NU1101 / NU1102
# naming only Microsoft.Azure.Functions.* / Microsoft.Azure.WebJobs.* / Microsoft.NET.Sdk.Functions packages),
# prints one "skipped" line and exits 0. Any other restore or build failure prints the dotnet output and exits
# non-zero. Runs from any directory; paths are relative to the repo root.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

project=src/ChatSend.Functions
skipped='ChatSend.Functions: skipped — the Azure Functions worker packages do not restore from this machine'"'"'s NuGet feed'

# True when the output's errors are all "package not found" (NU1101/NU1102) for Functions/WebJobs packages.
# The Worker SDK restores a generated WorkerExtensions.csproj (Microsoft.Azure.WebJobs.Extensions.*,
# Microsoft.NET.Sdk.Functions) during the build itself, so the build output is checked the same way.
only_functions_packages_missing() {
    local output=$1 errors missing
    errors=$(grep -E ': error [A-Z]+[0-9]+:' <<<"$output") || return 1
    grep -qvE ': error NU110[12]:' <<<"$errors" && return 1
    missing=$(sed -nE 's/.*: error NU110[12]: Unable to find package ([^ ]+).*/\1/p' <<<"$errors" | sed -E 's/\.$//' | sort -u)
    [[ -n $missing ]] || return 1
    ! grep -qvE '^(Microsoft\.Azure\.Functions\.|Microsoft\.Azure\.WebJobs(\.|$)|Microsoft\.NET\.Sdk\.Functions$)' <<<"$missing"
}

restore_output=$(dotnet restore "$project" --verbosity quiet 2>&1)
restore_rc=$?
if ((restore_rc != 0)); then
    if only_functions_packages_missing "$restore_output"; then
        echo "$skipped"
        exit 0
    fi
    printf '%s\n' "$restore_output"
    echo "ChatSend.Functions: restore failed (exit $restore_rc)" >&2
    exit "$restore_rc"
fi

build_output=$(dotnet build "$project" --no-restore -c Release --nologo --verbosity minimal 2>&1)
build_rc=$?
if ((build_rc != 0)); then
    if only_functions_packages_missing "$build_output"; then
        echo "$skipped"
        exit 0
    fi
    printf '%s\n' "$build_output"
    exit "$build_rc"
fi

echo "ChatSend.Functions: built"
exit 0
