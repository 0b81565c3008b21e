#!/usr/bin/env bash
# Times `leakwatch summary` (parse, dominator tree, retained sizes, summary) on big snapshots:
# file size, nodes, edges, median wall time and the largest peak RSS of RUNS runs, and the
# seconds per GB and RSS per file byte that the scale targets are stated in.
#
# Usage: bench/big-snapshots.sh SIZE|FILE ...      e.g. bench/big-snapshots.sh 600M 4G real.heapsnapshot
# Env:   RUNS=3      runs per file
#        BIG_DIR     where generated files go (default bench/out); gigabytes each
#
# A SIZE (600M, 4G) names a file bench/generate-snapshot.js writes once, under nice, and
# reuses; anything else is a snapshot file. Each file is read once before the timed runs, so
# that they find it in the page cache, as a user re-running the tool would. Peak RSS (file
# pages included) comes from GNU time (Debian package `time`).
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${RUNS:-3}
big=${BIG_DIR:-bench/out}
bin=${CARGO_TARGET_DIR:-target}/release/leakwatch

if ! /usr/bin/time -f '%e' true 2>/dev/null; then
  echo "bench/big-snapshots.sh needs GNU time: apt-get install time" >&2
  exit 2
fi
[[ $# -gt 0 ]] || { echo "usage: bench/big-snapshots.sh SIZE|FILE ..." >&2; exit 2; }

files=()
mkdir -p "$big"
for arg in "$@"; do
  if [[ $arg =~ ^[0-9.]+[KMG]$ ]]; then
    file=$big/generated-$arg.heapsnapshot
    if [[ ! -s $file ]]; then
      echo "generating $file ..." >&2
      # Written under another name first, so that an interrupted run leaves no half file.
      nice -n 19 node bench/generate-snapshot.js "$arg" "$file.partial" >/dev/null
      mv "$file.partial" "$file"
    fi
    files+=("$file")
  else
    files+=("$arg")
  fi
done

cargo build --release -p leakwatch-cli >&2
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %9s %12s %13s %8s %9s %10s %9s\n" file size nodes edges wall "s/GB" "peak RSS" "RSS/size"
for file in "${files[@]}"; do
  counts=$(head -c 4096 "$file")
  nodes=$(grep -o '"node_count":[0-9]*' <<<"$counts" | cut -d: -f2)
  edges=$(grep -o '"edge_count":[0-9]*' <<<"$counts" | cut -d: -f2)
  bytes=$(stat -c %s "$file")
  cat "$file" >/dev/null
  walls=() peak=0
  for ((run = 0; run < runs; run++)); do
    timing=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$timing" "$bin" summary "$file" >/dev/null
    read -r wall rss_kb <"$timing"
    rm -f "$timing"
    walls+=("$wall")
    ((rss_kb > peak)) && peak=$rss_kb
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v f="$(basename "$file")" -v b="$bytes" -v n="$nodes" -v e="$edges" -v w="$median" -v r="$peak" 'BEGIN {
    printf "%-34s %6.2f GB %12d %13d %6.2f s %9.2f %6d MiB %9.2f\n", f, b / 1e9, n, e, w, w / (b / 1e9), r / 1024, r * 1024 / b
  }'
done
