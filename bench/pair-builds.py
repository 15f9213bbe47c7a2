#!/usr/bin/env python3
"""Two builds of the gateway under the same load, by turns.

    bench/pair-builds.py NEW_BIN OLD_BIN CADDYFILE PATH [ROUNDS [SECONDS]]
    PAIR_METHOD=POST PAIR_BODY=bench/harness/bodies/create.json bench/pair-builds.py ... /users

Starts the load harness's upstream (built from harness/upstream) and the two
gateways with the same Caddyfile (NEW on port 8082, OLD on 8083; the config
reads {$CANDIDATE_PORT} and {$UPSTREAM_PORT} as the harness's candidates do),
the gateways on core 0, the upstream and wrk on core 1. Each round runs wrk
(2 threads, 32 connections) for SECONDS against one build and then the other,
in a random order, and reads each gateway's CPU time from /proc. Prints the
median CPU per request of each build and the median, quartiles and range of
the per-round ratios NEW/OLD, of CPU per request and of requests per second.

PAIR_OLD_CADDYFILE gives OLD a Caddyfile of its own (it may read
{$PLAIN_PORT} instead), so that plain Caddy can be OLD:

    PAIR_OLD_CADDYFILE=bench/harness/Caddyfile.plain bench/pair-builds.py \
      /tmp/caddy-crud /tmp/caddy-plain bench/Caddyfile.crud '/users?n=100'

(/tmp/caddy-plain built from harness/caddy-plain.) Where the host's speed
drifts by tens of percent within minutes, the two builds met in the same few
seconds compare better than runs minutes apart.

PAIR_TOGETHER=1 loads both builds at once instead of by turns (wrk with one
thread and 16 connections on each, the two gateways sharing core 0): where
the host's speed moves within seconds, each round then meets both builds at
the same speed. Only their CPU per request is compared: the scheduler does
not split the core evenly between the two, so their rates say nothing, and
each pays for the other's use of the caches (CPU per request is higher for
both than when each has the core alone).
Needs wrk, taskset and Go; run from anywhere.
"""
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_wrk(port, path, seconds, threads=2, conns=32):
    # the harness's script sends PAIR_METHOD (GET) with the JSON of PAIR_BODY, if any
    env = dict(os.environ, WRK_METHOD=os.environ.get("PAIR_METHOD", "GET"),
               WRK_BODY_FILE=os.path.abspath(os.environ["PAIR_BODY"]) if os.environ.get("PAIR_BODY") else "")
    return subprocess.Popen(["taskset", "-c", "1", "wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "-s",
                             os.path.join(HERE, "harness", "wrk", "report.lua"), f"http://127.0.0.1:{port}{path}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


def wrk_result(p):
    out = p.communicate()[0]
    return int(re.search(r"(\d+) requests in", out).group(1)), float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def wrk(port, path, seconds):
    return wrk_result(start_wrk(port, path, seconds))


def quartiles(v):
    v = sorted(v)
    return v[len(v) // 4], statistics.median(v), v[(3 * len(v)) // 4], v[0], v[-1]


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    new, old, conf, path = sys.argv[1:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    seconds = sys.argv[6] if len(sys.argv) > 6 else "3"
    together = os.environ.get("PAIR_TOGETHER") == "1"
    tmp = tempfile.mkdtemp()
    upstream = os.path.join(tmp, "upstream")
    subprocess.run(["go", "build", "-o", upstream, "."], cwd=os.path.join(HERE, "harness", "upstream"), check=True)
    procs = [subprocess.Popen(["taskset", "-c", "1", upstream, "-addr", "127.0.0.1:9001"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    ports = {"new": 8082, "old": 8083}
    gateways = {}
    try:
        confs = {"new": conf, "old": os.environ.get("PAIR_OLD_CADDYFILE") or conf}
        for name, binary in (("new", new), ("old", old)):
            port = str(ports[name])
            env = dict(os.environ, CANDIDATE_PORT=port, PLAIN_PORT=port, UPSTREAM_PORT="9001")
            p = subprocess.Popen(["taskset", "-c", "0", binary, "run", "--config", os.path.abspath(confs[name]), "--adapter", "caddyfile"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            gateways[name] = p
        time.sleep(2)
        for name in ports:  # warm-up, discarded
            wrk(ports[name], path, 1)
        cpu = {"new": [], "old": []}
        rps = {"new": [], "old": []}
        for _ in range(rounds):
            if together:
                # both at once, half the connections each: the host's speed
                # is the same for both in every round
                before = {name: cpu_seconds(gateways[name].pid) for name in ports}
                runs = {name: start_wrk(ports[name], path, seconds, 1, 16) for name in ports}
                for name in ports:
                    n, _ = wrk_result(runs[name])  # rates not compared: see the header
                    cpu[name].append((cpu_seconds(gateways[name].pid) - before[name]) * 1e6 / n)
                continue
            order = ["new", "old"]
            random.shuffle(order)
            for name in order:
                before = cpu_seconds(gateways[name].pid)
                n, r = wrk(ports[name], path, seconds)
                cpu[name].append((cpu_seconds(gateways[name].pid) - before) * 1e6 / n)
                rps[name].append(r)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
    print(f"{path}: CPU per request, medians: new {statistics.median(cpu['new']):.0f} us, old {statistics.median(cpu['old']):.0f} us")
    q1, med, q3, lo, hi = quartiles([a / b for a, b in zip(cpu["new"], cpu["old"])])
    print(f"  CPU per request new/old: median {med:.3f}, quartiles {q1:.3f}-{q3:.3f}, range {lo:.3f}-{hi:.3f} ({rounds} rounds)")
    if together:
        return
    q1, med, q3, lo, hi = quartiles([a / b for a, b in zip(rps["new"], rps["old"])])
    print(f"  requests per second new/old: median {med:.3f}, quartiles {q1:.3f}-{q3:.3f}")


if __name__ == "__main__":
    main()
