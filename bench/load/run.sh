#!/usr/bin/env bash
# Load suite: Junction side by side with nginx, HAProxy and a direct connection.
#
#   bash bench/load/run.sh [--quick] [scenario...]
#
# Scenarios (all by default): h1-small h1-16k h1-post-64k h1-newconn h1-256c tcp-bulk h2-small grpc-unary (h2load).
# Installs nginx (+ its stream and echo modules), haproxy, wrk and curl from Debian when missing,
# builds Junction in Release, starts one upstream nginx and the three proxies (configurations in
# conf/), then runs every scenario through junction, nginx, haproxy and direct, alternating between
# them (J N H D J N H D ...) for $ROUNDS rounds. Prints a Markdown table of medians on stdout, a
# progress line on stderr, and writes every raw run to bench/load/results/<timestamp>.json.
#
# A full run (about 11 minutes) records 8 s per HTTP run and 4 GiB per transfer; --quick (under 3
# minutes, build included) 2 s and 512 MiB, and measures direct once per scenario.
#
# CPU pinning (the machines have 2 cores): wrk/curl and the upstream share CPU 0; the proxy under
# test runs alone on CPU 1, each proxy with one worker/thread (.NET sees one processor).
#
# What is measured, per run:
# - HTTP scenarios: wrk (1 thread, wrk.lua) for a fixed time; requests/s, p50 and p99 latency from
#   wrk's own histogram; errors = socket errors (connect, read, write, timeout) + responses >= 400.
# - tcp-bulk: one curl download of a sparse file through the TCP proxy (tcp_proxy, nginx stream,
#   HAProxy mode tcp) to /dev/null; throughput = bytes / curl's time_total; an error is a failed
#   or short transfer.
# - CPU: utime + stime from /proc/<pid>/stat of the proxy's processes (nginx: master + worker),
#   read before and after the run, per request (per GiB for tcp-bulk).
# - Peak RSS: VmHWM from /proc/<pid>/status summed over those processes, reset before each run
#   (clear_refs): the run's own peak. The proxies live through the whole suite, so a garbage-
#   collected heap grown by an earlier scenario still counts in a later one.
# - Idle RSS, once per suite: VmRSS of each proxy after start (before any request) and after a short
#   warm-up (1 s of wrk, 8 connections, then 1 s without traffic), printed above the table and kept in
#   the JSON (idle_rss_kib).
# The table shows the median of the rounds for each figure, and the errors summed over the rounds.
#
# Environment: JUNCTION_BIN=path/to/junction skips the build; ROUNDS=N (default 3); KEEP_WORK=1
# keeps the temp folder with every configuration and log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
started_at=$SECONDS

quick=0
scenarios=()
all_scenarios=(h1-small h1-16k h1-post-64k h1-newconn h1-256c tcp-bulk h2-small grpc-unary)
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed "\$d" | sed 's/^# \{0,1\}//'; exit 0 ;;
    h1-small|h1-16k|h1-post-64k|h1-newconn|h1-256c|tcp-bulk|h2-small|grpc-unary) scenarios+=("$arg") ;;
    *) echo "run.sh: unknown argument '$arg' (scenarios: ${all_scenarios[*]})" >&2; exit 2 ;;
  esac
done
[ "${#scenarios[@]}" -gt 0 ] || scenarios=("${all_scenarios[@]}")

rounds="${ROUNDS:-3}"
# Timings were chosen so that a quick run of every scenario stays under 3 minutes and a full run
# under 15 on the 2-core machines, build included. Every proxy gets the same unrecorded warm-up, so
# that Junction's JIT has tiered up (2 s was not always enough on a busy core) and every peer has
# its upstream pool filled before a recorded run: a full run warms each proxy up before each
# scenario; a quick run once, with h1-small, before the first HTTP scenario; tcp-bulk is preceded
# by one unrecorded transfer per proxy in both modes.
if [ "$quick" -eq 1 ]; then
  duration=2; warmup=3; jit_warmup=15; bulk_mib=512
else
  duration=8; warmup=3; jit_warmup=20; bulk_mib=4096
fi
proxies=(junction nginx haproxy direct)

failed=0
die() { echo "run.sh: $*" >&2; failed=1; exit 1; }
say() { echo "$*" >&2; }

