# Turns the raw runs written by run.sh (one TSV row per run) into the Markdown table of medians
# (-v out=markdown) or the JSON file with every raw run and the medians (-v out=json).
# POSIX awk only (Debian's default awk is mawk): no asort, no strtonum, no printf "%'d".
#
# Columns: 1 scenario, 2 proxy, 3 round, 4 requests, 5 duration_s, 6 rate (req/s; bytes/s for
# tcp-bulk), 7 p50_ms, 8 p99_ms, 9 cpu_s, 10 cpu_per_unit (us/request; ms/GiB for tcp-bulk),
# 11 peak_rss_kib, 12 errors, 13 connect, 14 read, 15 write, 16 timeout, 17 status (non-2xx/3xx;
# for tcp-bulk: curl failed), 18 bytes. "-" is "not measured" (direct has no proxy process).
BEGIN {
  FS = "\t"
  nfig = split("rate p50 p99 cpu rss", fig, " ")
  col["rate"] = 6; col["p50"] = 7; col["p99"] = 8; col["cpu"] = 10; col["rss"] = 11
  nprox = split("junction nginx haproxy direct", proxy, " ")
  label["junction"] = "Junction"; label["nginx"] = "nginx"; label["haproxy"] = "HAProxy"; label["direct"] = "direct"
}

{
  row[NR] = $0
  if (!($1 in seen)) { seen[$1] = 1; scen[++nscen] = $1 }
  k = $1 SUBSEP $2
  n[k]++
  for (i = 1; i <= nfig; i++) v[k, fig[i], n[k]] = $(col[fig[i]])
  err[k] += $12
}

# Median of the n[k] values of one figure; "-" when the figure was not measured.
function median(k, f,    m, i, j, a, t) {
  m = 0
  for (i = 1; i <= n[k]; i++) if (v[k, f, i] != "-") a[++m] = v[k, f, i] + 0
  if (m == 0) return "-"
  for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}

function thousands(x,    s, r) {
  s = sprintf("%.0f", x); r = ""
  while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
  return s r
}

function show(s, f, x) {
  if (x == "-") return "–"
  if (f == "rate") return (s == "tcp-bulk") ? thousands(x / 1048576) : thousands(x)
  if (f == "p50" || f == "p99") return sprintf("%.2f", x)
  if (f == "cpu") return (s == "tcp-bulk") ? sprintf("%.0f", x) : sprintf("%.1f", x)
  if (f == "rss") return sprintf("%.1f", x / 1024)
}

function ratio(a, b) {
  if (a == "-" || b == "-" || b + 0 == 0) return "–"
  return sprintf("%.2f×", a / b)
}

function markdown(    s, i, p, k, f, line, j, peer) {
  print "| Scenario | Proxy | Requests/s (tcp-bulk: MiB/s) | p50 ms | p99 ms | CPU µs/request (tcp-bulk: ms/GiB) | Peak RSS MiB | Errors |"
  print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  for (i = 1; i <= nscen; i++) {
    s = scen[i]
    for (j = 1; j <= nprox; j++) {
      p = proxy[j]; k = s SUBSEP p
      if (!(k in n)) continue
      line = "| " s " | " label[p]
      for (f = 1; f <= nfig; f++) line = line " | " show(s, fig[f], median(k, fig[f]))
      print line " | " err[k] " |"
    }
    for (j = 2; j <= 3; j++) {
      peer = proxy[j]; k = s SUBSEP peer
      if (!(k in n) || !((s SUBSEP "junction") in n)) continue
      line = "| " s " | *Junction/" label[peer] "*"
      for (f = 1; f <= nfig; f++) line = line " | " ratio(median(s SUBSEP "junction", fig[f]), median(k, fig[f]))
      print line " | " err[s SUBSEP "junction"] " vs " err[k] " |"
    }
  }
}

