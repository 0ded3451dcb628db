#!/usr/bin/env bash
# Runs every fuzz target for a bounded time from seed corpora built out of the real captures in
# ../shared/realdata (read in place; nothing is copied into the repository) plus archives and
# terminal output made here at run time. Fails when a target crashes, leaks, hits undefined
# behaviour or a timeout; the reproducer is left in <build dir>/fuzz-artifacts/.
#
#   tests/fuzz/run.sh <fuzz build dir> [seconds per target, default 30] [target...]
#
# Longer runs: tests/fuzz/run.sh build-fuzz 3600 fuzz_tar (see docs/FUZZING.md).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: tests/fuzz/run.sh <fuzz build dir> [seconds] [target...]}" && pwd)
seconds=${2:-30}
shift $(( $# >= 2 ? 2 : $# ))
shared=${GPUDECK_SHARED_DIR:-$(sed -n 's/^GPUDECK_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")}
real=$shared/realdata
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_smi_csv fuzz_smi_capture fuzz_logparser fuzz_loosejson fuzz_tar fuzz_terminal fuzz_provider)

work=$build/fuzz-work
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$build/fuzz-artifacts"
if [ ! -d "$real" ]; then
    echo "fuzz: $real not found: seeding from the generated inputs only"
fi

# seed <target> <prefix bytes (printf format)> <file>: the file with the target's selector bytes
# in front (see each fuzz_*.cpp for what its leading bytes choose).
n=0
seed() {
    mkdir -p "$seeds/$1"
    n=$((n + 1))
    { printf "$2"; cat "$3"; } >"$seeds/$1/seed-$n"
}
find_real() { [ -d "$real/$1" ] && find "$real/$1" -type f -size -512k | sort || true; }

for f in $(find_real nvidia-smi); do
    seed fuzz_smi_capture '' "$f"
    case "$f" in
    *.csv | *query*.txt) seed fuzz_smi_csv '\000' "$f"; seed fuzz_smi_csv '\101' "$f" ;;
    esac
done
for f in $(find_real training-logs); do
    seed fuzz_logparser '\000\000' "$f"  # detect the format, all at once
    seed fuzz_logparser '\000\021' "$f"  # detect the format, 17-byte pieces
    seed fuzz_terminal 'N\027\000' "$f" # an 80x24 terminal printing the log (\r, \b, colours)
    case "$f" in *.json) seed fuzz_loosejson '' "$f" ;; esac
done
# JSON objects as they appear inside the Hugging Face logs, one per seed.
if [ -d "$real/training-logs" ]; then
    grep -rhoE '\{[^{}]{2,400}\}' "$real/training-logs" 2>/dev/null | head -200 |
        while IFS= read -r line; do
            n=$((n + 1)); mkdir -p "$seeds/fuzz_loosejson"
            printf '%s' "$line" >"$seeds/fuzz_loosejson/line-$n"
        done
fi
mkdir -p "$seeds/fuzz_loosejson"
printf '{"epoch": 1.0, "loss": NaN, "eval": {"acc": [0.5, 1e-3, true, null]}}' >"$seeds/fuzz_loosejson/mini"

# Archives as a machine's GNU tar writes them: the formats, a long name, links, an empty file.
tree=$work/tree
rm -rf "$tree" && mkdir -p "$tree/dir/$(printf 'n%.0s' $(seq 1 120))/deeper"
printf 'hello\n' >"$tree/dir/a.txt"
: >"$tree/dir/empty"
head -c 3000 /dev/urandom >"$tree/dir/random.bin"
ln -s a.txt "$tree/dir/link"
ln "$tree/dir/a.txt" "$tree/dir/hard"
for fmt in gnu pax ustar v7; do
    if tar --format=$fmt -C "$tree" -cf "$work/tree.$fmt.tar" dir 2>/dev/null; then
        seed fuzz_tar '\000' "$work/tree.$fmt.tar"
        seed fuzz_tar '\007' "$work/tree.$fmt.tar"
    fi
done

# Terminal: colours, cursor movement, the alternate screen, a title, device reports, UTF-8.
printf 'N\027\000' >"$work/term.seed"
ls --color=always -l /usr/bin 2>/dev/null | head -60 >>"$work/term.seed" || true
printf '\033[?1049h\033[2J\033[H\033]0;title\007\033[5n\033[6n\033[?1000h\033[31;1mred\033[0m\033[10;10Hx\033[?25l\033[?1049l\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\r\n' >>"$work/term.seed"
seed fuzz_terminal '' "$work/term.seed"

# Providers' answers: the recorded responses in ../shared/providers, each behind the byte that
# picks its provider's parsers (fuzz_provider.cpp: 0 Linode, 1 Lambda, 2 RunPod, 3 DigitalOcean,
# 4 Vast.ai, 5 Google Compute Engine, 6 AWS EC2's XML).
providers=$shared/providers
find_json() { [ -d "$providers/$1" ] && find "$providers/$1" -name '*.json' -size -512k | sort || true; }
for f in $(find_json libcloud-fixtures/linode_v4); do seed fuzz_provider '\000' "$f"; done
for f in $(find_json lambda); do seed fuzz_provider '\001' "$f"; done
for f in $(find_json libcloud-fixtures/digitalocean_v2); do seed fuzz_provider '\003' "$f"; done
for f in $(find_json libcloud-fixtures/gce); do seed fuzz_provider '\005' "$f"; done
[ -d "$providers/libcloud-fixtures/ec2" ] &&
    for f in $(find "$providers/libcloud-fixtures/ec2" -name '*.xml' -size -512k | sort); do
        seed fuzz_provider '\006' "$f"
    done
mkdir -p "$seeds/fuzz_provider"
printf '\002{"pods":[{"id":"p1","desiredStatus":"RUNNING","publicIp":"1.2.3.4","portMappings":{"22":40022}}]}' >"$seeds/fuzz_provider/runpod"
printf '\005{"skus":[{"description":"Nvidia Tesla T4 GPU running in Americas","category":{"resourceFamily":"Compute","resourceGroup":"GPU","usageType":"OnDemand"},"serviceRegions":["us-central1"],"pricingInfo":[{"pricingExpression":{"usageUnit":"h","tieredRates":[{"unitPrice":{"currencyCode":"USD","units":"0","nanos":350000000}}]}}]}],"nextPageToken":""}' >"$seeds/fuzz_provider/gce-billing"
printf '\004{"offers":[{"id":1,"gpu_name":"RTX 4090","num_gpus":1,"dph_total":0.4,"geolocation":"US"}]}' >"$seeds/fuzz_provider/vast"

status=0
for t in "${targets[@]}"; do
    exe=$build/bin/$t
    [ -x "$exe" ] || { echo "fuzz: $exe not built" >&2; status=1; continue; }
    corpus=$work/corpus/$t
    mkdir -p "$corpus" "$seeds/$t"
    log=$work/$t.log
    echo "fuzz: $t for ${seconds}s from $(ls "$seeds/$t" | wc -l) seeds"
    # New inputs go to $corpus (first directory); the seeds are only read.
    if "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t-" \
            "$corpus" "$seeds/$t" >"$log" 2>&1; then
        echo "fuzz: $t OK: $(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') runs, no crash;" \
            "coverage $(grep -oE 'cov: [0-9]+' "$log" | tail -1)"
    else
        echo "fuzz: $t FAILED; the end of its log ($log):" >&2
        tail -60 "$log" >&2
        status=1
    fi
done
exit $status
