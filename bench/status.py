"""The status benchmark: ``snapshot status --all`` over 200 VMs on a rate-limited fake.

    python bench/status.py            the full run (200 VMs, 20 requests/s); exits 1 on a miss
    python bench/status.py --smoke    20 VMs; no target checked (CI)

The fake (``hostinger_api.testing``) runs in a process of its own (``--serve``), with a fresh
rate limit for each run, and reports what it received on request. The command runs as users
run it, ``python -m hostinger_api --host URL snapshot status --all --max-age 26h``, in a
subprocess, timed from its start to its exit (interpreter start included).

The lower bound is the requests the audit needs (the VM list, then a snapshot and a backups
GET per VM) at the allowed rate: nothing can be faster without sending fewer requests. The
target: within 1.2x of it, with at most 2% of the requests refused (429).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

from fake_process import FakeProcess

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOKEN = "bench-token"
TARGET_RATIO = 1.2
TARGET_THROTTLED = 0.02
"""At most this share of the requests refused (429): the client's gate learns the limit from the
first answers, so the very first burst may meet a refusal or two."""


@dataclass(frozen=True)
class Setting:
    vms: int
    rate: int

    def requests(self) -> int:
        return 1 + 2 * self.vms

    def lower_bound(self) -> float:
        return self.requests() / self.rate


FULL = Setting(vms=200, rate=20)
SMOKE = Setting(vms=20, rate=20)


def serve(setting: Setting) -> None:
    """Run the fake: VMs with fresh, stale and no snapshots; ``stats`` on stdin for counters."""
    from hostinger_api.testing import FakeHostingerApi

    vms = [{"id": 1000 + i, "hostname": f"web-{i}.example.com"} for i in range(setting.vms)]
    now = datetime.now(timezone.utc)
    with FakeHostingerApi(token=TOKEN, vms=vms, rate_limit=(setting.rate, 1.0)) as fake:
        for index, vm in enumerate(vms):
            if index % 10:  # one VM in ten has no snapshot
                age = timedelta(hours=30 if index % 7 == 0 else 3)
                fake.set_snapshot(int(vm["id"]), created_at=now - age)
        print(fake.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                received = [request.received for request in fake.requests]
                stats = {
                    "requests": len(received),
                    "methods": sorted({request.method for request in fake.requests}),
                    "throttled": fake.throttled,
                    "span": max(received) - min(received) if received else 0.0,
                }
                print(json.dumps(stats), flush=True)


def run_once(arguments: list[str]) -> dict[str, Any]:
    server = FakeProcess(__file__, arguments)
    try:
        env = {**os.environ, "HOSTINGER_API_TOKEN": TOKEN}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "hostinger_api", "--host", server.url]
        command += ["snapshot", "status", "--all", "--max-age", "26h", "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 3):
            raise SystemExit(f"snapshot status exited {done.returncode}:\n{done.stderr}")
        summary = json.loads(done.stdout)["summary"]
        return {"seconds": seconds, "exit": done.returncode, "summary": summary, **server.stats()}
    finally:
        server.close()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20 VMs; no target checked")
    parser.add_argument("--repeat", type=int, help="runs, the median shown (default: 3; smoke 1)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    setting = SMOKE if options.smoke else FULL
    arguments = ["--smoke"] if options.smoke else []
    if options.serve:
        serve(setting)
        return 0
    repeat = options.repeat or (1 if options.smoke else 3)
    runs = [run_once(arguments) for _ in range(repeat)]
    seconds = statistics.median(run["seconds"] for run in runs)
    bound = setting.lower_bound()
    ratio = seconds / bound
    last = runs[-1]
    print(f"snapshot status --all: {setting.vms} VMs, {setting.rate} requests/s allowed")
    print(f"  requests        {last['requests']} (expected {setting.requests()}), "
          f"methods {', '.join(last['methods'])}, 429s {last['throttled']}")  # fmt: skip
    print(f"  lower bound     {bound:.2f} s  (requests / rate)")
    print(
        f"  measured        {seconds:.2f} s  median of {repeat}: "
        + ", ".join(f"{run['seconds']:.2f}" for run in runs)
        + f"  (first to last request at the fake: {last['span']:.2f} s)"
    )
    print(f"  ratio           {ratio:.3f}x  (target: {TARGET_RATIO}x)")
    print(f"  verdicts        {last['summary']}, exit {last['exit']}")
    if options.smoke:
        print("smoke run: targets not checked")
        return 0
    throttled = max(run["throttled"] / run["requests"] for run in runs)
    missed = ratio > TARGET_RATIO or throttled > TARGET_THROTTLED
    print("target missed" if missed else "target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