# --- dependencies ------------------------------------------------------------------------------
install_deps() {
  local wanted=(nginx libnginx-mod-stream libnginx-mod-http-echo haproxy wrk curl nghttp2-client) missing=() p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing from Debian: ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # A policy-rc.d that exits 101 keeps the package scripts from starting nginx and haproxy as
  # system services (they would take port 80 and a CPU); removed again right after the install.
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    ours=1
  fi
  local status=0
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  [ "$status" -eq 0 ] && { "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?; }
  [ "$ours" -eq 1 ] && "${sudo_cmd[@]}" rm -f "$policy"
  [ "$status" -eq 0 ] || die "installing ${missing[*]} failed"
}
install_deps
export PATH="$PATH:/usr/sbin:/sbin"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # 256 connections in and out, per proxy
command -v taskset >/dev/null || die "taskset (util-linux) is missing"
[ "$(nproc --all)" -ge 2 ] || die "needs at least 2 CPUs for the pinning (CPU 0: load + upstream, CPU 1: proxy)"

# --- workspace and cleanup ---------------------------------------------------------------------
work="$(mktemp -d /tmp/junction-load.XXXXXX)"
chmod 755 "$work"   # nginx workers run as nobody when started by root and must read www/
started=()          # pids of everything this script started, killed by cleanup
cleanup() {
  local pid i
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Kept after a failure: the peers' configurations and logs explain it.
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$failed" -eq 1 ]; then say "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free TCP ports below the ephemeral range (so no outgoing connection can be holding one), checked
# against every local port in /proc/net/tcp{,6} and against each other.
used_ports=" $(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
  while read -r hex; do echo $((16#$hex)); done | sort -u | tr '\n' ' ') "
pick_port() {  # sets the variable named $1 (not a subshell: each pick must see the previous ones)
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    case "$used_ports" in *" $port "*) continue ;; esac
    used_ports="$used_ports$port "
    printf -v "$1" '%s' "$port"
    return
  done
}
pick_port upstream_port; pick_port upstream_h2_port
pick_port junction_port; pick_port junction_tcp_port
pick_port nginx_port; pick_port nginx_tcp_port; pick_port nginx_h2_port
pick_port haproxy_port; pick_port haproxy_tcp_port; pick_port haproxy_h2_port

render() {  # template output: substitutes @NAME@ placeholders
  sed -e "s|@DIR@|$work|g" -e "s|@UPSTREAM_PORT@|$upstream_port|g" \
      -e "s|@UPSTREAM_H2_PORT@|$upstream_h2_port|g" \
      -e "s|@PORT@|$2|g" -e "s|@TCP_PORT@|${3:-}|g" -e "s|@H2_PORT@|${4:-}|g" "$here/conf/$1"
}

wait_port() {  # name pid port log: waits until the port accepts, fails clearly if the peer died
  local i
  for i in $(seq 300); do
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$4" >&2 || true; die "$1 exited during startup (last lines of $4 above)"; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$4" >&2 || true
  die "$1 did not listen on 127.0.0.1:$3 within 30 s"
}

children_of() {  # direct children of a pid, from /proc (procps may be absent)
  local parent="$1" f line
  for f in /proc/[0-9]*/stat; do
    line="$(cat "$f" 2>/dev/null)" || continue
    line="${line##*) }"   # after "pid (comm) ": state ppid ...
    set -- $line
    [ "$2" = "$parent" ] && basename "$(dirname "$f")"
  done
  return 0
}

# --- build -------------------------------------------------------------------------------------
if [ -n "${JUNCTION_BIN:-}" ]; then
  junction="$JUNCTION_BIN"
  [ -x "$junction" ] || die "JUNCTION_BIN=$junction is not executable"
else
  command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is missing"
  say "building Junction (Release)..."
  build_start=$SECONDS
  (cd "$repo" && dotnet publish engine/Junction -c Release -o "$work/junction" -nologo -v quiet \
    >"$work/build.log" 2>&1) || { tail -n 30 "$work/build.log" >&2; die "dotnet publish failed"; }
  junction="$work/junction/junction"
  say "built in $((SECONDS - build_start)) s"
fi

# --- upstream ----------------------------------------------------------------------------------
mkdir -p "$work/www"
printf 'ok\n' >"$work/www/tiny"
# grpc-unary's request: one gRPC message (not compressed, 5 bytes, "hello").
printf '\000\000\000\000\005hello' >"$work/grpc-request"
head -c 16384 /dev/zero | tr '\0' 'a' >"$work/www/16k"
# A sparse file: nginx sends it with sendfile from the page cache, so the upstream costs little.
truncate -s "$((bulk_mib * 1024 * 1024))" "$work/www/big"
chmod -R a+rX "$work/www"

render upstream-nginx.conf "$upstream_port" "" "$upstream_h2_port" >"$work/upstream.conf"
taskset -c 0 nginx -p "$work" -c "$work/upstream.conf" -e "$work/upstream-error.log" \
  >"$work/upstream.out" 2>&1 &
upstream_pid=$!; started+=("$upstream_pid")
wait_port "upstream nginx" "$upstream_pid" "$upstream_port" "$work/upstream-error.log"
[ "$(curl -s "http://127.0.0.1:$upstream_port/tiny")" = "ok" ] || die "upstream nginx does not answer /tiny"

# --- proxies under test (all pinned to CPU 1) --------------------------------------------------
render junction.yaml "$junction_port" "$junction_tcp_port" >"$work/junction.yaml"
taskset -c 1 "$junction" -c "$work/junction.yaml" --log-level warning >"$work/junction.log" 2>&1 &
junction_pid=$!; started+=("$junction_pid")
wait_port junction "$junction_pid" "$junction_port" "$work/junction.log"
wait_port junction "$junction_pid" "$junction_tcp_port" "$work/junction.log"
sleep 1
# Idle RSS: after start, before any request (the readiness probe only opened and closed a socket).
junction_idle_rss_kib="$(awk '/^VmRSS:/ { print $2 }' "/proc/$junction_pid/status")"

nginx_stream=1
stream_module=/usr/lib/nginx/modules/ngx_stream_module.so
if [ -f "$stream_module" ]; then
  render proxy-nginx.conf "$nginx_port" "" "$nginx_h2_port" |
    sed -e "s|@STREAM_MODULE@|load_module $stream_module;|" \
        -e "s|@STREAM_BLOCK@|stream { server { listen 127.0.0.1:$nginx_tcp_port; proxy_pass 127.0.0.1:$upstream_port; } }|" \
    >"$work/proxy-nginx.conf"
else
  nginx_stream=0
  say "nginx has no stream module: tcp-bulk runs without nginx"
  render proxy-nginx.conf "$nginx_port" "" "$nginx_h2_port" | sed -e 's|@STREAM_MODULE@||' -e 's|@STREAM_BLOCK@||' \
    >"$work/proxy-nginx.conf"
fi
taskset -c 1 nginx -p "$work" -c "$work/proxy-nginx.conf" -e "$work/proxy-nginx-error.log" \
  >"$work/proxy-nginx.out" 2>&1 &
nginx_pid=$!; started+=("$nginx_pid")
wait_port nginx "$nginx_pid" "$nginx_port" "$work/proxy-nginx-error.log"
[ "$nginx_stream" -eq 0 ] || wait_port nginx "$nginx_pid" "$nginx_tcp_port" "$work/proxy-nginx-error.log"
# The master binds the sockets before it forks the worker: wait for the worker, whose CPU counts.
for i in $(seq 50); do [ -n "$(children_of "$nginx_pid")" ] && break; sleep 0.1; done
nginx_pids="$nginx_pid $(children_of "$nginx_pid" | tr '\n' ' ')"
[ "$(echo $nginx_pids | wc -w)" -ge 2 ] || die "nginx started no worker (log: $work/proxy-nginx-error.log)"

render haproxy.cfg "$haproxy_port" "$haproxy_tcp_port" "$haproxy_h2_port" >"$work/haproxy.cfg"
taskset -c 1 haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!; started+=("$haproxy_pid")
wait_port haproxy "$haproxy_pid" "$haproxy_port" "$work/haproxy.log"
wait_port haproxy "$haproxy_pid" "$haproxy_tcp_port" "$work/haproxy.log"
haproxy_pids="$haproxy_pid $(children_of "$haproxy_pid" | tr '\n' ' ')"

for p in junction nginx haproxy; do
  port_var="${p}_port"
  [ "$(curl -s "http://127.0.0.1:${!port_var}/tiny")" = "ok" ] || die "$p does not forward /tiny"
done

# --- measurement helpers -----------------------------------------------------------------------
pids_of() {
  case "$1" in
    junction) echo "$junction_pid" ;;
    nginx) echo "$nginx_pids" ;;
    haproxy) echo "$haproxy_pids" ;;
    direct) ;;
  esac
}
port_of() {  # proxy scenario
  local tcp=""; [ "$2" = tcp-bulk ] && tcp=_tcp; case "$2" in h2-small|grpc-unary) tcp=_h2 ;; esac
  case "$1" in
    direct) local d="upstream${tcp/_tcp/}_port"; echo "${!d}" ;;
    # Junction's listener speaks both (codec_type AUTO tells them apart by the preface).
    junction) [ "$tcp" = _h2 ] && tcp=""; local v="junction${tcp}_port"; echo "${!v}" ;;
    *) local v="$1${tcp}_port"; echo "${!v}" ;;
  esac
}
cpu_ticks() {  # utime + stime of every thread of the given processes, in clock ticks
  local pid line total=0
  for pid in "$@"; do
    line="$(cat "/proc/$pid/stat")"
    line="${line##*) }"
    set -- $line
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
reset_peak() {  # "5" resets VmHWM to the current RSS, so each run reports its own peak
  local pid
  for pid in "$@"; do echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true; done
}
peak_kib() {
  local pid total=0 v
  for pid in "$@"; do
    v="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
    total=$((total + v))
  done
  echo "$total"
}
clk_tck="$(getconf CLK_TCK)"

# scenario -> "path connections wrk-header post-bytes"
http_shape() {
  case "$1" in
    h1-small) echo "/tiny 64 - -" ;;
    h1-16k) echo "/16k 64 - -" ;;
    h1-post-64k) echo "/post 64 - 65536" ;;
    h1-newconn) echo "/tiny 64 Connection:close -" ;;
    h1-256c) echo "/tiny 256 - -" ;;
  esac
}

