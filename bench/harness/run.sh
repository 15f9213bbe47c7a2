#!/usr/bin/env bash
# run.sh - A/B load benchmark on loopback:
#   direct upstream  vs  plain Caddy reverse_proxy  [vs candidate Caddy]  [vs peer gateway]
#
# Every target is measured in the same run, alternating target order per
# repetition, with bounded wrk runs. Prints per-target medians and the paired
# ratio target/plain for every scenario. Only the PIDs this script starts are
# ever signalled.
#
# Usage:  bench/harness/run.sh                     # direct + plain Caddy
#         CANDIDATE_BIN=/path/caddy CANDIDATE_CONF=/path/Caddyfile bench/harness/run.sh
#
# Environment (defaults in brackets):
#   REPS [3]            repetitions; medians are over these
#   DURATION [5]        seconds per throughput run (THREADS threads, CONNS connections)
#   THREADS [2]  CONNS [32]
#   LAT [1]             1 = also a 1-connection latency run per scenario (LAT_DURATION s)
#   LAT_DURATION [3]
#   SCENARIOS ["list100 create"]  any of: list100 list1000 get1 create update delete gz100
#   PIN [0]             1 = proxies on CPU 1 (GOMAXPROCS=1), wrk+upstream on CPU 0
#   CANDIDATE_BIN, CANDIDATE_CONF   second Caddy binary + config (Caddyfile, or .json)
#                       started with CANDIDATE_PORT [8082] and UPSTREAM_PORT in its env;
#                       the config must listen on 127.0.0.1:{$CANDIDATE_PORT} and
#                       disable the admin endpoint (admin off) or move it off :2019.
#   CANDIDATE_NAME [candidate]   label in the tables
#   CANDIDATE_PATHS     optional extra "name=/prefix" targets on the candidate port,
#                       e.g. "cand-hide=/hide" hits /hide/users?n=100
#   PEER_CMD            optional command starting another gateway on loopback
#                       (run from bench/ with exec; must stay in the foreground)
#   PEER_TARGETS        "name=http://127.0.0.1:PORT[/prefix] ..." targets it serves
#   PEER_READY_URL      URL polled until it answers (default: first PEER_TARGETS URL + /users?n=1)
#   NICE [0]            e.g. -10 (root): run upstream, proxies and wrk at this nice
#                       level so that other work sharing the machine disturbs less
#   QUIET_WAIT [0]      before each repetition wait up to this many seconds for the
#                       machine to be >=85% idle (other builds/tests share it)
#   NO_BUILD [0]        1 = skip go build of upstream and caddy-plain
#   WORK_DIR [$TMPDIR/crud-bench]  builds go to WORK_DIR/bin, results to WORK_DIR/results
#   OUT_DIR [WORK_DIR/results/<timestamp>]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"

REPS=${REPS:-3}
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
LAT=${LAT:-1}
LAT_DURATION=${LAT_DURATION:-3}
SCENARIOS=${SCENARIOS:-"list100 create"}
PIN=${PIN:-0}
NO_BUILD=${NO_BUILD:-0}
UPSTREAM_PORT=${UPSTREAM_PORT:-9001}
PLAIN_PORT=${PLAIN_PORT:-8081}
CANDIDATE_PORT=${CANDIDATE_PORT:-8082}
CANDIDATE_BIN=${CANDIDATE_BIN:-}
CANDIDATE_CONF=${CANDIDATE_CONF:-}
CANDIDATE_NAME=${CANDIDATE_NAME:-candidate}
CANDIDATE_PATHS=${CANDIDATE_PATHS:-}
PEER_CMD=${PEER_CMD:-}
PEER_TARGETS=${PEER_TARGETS:-}
PEER_READY_URL=${PEER_READY_URL:-}
WORK_DIR=${WORK_DIR:-${TMPDIR:-/tmp}/crud-bench}
OUT_DIR=${OUT_DIR:-$WORK_DIR/results/$(date +%Y%m%d-%H%M%S)}
BIN=$WORK_DIR/bin
mkdir -p "$BIN"
export UPSTREAM_PORT PLAIN_PORT CANDIDATE_PORT

mkdir -p "$OUT_DIR/logs" "$OUT_DIR/xdg"
TSV="$OUT_DIR/runs.tsv"
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"
command -v python3 >/dev/null || die "python3 not found (used for the summary)"

if [[ $PIN == 1 ]]; then
	LOADCPU=(taskset -c 0)   # wrk and upstream
	PROXYCPU=(taskset -c 1)  # every proxy under test
	PROXYENV=(GOMAXPROCS=1)
