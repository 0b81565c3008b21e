#!/usr/bin/env bash
# Times `leakwatch summary` (parse + dominators + retained sizes + summary) on snapshots of
# processes holding 100k and 1M Session objects, the workload of the performance anchors.
#
# Usage: bench/summary.sh [N ...]      (default: 100000 1000000)
# Env:   RUNS=3   runs per file; the fastest is reported, as the others only add noise.
#
# Snapshots are made once into bench/out/ (gitignored) and reused. Making the 1M one takes node
# about 40 s and 4.3 GB of RSS. Peak RSS comes from GNU time (Debian package `time`).
set -euo pipefail

cd "$(dirname "$0")/.."
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100000 1000000)
runs=${RUNS:-3}
out=bench/out
bin=${CARGO_TARGET_DIR:-target}/release/leakwatch

if ! /usr/bin/time -f '%e' true 2>/dev/null; then
  echo "bench/summary.sh needs GNU time: apt-get install time" >&2
  exit 2
fi

mkdir -p "$out"
for n in "${sizes[@]}"; do
  file=$out/sessions-$n.heapsnapshot
  if [[ ! -s $file ]]; then
    echo "making $file ..." >&2
    # Written under another name first, so that an interrupted run leaves no half snapshot.
    node --max-old-space-size=8192 bench/make-snapshot.js "$n" "$file.partial"
    mv "$file.partial" "$file"
  fi
done

cargo build --release -p leakwatch-cli >&2

printf "%-30s %9s %11s %9s %11s\n" file size nodes wall "peak RSS"
for n in "${sizes[@]}"; do
  file=$out/sessions-$n.heapsnapshot
  nodes=$(head -c 4096 "$file" | grep -o '"node_count":[0-9]*' | cut -d: -f2)
  size_mb=$(( $(stat -c %s "$file") / 1000000 ))
  # Read once so that every timed run finds the file in the page cache.
  cat "$file" >/dev/null
  best_wall='' best_rss=''
  for ((run = 0; run < runs; run++)); do
    timing=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$timing" "$bin" summary "$file" >/dev/null
    read -r wall rss_kb <"$timing"
    rm -f "$timing"
    if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
      best_wall=$wall best_rss=$rss_kb
    fi
  done
  printf '%-30s %6s MB %11s %7s s %7s MiB\n' "$(basename "$file")" "$size_mb" "$nodes" "$best_wall" \
    "$((best_rss / 1024))"
done