# Idle RSS of each proxy (VmRSS summed over its processes): after start (Junction's was read above,
# before any request reached it), and after a short warm-up (1 s of wrk with 8 connections, then 1 s
# without traffic): what the process holds once it has served something, before the measured load.
rss_kib() {
  local pid total=0 v
  for pid in "$@"; do
    v="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
    total=$((total + v))
  done
  echo "$total"
}
# shellcheck disable=SC2086
nginx_idle_rss_kib="$(rss_kib $nginx_pids)"; haproxy_idle_rss_kib="$(rss_kib $haproxy_pids)"
for p in junction nginx haproxy; do
  port_var="${p}_port"
  taskset -c 0 wrk -t1 -c8 -d1s "http://127.0.0.1:${!port_var}/tiny" >/dev/null 2>&1 || die "the RSS warm-up (wrk) failed against $p"
done
sleep 1
# shellcheck disable=SC2086
junction_warm_rss_kib="$(rss_kib $junction_pid)"; nginx_warm_rss_kib="$(rss_kib $nginx_pids)"; haproxy_warm_rss_kib="$(rss_kib $haproxy_pids)"

runs="$work/runs.tsv"
: >"$runs"

# One run. Appends a TSV row when $4 (record) is 1:
# scenario proxy round requests duration_s rate p50_ms p99_ms cpu_s cpu_per_unit peak_rss_kib
# errors connect read write timeout status bytes
run_once() {
  local scenario="$1" proxy="$2" round="$3" record="$4" seconds="$5"
  local port pids t0 t1 cpu="-" cpu_unit="-" peak="-"
  port="$(port_of "$proxy" "$scenario")"
  pids="$(pids_of "$proxy")"
  # shellcheck disable=SC2086
  if [ -n "$pids" ]; then reset_peak $pids; t0="$(cpu_ticks $pids)"; fi
  if [ "$scenario" = tcp-bulk ]; then
    local out rc=0 size secs
    out="$(taskset -c 0 curl -sS -o /dev/null -w '%{size_download} %{time_total}' \
      "http://127.0.0.1:$port/big" 2>>"$work/curl.err")" || rc=$?
    # shellcheck disable=SC2086
    if [ -n "$pids" ]; then t1="$(cpu_ticks $pids)"; peak="$(peak_kib $pids)"; fi
    set -- $out
    size="${1:-0}"; secs="${2:-0}"
    local err=0
    [ "$rc" -eq 0 ] && [ "$size" -eq "$((bulk_mib * 1024 * 1024))" ] || err=1
    [ "$record" -eq 1 ] || return 0
    if [ -n "$pids" ]; then
      cpu="$(awk -v d="$((t1 - t0))" -v h="$clk_tck" 'BEGIN { printf "%.3f", d / h }')"
      cpu_unit="$(awk -v c="$cpu" -v b="$size" 'BEGIN { if (b > 0) printf "%.2f", c * 1000 / (b / 1073741824); else print "-" }')"
    fi
    awk -v OFS='\t' -v s="$scenario" -v p="$proxy" -v r="$round" -v n="$size" -v t="$secs" \
      -v cpu="$cpu" -v cu="$cpu_unit" -v pk="$peak" -v e="$err" -v rc="$rc" 'BEGIN {
        rate = (t > 0) ? n / t : 0
        print s, p, r, 1, t, sprintf("%.0f", rate), "-", "-", cpu, cu, pk, e, (rc ? 1 : 0), 0, 0, 0, 0, n
      }' >>"$runs"
    return 0
  fi
  if [ "$scenario" = h2-small ] || [ "$scenario" = grpc-unary ]; then
    run_h2load "$scenario" "$proxy" "$round" "$record" "$seconds" "$port" "$pids"
    return 0
  fi
  local path conns header post out line
  read -r path conns header post <<<"$(http_shape "$scenario")"
  local args=(-t1 -c"$conns" -d"${seconds}s" --latency -s "$here/wrk.lua")
  [ "$header" = - ] || args+=(-H "${header/:/: }")
  out="$(BENCH_POST_BYTES="${post/-/}" taskset -c 0 wrk "${args[@]}" "http://127.0.0.1:$port$path" 2>&1)" ||
    die "wrk failed against $proxy: $out"
  # shellcheck disable=SC2086
  if [ -n "$pids" ]; then t1="$(cpu_ticks $pids)"; peak="$(peak_kib $pids)"; fi
  [ "$record" -eq 1 ] || return 0
  line="$(grep '^BENCH ' <<<"$out")" || die "no figures from wrk against $proxy: $out"
  [ -n "$pids" ] && cpu="$(awk -v d="$((t1 - t0))" -v h="$clk_tck" 'BEGIN { printf "%.3f", d / h }')"
  awk -v OFS='\t' -v s="$scenario" -v p="$proxy" -v r="$round" -v cpu="$cpu" -v pk="$peak" -v line="$line" 'BEGIN {
    n = split(line, kv, " ")
    for (i = 2; i <= n; i++) { split(kv[i], x, "="); f[x[1]] = x[2] }
    secs = f["duration_us"] / 1e6
    req = f["requests"]
    cu = (cpu == "-" || req == 0) ? "-" : sprintf("%.2f", cpu * 1e6 / req)
    err = f["connect"] + f["read"] + f["write"] + f["timeout"] + f["status"]
    print s, p, r, req, sprintf("%.3f", secs), sprintf("%.1f", req / secs), sprintf("%.3f", f["p50_us"] / 1000),
          sprintf("%.3f", f["p99_us"] / 1000), cpu, cu, pk, err, f["connect"], f["read"], f["write"],
          f["timeout"], f["status"], f["bytes"]
  }' >>"$runs"
}