else
	LOADCPU=()
	PROXYCPU=()
	PROXYENV=()
fi
if [[ ${NICE:-0} != 0 ]]; then
	LOADCPU=(nice -n "$NICE" "${LOADCPU[@]}")
	PROXYCPU=(nice -n "$NICE" "${PROXYCPU[@]}")
fi

# ---------------------------------------------------------------- processes
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# start NAME LOGFILE CMD... ; sets STARTED_PID
start() {
	local name=$1 logf=$2
	shift 2
	"$@" >"$logf" 2>&1 &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
	log "started $name pid=$STARTED_PID"
}

wait_http() { # URL [timeout s]
	local url=$1 t=${2:-15} i code
	for ((i = 0; i < t * 10; i++)); do
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
		[[ $code =~ ^2 ]] && return 0
		sleep 0.1
	done
	die "no 2xx from $url within ${t}s"
}

cpu_ticks() { # PID -> utime+stime in clock ticks
	sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

sys_ticks() { # -> "total idle steal" over all CPUs, in clock ticks
	awk '/^cpu /{t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6, $9; exit}' /proc/stat
}

wait_quiet() { # waits (bounded by QUIET_WAIT s) until the machine is >=85% idle over 2 s
	local deadline=$((SECONDS + ${QUIET_WAIT:-0})) a b
	while ((SECONDS < deadline)); do
		a=$(sys_ticks); sleep 2; b=$(sys_ticks)
		awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); exit !((y[2]-x[2]) >= 0.85*(y[1]-x[1]))}' && return 0
		log "machine busy (another workload?): waiting"
	done
	return 0
}

# ------------------------------------------------------------------- build
if [[ $NO_BUILD != 1 ]]; then
	log "building upstream and caddy-plain"
	(cd upstream && go build -o "$BIN/upstream" .)
	(cd caddy-plain && go build -o "$BIN/caddy-plain" .)
fi
[[ -x $BIN/upstream && -x $BIN/caddy-plain ]] || die "$BIN/upstream or $BIN/caddy-plain missing"

for p in "$UPSTREAM_PORT" "$PLAIN_PORT"; do port_free "$p" || die "port $p already in use"; done
[[ -n $CANDIDATE_BIN ]] && { port_free "$CANDIDATE_PORT" || die "port $CANDIDATE_PORT already in use"; }

# ------------------------------------------------------------------- start
export XDG_DATA_HOME="$OUT_DIR/xdg" XDG_CONFIG_HOME="$OUT_DIR/xdg"
declare -A TURL TPID # target -> base URL, target -> pid serving it
TARGETS=()

start upstream "$OUT_DIR/logs/upstream.log" env GOMAXPROCS=${UPSTREAM_GOMAXPROCS:-$([[ $PIN == 1 ]] && echo 1 || nproc)} \
	"${LOADCPU[@]}" "$BIN/upstream" -addr "127.0.0.1:$UPSTREAM_PORT"
UP_PID=$STARTED_PID
wait_http "http://127.0.0.1:$UPSTREAM_PORT/healthz"
TARGETS+=(direct); TURL[direct]="http://127.0.0.1:$UPSTREAM_PORT"; TPID[direct]=$UP_PID

start plain "$OUT_DIR/logs/plain.log" env "${PROXYENV[@]}" "${PROXYCPU[@]}" \
	"$BIN/caddy-plain" run --config Caddyfile.plain --adapter caddyfile
TARGETS+=(plain); TURL[plain]="http://127.0.0.1:$PLAIN_PORT"; TPID[plain]=$STARTED_PID
wait_http "${TURL[plain]}/users?n=1"

if [[ -n $CANDIDATE_BIN ]]; then
	[[ -x $CANDIDATE_BIN && -f $CANDIDATE_CONF ]] || die "CANDIDATE_BIN/CANDIDATE_CONF not usable"
	adapter=(--adapter caddyfile)
	[[ $CANDIDATE_CONF == *.json ]] && adapter=()
	start "$CANDIDATE_NAME" "$OUT_DIR/logs/candidate.log" env "${PROXYENV[@]}" "${PROXYCPU[@]}" \
		"$CANDIDATE_BIN" run --config "$CANDIDATE_CONF" "${adapter[@]}"
	cpid=$STARTED_PID
	TARGETS+=("$CANDIDATE_NAME"); TURL[$CANDIDATE_NAME]="http://127.0.0.1:$CANDIDATE_PORT"; TPID[$CANDIDATE_NAME]=$cpid
	wait_http "${TURL[$CANDIDATE_NAME]}/users?n=1"
	for spec in $CANDIDATE_PATHS; do
		TARGETS+=("${spec%%=*}"); TURL[${spec%%=*}]="http://127.0.0.1:$CANDIDATE_PORT${spec#*=}"; TPID[${spec%%=*}]=$cpid
	done