function jstr(x) { gsub(/\\/, "\\\\", x); gsub(/"/, "\\\"", x); return "\"" x "\"" }
function jnum(x) { return (x == "-" || x == "") ? "null" : x }   # raw fields are formatted already
function jmed(x) { return (x == "-") ? "null" : sprintf("%.4f", x) }

function json(    r, a, i, j, k, p, s, f, sep) {
  print "{"
  print "  \"date\": " jstr(date) ","
  print "  \"mode\": " jstr(mode) ", \"arguments\": " jstr(args) ","
  print "  \"rounds\": " rounds ", \"http_run_seconds\": " duration ", \"warmup_seconds\": " warmup ", \"tcp_bulk_mib\": " bulk_mib ","
  print "  \"machine\": { \"nproc\": " nproc ", \"cpu_model\": " jstr(cpu_model) ", \"memory_gib\": " mem_gib ", \"kernel\": " jstr(kernel) " },"
  print "  \"versions\": { \"junction\": " jstr(junction_v) ", \"junction_commit\": " jstr(commit) ", \"nginx\": " jstr(nginx_v) ", \"haproxy\": " jstr(haproxy_v) ", \"wrk\": " jstr(wrk_v) " },"
  print "  \"pinning\": " jstr(pinning) ","
  print "  \"junction_idle_rss_kib\": " jnum(idle_rss) ","
  print "  \"idle_rss_kib\": { \"after_start\": { \"junction\": " jnum(idle_rss) ", \"nginx\": " jnum(nginx_idle_rss) ", \"haproxy\": " jnum(haproxy_idle_rss) " }, \"after_warmup\": { \"junction\": " jnum(warm_rss) ", \"nginx\": " jnum(nginx_warm_rss) ", \"haproxy\": " jnum(haproxy_warm_rss) " } },"
  print "  \"units\": { \"rate\": \"requests/s; bytes/s for tcp-bulk\", \"cpu_per_unit\": \"us of proxy CPU (user+system) per request; ms per GiB for tcp-bulk\", \"latency\": \"ms\", \"peak_rss\": \"KiB (VmHWM summed over the proxy's processes)\" },"
  print "  \"runs\": ["
  for (r = 1; r <= NR; r++) {
    split(row[r], a, "\t")
    printf "    { \"scenario\": %s, \"proxy\": %s, \"round\": %d, \"requests\": %s, \"duration_s\": %s, \"rate\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"cpu_s\": %s, \"cpu_per_unit\": %s, \"peak_rss_kib\": %s, \"errors\": { \"total\": %s, \"connect\": %s, \"read\": %s, \"write\": %s, \"timeout\": %s, \"status\": %s }, \"bytes\": %s }%s\n",
      jstr(a[1]), jstr(a[2]), a[3], jnum(a[4]), jnum(a[5]), jnum(a[6]), jnum(a[7]), jnum(a[8]), jnum(a[9]), jnum(a[10]),
      jnum(a[11]), jnum(a[12]), jnum(a[13]), jnum(a[14]), jnum(a[15]), jnum(a[16]), jnum(a[17]), jnum(a[18]), (r < NR) ? "," : ""
  }
  print "  ],"
  print "  \"medians\": ["
  sep = ""
  for (i = 1; i <= nscen; i++) {
    s = scen[i]
    for (j = 1; j <= nprox; j++) {
      p = proxy[j]; k = s SUBSEP p
      if (!(k in n)) continue
      printf "%s    { \"scenario\": %s, \"proxy\": %s, \"rate\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"cpu_per_unit\": %s, \"peak_rss_kib\": %s, \"errors\": %d }",
        sep, jstr(s), jstr(p), jmed(median(k, "rate")), jmed(median(k, "p50")), jmed(median(k, "p99")),
        jmed(median(k, "cpu")), jmed(median(k, "rss")), err[k]
      sep = ",\n"
    }
  }
  print ""
  print "  ]"
  print "}"
}

END { if (out == "json") json(); else markdown() }