# h2-small: h2load over cleartext HTTP/2 (prior knowledge), 4 connections x 16 concurrent streams
# (64 requests in flight, as h1-small's 64 connections), for a fixed time. h2load reports no
# percentiles, so its per-request log (elapsed microseconds, third column) gives p50 and p99.
run_h2load() {
  local scenario="$1" proxy="$2" round="$3" record="$4" seconds="$5" port="$6" pids="$7"
  local t0 t1 cpu="-" peak="-" out log="$work/h2load-$proxy.log"
  # shellcheck disable=SC2086
  if [ -n "$pids" ]; then reset_peak $pids; t0="$(cpu_ticks $pids)"; fi
  local target=(-D "$seconds" "http://127.0.0.1:$port/tiny")
  # grpc-unary: POSTs of one gRPC message (the upstream nginx echoes it back, grpc-status in trailers),
  # to HTTP/2 upstreams: Junction's http2_protocol_options cluster, nginx's grpc_pass, HAProxy's proto h2.
  [ "$scenario" = grpc-unary ] && target=(-d "$work/grpc-request" -H 'content-type: application/grpc' -H 'te: trailers' \
    -D "$seconds" "http://127.0.0.1:$port/test.Echo/Unary")
  out="$(taskset -c 0 h2load -t1 -c4 -m16 --log-file="$log" "${target[@]}" 2>&1)" ||
    die "h2load failed against $proxy: $out"
  # shellcheck disable=SC2086
  if [ -n "$pids" ]; then t1="$(cpu_ticks $pids)"; peak="$(peak_kib $pids)"; fi
  [ "$record" -eq 1 ] || return 0
  [ -n "$pids" ] && cpu="$(awk -v d="$((t1 - t0))" -v h="$clk_tck" 'BEGIN { printf "%.3f", d / h }')"
  local p50 p99
  read -r p50 p99 <<<"$(awk '{ print $3 }' "$log" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "0 0"; exit }
    i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
    print v[i50], v[i99] }')"
  awk -v OFS='\t' -v s="$scenario" -v p="$proxy" -v r="$round" -v cpu="$cpu" -v pk="$peak" -v secs="$seconds" \
      -v p50="$p50" -v p99="$p99" -v out="$out" 'BEGIN {
    n = split(out, lines, "\n")
    for (i = 1; i <= n; i++) {
      if (lines[i] ~ /^requests: /) { split(lines[i], w, /[ ,]+/); done = w[6]; ok = w[8]; failed = w[10]; errored = w[12]; timeouts = w[14] }
      if (lines[i] ~ /^traffic: /) { split(lines[i], t, /[ (]+/); bytes = t[3] }
    }
    cu = (cpu == "-" || ok == 0) ? "-" : sprintf("%.2f", cpu * 1e6 / ok)
    print s, p, r, ok, sprintf("%.3f", secs), sprintf("%.1f", ok / secs), sprintf("%.3f", p50 / 1000),
          sprintf("%.3f", p99 / 1000), cpu, cu, pk, failed + errored + timeouts, 0, errored, 0, timeouts, failed, bytes + 0
  }' >>"$runs"
}