fi

if [[ -n $PEER_CMD ]]; then
	[[ -n $PEER_TARGETS ]] || die "PEER_CMD needs PEER_TARGETS"
	start peer "$OUT_DIR/logs/peer.log" env "${PROXYENV[@]}" "${PROXYCPU[@]}" bash -c "exec $PEER_CMD"
	ppid_=$STARTED_PID
	first=""
	for spec in $PEER_TARGETS; do
		url=${spec#*=}
		[[ $url =~ ^http://(127\.[0-9.]+|localhost|\[::1\]): ]] || die "peer target $url is not loopback"
		TARGETS+=("${spec%%=*}"); TURL[${spec%%=*}]=$url; TPID[${spec%%=*}]=$ppid_
		[[ -z $first ]] && first=$url
	done
	wait_http "${PEER_READY_URL:-$first/users?n=1}"
fi

# --------------------------------------------------------------- scenarios
# scenario -> "METHOD PATH BODYFILE ACCEPT_ENCODING"
scenario() {
	case $1 in
	list100) echo "GET /users?n=100 - -" ;;
	list1000) echo "GET /users?n=1000 - -" ;;
	get1) echo "GET /users/42 - -" ;;
	create) echo "POST /users $HERE/bodies/create.json -" ;;
	update) echo "PUT /users/42 $HERE/bodies/create.json -" ;;
	delete) echo "DELETE /users/42 - -" ;;
	gz100) echo "GET /users?n=100&gz=1 - gzip" ;;
	*) die "unknown scenario $1" ;;
	esac
}

