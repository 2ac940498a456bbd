#!/usr/bin/env bash
# Installs the real peers the tests talk to, from Debian's packages. Idempotent: installs only what is
# missing, and only runs apt-get when something is.
set -euo pipefail

# command -> Debian package. nginx is in /usr/sbin, which a non-root PATH may lack. Installing nginx may
# try to start the system service; the tests never use it: they run their own nginx in a temp prefix.
declare -A packages=(
  [curl]=curl
  [nginx]=nginx
  [promtool]=prometheus
  [wrk]=wrk
  [h2load]=nghttp2-client
  [nghttp]=nghttp2-client
)

missing=()
for command in "${!packages[@]}"; do
  command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || missing+=("${packages[$command]}")
done

# Python modules for Debian's own /usr/bin/python3 (the gRPC C core peer in the HTTP/2 tests) -> package.
# A missing /usr/bin/python3 fails the import too, and the package brings it.
declare -A python_modules=(
  [grpc]=python3-grpcio
)
for module in "${!python_modules[@]}"; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("${python_modules[$module]}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing test dependencies: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  # Keep package scripts from starting system services (nginx on :80, prometheus): the tests run
  # their own instances, and a service that fails to start would fail the install.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