# --- the runs ----------------------------------------------------------------------------------
active=("${scenarios[@]}")
proxies_for() {
  if [ "$1" = tcp-bulk ] && [ "$nginx_stream" -eq 0 ]; then echo junction haproxy direct
  else echo "${proxies[@]}"; fi
}
# direct is the ceiling of the rig, not a peer: a quick run measures it once per scenario, in the
# middle round (that keeps --quick under 3 minutes with a cold build); a full run every round.
direct_round() { [ "$quick" -eq 0 ] || [ "$1" -eq $(((rounds + 1) / 2)) ]; }
total=0
for s in "${active[@]}"; do
  n="$(proxies_for "$s" | wc -w)"
  if [ "$quick" -eq 1 ]; then total=$((total + rounds * (n - 1) + 1)); else total=$((total + rounds * n)); fi
done

pinning="wrk/curl and the upstream nginx on CPU 0 (taskset -c 0); the proxy under test alone on CPU 1 (taskset -c 1), one worker/thread each"
say "pinning: $pinning"
say "Junction idle RSS: $((junction_idle_rss_kib / 1024)) MiB after start, $((junction_warm_rss_kib / 1024)) MiB after a 1 s warm-up"
tty=0; [ -t 2 ] && tty=1
done_runs=0
progress() {
  local elapsed=$((SECONDS - started_at)) msg
  msg="$(printf '[%d/%d] %-12s round %d/%d  %-8s  %dm%02ds elapsed' "$done_runs" "$total" "$1" "$2" "$rounds" "$3" \
    $((elapsed / 60)) $((elapsed % 60)))"
  if [ "$tty" -eq 1 ]; then printf '\r%s\033[K' "$msg" >&2; else echo "$msg" >&2; fi
}