# ------------------------------------------------------------ sanity check
log "sanity check (one request per target and scenario)"
printf '%-16s %-9s %5s %8s %s\n' target scenario code bytes "password-in-body" | tee "$OUT_DIR/sanity.txt"
for sc in $SCENARIOS; do
	read -r method path body ae <<<"$(scenario "$sc")"
	for t in "${TARGETS[@]}"; do
		args=(-s -m 5 -X "$method" -o "$OUT_DIR/logs/sanity-$t-$sc.body" -w '%{http_code} %{size_download}')
		[[ $body != - ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$body")
		[[ $ae != - ]] && args+=(-H "Accept-Encoding: $ae")
		read -r code size <<<"$(curl "${args[@]}" "${TURL[$t]}$path" || echo "000 0")"
		pw=no
		grep -q '"password"' "$OUT_DIR/logs/sanity-$t-$sc.body" 2>/dev/null && pw=yes
		[[ $ae != - ]] && pw=n/a
		printf '%-16s %-9s %5s %8s %s\n' "$t" "$sc" "$code" "$size" "$pw" | tee -a "$OUT_DIR/sanity.txt"
		[[ $code =~ ^2 ]] || die "target $t scenario $sc answered $code"
	done
done

# ------------------------------------------------------------------- runs
printf 'rep\tscenario\tmode\ttarget\trps\tp50_us\tp90_us\tp99_us\trequests\tbytes\terrors\tproxy_cpu_us_per_req\tproxy_util\tupstream_cpu_us_per_req\tidle_pct\tsteal_pct\tforeign_pct\n' >"$TSV"

# run_wrk REP SCENARIO MODE TARGET DURATION
run_wrk() {
	local rep=$1 sc=$2 mode=$3 t=$4 dur=$5 threads conns
	local method path body ae
	read -r method path body ae <<<"$(scenario "$sc")"
	if [[ $mode == lat ]]; then threads=1 conns=1; else threads=$THREADS conns=$CONNS; fi
	local pid=${TPID[$t]} c0 c1 u0 u1 s0 s1 out bf="" hdr=""
	[[ $body != - ]] && bf=$body
	[[ $ae != - ]] && hdr=$ae
	c0=$(cpu_ticks "$pid"); u0=$(cpu_ticks "$UP_PID"); s0=$(sys_ticks)
	out=$(WRK_METHOD=$method WRK_BODY_FILE=$bf WRK_ACCEPT_ENCODING=$hdr \
		timeout $((dur + 15)) "${LOADCPU[@]}" wrk -t"$threads" -c"$conns" -d"${dur}s" --timeout 5s \
		-s "$HERE/wrk/report.lua" "${TURL[$t]}$path" 2>&1
		rc=$?
		echo CHILDTIMES # next 2 lines: this subshell's, then its children's (= wrk's) user/sys CPU
		times
		exit $rc) || die "wrk failed for $t $sc: $out"
	c1=$(cpu_ticks "$pid"); u1=$(cpu_ticks "$UP_PID"); s1=$(sys_ticks)
	[[ $rep == warm ]] && return 0
	echo "$out" >>"$OUT_DIR/logs/wrk.log"
	local line ct
	line=$(grep '^RESULT' <<<"$out") || die "no RESULT from wrk for $t $sc: $out"
	ct=$(awk '/^CHILDTIMES/{getline; getline; print; exit}' <<<"$out")
	python3 - "$rep" "$sc" "$mode" "$t" "$line" "$((c1 - c0))" "$((u1 - u0))" "$CLK_TCK" "$([[ $t == direct ]] && echo 1 || echo 0)" "$s0" "$s1" "$ct" >>"$TSV" <<'PY'
import re, sys
rep, sc, mode, t, line, dc, du, tck, direct, s0, s1, ct = sys.argv[1:]
(t0, i0, st0), (t1, i1, st1) = (map(int, s0.split()), map(int, s1.split()))
dt = max(t1 - t0, 1)
idle_pct, steal_pct = 100.0 * (i1 - i0) / dt, 100.0 * (st1 - st0) / dt
# CPU used by anything that is not proxy, upstream or wrk (other jobs,
# builds, ...): should stay near the kernel's own few percent.
wrk_s = sum(int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", ct))
own = int(dc) + (0 if direct == "1" else int(du)) + wrk_s * int(tck)
foreign_pct = 100.0 * ((dt - (i1 - i0) - (st1 - st0)) - own) / dt
kv = dict(f.split("=", 1) for f in line.split()[1:])
req = int(kv["requests"]); secs = float(kv["secs"]); tck = int(tck)
errs = sum(int(kv[k]) for k in kv if k.startswith("err_"))
cpu = int(dc) / tck * 1e6 / max(req, 1)
util = int(dc) / tck / secs
up = int(du) / tck * 1e6 / max(req, 1)
if direct == "1":  # the target is the upstream itself: no proxy column
    cpu, util = float("nan"), float("nan")
print("\t".join([rep, sc, mode, t, kv["rps"], kv["p50_us"], kv["p90_us"], kv["p99_us"],
                 str(req), kv["bytes"], str(errs), f"{cpu:.1f}", f"{util:.2f}", f"{up:.1f}",
                 f"{idle_pct:.1f}", f"{steal_pct:.1f}", f"{foreign_pct:.1f}"]))
PY
}

{
	echo "date: $(date -Is)"
	echo "host: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
	echo "go: $(go version 2>/dev/null || echo n/a)"
	echo "caddy-plain: $("$BIN/caddy-plain" version 2>/dev/null | cut -d' ' -f1)"
	[[ -n $CANDIDATE_BIN ]] && echo "candidate: $CANDIDATE_BIN $CANDIDATE_CONF ($("$CANDIDATE_BIN" version 2>/dev/null | cut -d' ' -f1))"
	[[ -n $PEER_CMD ]] && echo "peer: $PEER_CMD"
	echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	echo "settings: REPS=$REPS DURATION=${DURATION}s THREADS=$THREADS CONNS=$CONNS LAT=$LAT LAT_DURATION=${LAT_DURATION}s PIN=$PIN NICE=${NICE:-0} SCENARIOS='$SCENARIOS'"
	echo "targets: ${TARGETS[*]}"
} | tee "$OUT_DIR/meta.txt" >&2

MODES=(tput)
[[ $LAT == 1 ]] && MODES+=(lat)

log "warm-up (1 s per target and scenario, discarded)"
for sc in $SCENARIOS; do
	for t in "${TARGETS[@]}"; do run_wrk warm "$sc" tput "$t" 1; done
done

n=${#TARGETS[@]}
for ((rep = 1; rep <= REPS; rep++)); do
	wait_quiet
	# rotate the order every repetition so no target always runs first/last
	order=()
	for ((i = 0; i < n; i++)); do order+=("${TARGETS[$(((i + rep - 1) % n))]}"); done
	for sc in $SCENARIOS; do
		for mode in "${MODES[@]}"; do
			dur=$DURATION
			[[ $mode == lat ]] && dur=$LAT_DURATION
			for t in "${order[@]}"; do
				log "rep $rep/$REPS  $sc  $mode  $t"
				run_wrk "$rep" "$sc" "$mode" "$t" "$dur"
			done
		done
	done
done

cleanup
python3 "$HERE/summarize.py" "$TSV" | tee "$OUT_DIR/summary.txt"
log "raw runs: $TSV"
