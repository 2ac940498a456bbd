#!/usr/bin/env bash
# Installs the real peers the tests talk to, from Debian's packages. Idempotent: installs only what is
# missing, and only runs apt-get when something is.
set -euo pipefail

# command -> Debian package
declare -A packages=(
  [curl]=curl
  [promtool]=prometheus
)

missing=()
for command in "${!packages[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${packages[$command]}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing test dependencies: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