warmed=0
# Junction's first HTTP warm-up is longer: on its one pinned core the tiered JIT and PGO need about
# 20 s under load to reach steady code (measured: ~50 us/request in the first 10 s, ~33 after 20 s).
# nginx and HAProxy are native and gain nothing from it, so they keep the common warm-up.
junction_warmed=0
for s in "${active[@]}"; do
  read -r -a ps <<<"$(proxies_for "$s")"
  for p in "${ps[@]}"; do
    [ "$p" = direct ] && continue
    if [ "$s" = tcp-bulk ]; then
      progress "$s" 0 "$p (warm-up)"; run_once "$s" "$p" 0 0 0
    else
      w=$warmup
      if [ "$p" = junction ] && [ "$junction_warmed" -eq 0 ]; then w=$jit_warmup; junction_warmed=1; fi
      if [ "$quick" -eq 0 ]; then
        progress "$s" 0 "$p (warm-up)"; run_once "$s" "$p" 0 0 "$w"
      elif [ "$warmed" -eq 0 ]; then
        progress h1-small 0 "$p (warm-up)"; run_once h1-small "$p" 0 0 "$w"
      fi
    fi
  done
  [ "$s" = tcp-bulk ] || warmed=1
  for r in $(seq "$rounds"); do
    for p in "${ps[@]}"; do
      [ "$p" != direct ] || direct_round "$r" || continue
      progress "$s" "$r" "$p"
      run_once "$s" "$p" "$r" 1 "$duration"
      done_runs=$((done_runs + 1))
    done
  done
done
[ "$tty" -eq 1 ] && printf '\n' >&2

# --- report ------------------------------------------------------------------------------------
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$here/results"
json="$here/results/$stamp.json"
commit=unknown
if head="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)"; then
  commit="$head"
  # Uncommitted changes to the proxy's code mean the figures are not those of the commit.
  git -C "$repo" diff --quiet HEAD -- engine filters || commit="$commit+dirty"
fi
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
nginx_version="$(nginx -v 2>&1 | sed 's|.*/||')"
haproxy_version="$(haproxy -v | awk 'NR == 1 { print $3 }')"
wrk_version="$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true)"
junction_version="$("$junction" --version 2>/dev/null | head -n 1 || echo unknown)"
mode=full; [ "$quick" -eq 1 ] && mode=quick

awk -f "$here/report.awk" -v out=json \
  -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v mode="$mode" -v rounds="$rounds" -v duration="$duration" \
  -v warmup="$warmup" -v bulk_mib="$bulk_mib" -v nproc="$(nproc --all)" -v cpu_model="$cpu_model" \
  -v mem_gib="$mem_gib" -v kernel="$(uname -r)" -v commit="$commit" -v pinning="$pinning" \
  -v idle_rss="$junction_idle_rss_kib" -v warm_rss="$junction_warm_rss_kib" \
  -v nginx_idle_rss="$nginx_idle_rss_kib" -v nginx_warm_rss="$nginx_warm_rss_kib" \
  -v haproxy_idle_rss="$haproxy_idle_rss_kib" -v haproxy_warm_rss="$haproxy_warm_rss_kib" -v nginx_v="$nginx_version" -v haproxy_v="$haproxy_version" \
  -v wrk_v="$wrk_version" -v junction_v="$junction_version" -v args="$*" "$runs" >"$json"

echo "Junction load suite ($mode: $rounds rounds, ${duration} s per HTTP run, ${bulk_mib} MiB per tcp-bulk transfer; medians)"
echo
echo "Machine: $(nproc --all) CPUs ($cpu_model), $mem_gib GiB; Junction $commit, nginx $nginx_version, HAProxy $haproxy_version."
echo "Pinning: $pinning."
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "Idle RSS in MiB, after start / after a 1 s warm-up (8 connections) and 1 s without traffic: Junction $(mib "$junction_idle_rss_kib") / $(mib "$junction_warm_rss_kib"), nginx $(mib "$nginx_idle_rss_kib") / $(mib "$nginx_warm_rss_kib"), HAProxy $(mib "$haproxy_idle_rss_kib") / $(mib "$haproxy_warm_rss_kib")."
echo
awk -f "$here/report.awk" -v out=markdown "$runs"
echo
echo "Medians of $rounds rounds$([ "$quick" -eq 1 ] && echo " (direct: one run, in the middle round)"); errors are summed over the rounds. CPU is the proxy's own user + system time."
echo "Ratios are Junction / peer: below 1 is better for latency, CPU and RSS, above 1 for throughput."
if [ "$nginx_stream" -eq 0 ] && [[ " ${active[*]} " == *" tcp-bulk "* ]]; then
  echo "tcp-bulk: nginx skipped (no stream module)"
fi
echo
echo "Raw runs: ${json#"$repo/"}"
say "done in $(((SECONDS - started_at) / 60))m$(printf '%02d' $(((SECONDS - started_at) % 60)))s"
