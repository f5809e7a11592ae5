"""The fleet benchmark: snapshot 200 VMs on a rate-limited fake, against the job's lower bound.

    python bench/fleet.py                              the full run; exits 1 on a missed target
    python bench/fleet.py --compare-python /venv/bin/python   adds a pool over Hostinger's package
    python bench/fleet.py --smoke                      20 VMs, short actions; no targets (CI)

The fake (``hostinger_api.testing``) runs in a process of its own (``--serve``), one per
contender, so that each starts from fresh VMs and a fresh rate limit, and the server's CPU is not
the client's; it reports its counters (requests, 429s, blocks) on request. Each contender runs in
its own process too (``--run``), timed from its first request to its last:

- ``create_snapshots``: ``hostinger_api.create_snapshots(client, concurrency=...)``;
- the plain loop a user writes today: one VM after another, ``create_snapshot_v1`` then
  ``wait_for_action``. It would take minutes, so it runs the first VMs only and the time is
  extrapolated to all of them (the table says so);
- a thread pool over Hostinger's generated package (another virtual environment): it has no
  waiter, so each worker polls ``get_action_details_v1`` every 2 s, sleeps out a 429 for its
  ``Retry-After`` before sending the same request again, and takes the pydantic error its models
  raise for the state ``started`` for "still running", as a careful user would.

The lower bound of the job is the longer of: the requests it needs (the list of VMs, then per VM
the listing of its actions before its POST, the POST and one poll) at the allowed rate, and the
longest action.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from fake_process import FakeProcess

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOKEN = "bench-token"
TARGET_RATIO = 1.5
TARGET_THROTTLED = 0.02


@dataclass(frozen=True)
class Setting:
    """The workload: how many VMs, how long their actions take, the rate the fake allows."""

    vms: int
    rate: int
    shortest: float
    longest: float
    concurrency: int
    loop_vms: int
    pool_concurrency: int
    first_poll: Optional[float] = None
    """create_snapshots' poll_interval; None: its default."""

    def requests(self) -> int:
        """The job's fewest requests: the VM list; per VM its actions, its POST, one poll."""
        return 1 + 3 * self.vms

    def lower_bound(self) -> float:
        requests = self.requests()
        return max(requests / self.rate, self.longest)


FULL = Setting(
    vms=200, rate=20, shortest=1.0, longest=3.0, concurrency=48, loop_vms=8, pool_concurrency=48
)
SMOKE = Setting(
    vms=20,
    rate=20,
    shortest=0.2,
    longest=0.5,
    concurrency=16,
    loop_vms=3,
    pool_concurrency=16,
    first_poll=0.3,
)


# -- the fake, in its own process ----------------------------------------------------------------


def serve(setting: Setting, seed: int) -> None:
    """Run the fake with the setting's VMs; answer ``stats`` on stdin with its counters."""
    from hostinger_api.testing import FakeHostingerApi

    chance = random.Random(seed)  # noqa: S311 (durations of made-up actions)
    vms = [
        {
            "id": 1000 + index,
            "hostname": f"web-{index}.example.com",
            "action_seconds": chance.uniform(setting.shortest, setting.longest),
        }
        for index in range(setting.vms)
    ]
    with FakeHostingerApi(token=TOKEN, vms=vms, rate_limit=(setting.rate, 1.0)) as fake:
        print(fake.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                requests = fake.requests
                stats = {
                    "requests": len(requests),
                    "posts": sum(1 for r in requests if r.method == "POST"),
                    "actions": sum(len(fake.actions(int(vm["id"]))) for vm in vms),
                    "throttled": fake.throttled,
                    "blocks": fake.blocks,
                    "snapshots": sum(1 for vm in vms if fake.snapshot(int(vm["id"]))),
                }
                print(json.dumps(stats), flush=True)


# -- the contenders, each in its own process -----------------------------------------------------


def run_ours(url: str, setting: Setting) -> dict[str, Any]:
    import hostinger_api

    configuration = hostinger_api.Configuration(host=url, access_token=TOKEN)
    with hostinger_api.ApiClient(configuration) as client:
        started = time.perf_counter()
        tuning = {} if setting.first_poll is None else {"poll_interval": setting.first_poll}
        report = hostinger_api.create_snapshots(client, concurrency=setting.concurrency, **tuning)
        seconds = time.perf_counter() - started
    summary = report.summary
    return {"seconds": seconds, "done": summary["succeeded"], "vms": len(report.results)}


def run_loop(url: str, setting: Setting) -> dict[str, Any]:
    import hostinger_api

    configuration = hostinger_api.Configuration(host=url, access_token=TOKEN)
    with hostinger_api.ApiClient(configuration) as client:
        started = time.perf_counter()
        machines = hostinger_api.VPSVirtualMachineApi(client).get_virtual_machines_v1()
        snapshots = hostinger_api.VPSSnapshotsApi(client)
        done = 0
        for machine in machines[: setting.loop_vms]:
            assert machine.id is not None
            action = snapshots.create_snapshot_v1(machine.id)
            hostinger_api.wait_for_action(client, machine.id, action)
            done += 1
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "done": done, "vms": setting.loop_vms}


def run_pool(url: str, setting: Setting) -> dict[str, Any]:
    """A thread pool over Hostinger's generated package: no waiter, no rate limiting."""
    import hostinger_api
    from hostinger_api.exceptions import ApiException

    configuration = hostinger_api.Configuration(host=url, access_token=TOKEN)

    def patiently(call: Any, *args: int) -> Any:
        for _ in range(100):
            try:
                return call(*args)
            except ApiException as error:
                if error.status != 429:
                    raise
                headers = error.headers or {}
                time.sleep(float(headers.get("Retry-After") or 1))
        raise RuntimeError("still refused after 100 tries")

    with hostinger_api.ApiClient(configuration) as client:
        snapshots = hostinger_api.VPSSnapshotsApi(client)
        actions = hostinger_api.VPSActionsApi(client)

        def one(vm: int) -> bool:
            action_id = patiently(snapshots.create_snapshot_v1, vm).id
            while True:
                time.sleep(2)
                try:
                    state = patiently(actions.get_action_details_v1, vm, action_id).state
                except ValueError:  # its models refuse the state "started": still running
                    continue
                if state in ("success", "error"):
                    return bool(state == "success")

        started = time.perf_counter()
        machines = patiently(hostinger_api.VPSVirtualMachineApi(client).get_virtual_machines_v1)
        with ThreadPoolExecutor(setting.pool_concurrency) as pool:
            outcomes = list(pool.map(one, [machine.id for machine in machines]))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "done": sum(outcomes), "vms": len(outcomes)}


CONTENDERS = {"ours": run_ours, "loop": run_loop, "pool": run_pool}


def contend(python: str, name: str, url: str, arguments: list[str]) -> dict[str, Any]:
    ours = python == sys.executable
    env = dict(os.environ)
    if ours:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)  # Hostinger's package, not this checkout
    command = [python, str(Path(__file__)), "--run", name, "--url", url, *arguments]
    output = subprocess.run(
        command, env=env, cwd=ROOT if ours else "/", capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output.stderr}")
    return dict(json.loads(output.stdout.splitlines()[-1]))


# -- the run -------------------------------------------------------------------------------------


def measure(
    name: str, python: str, setting: Setting, arguments: list[str]
) -> tuple[dict[str, Any], dict[str, int]]:
    server = FakeProcess(__file__, arguments)
    try:
        result = contend(python, name, server.url, arguments)
        return result, server.stats()
    finally:
        server.close()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20 VMs, short actions, no targets")
    parser.add_argument("--compare-python", metavar="PYTHON", help="Hostinger's package's python")
    parser.add_argument("--seed", type=int, default=1, help="the VMs' action durations")
    parser.add_argument(
        "--repeat", type=int, help="runs of create_snapshots, the median shown (default: 3; 1)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    setting = SMOKE if options.smoke else FULL
    options.repeat = options.repeat or (1 if options.smoke else 3)
    arguments = ["--seed", str(options.seed), *(["--smoke"] if options.smoke else [])]
    if options.serve:
        serve(setting, options.seed)
        return 0
    if options.run:
        print(json.dumps(CONTENDERS[options.run](options.url, setting)))
        return 0

    bound = setting.lower_bound()
    print(
        f"{setting.vms} VMs, actions of {setting.shortest:g} to {setting.longest:g} s, "
        f"the fake allowing {setting.rate} requests a second; lower bound {bound:.1f} s "
        f"({setting.requests()} requests at {setting.rate}/s, or the longest action)\n"
    )
    rows = []
    runs = sorted(
        (measure("ours", sys.executable, setting, arguments) for _ in range(options.repeat)),
        key=lambda run: float(run[0]["seconds"]),
    )
    ours, ours_stats = runs[len(runs) // 2]
    spread = ", ".join(f"{run[0]['seconds']:.1f}" for run in runs)
    name = "create_snapshots" + (f" (median of {len(runs)}: {spread} s)" if len(runs) > 1 else "")
    rows.append((name, ours, ours_stats, ""))
    loop, loop_stats = measure("loop", sys.executable, setting, arguments)
    rows.append(("plain loop with wait_for_action", loop, loop_stats, "extrapolated"))
    if options.compare_python:
        pool, pool_stats = measure("pool", options.compare_python, setting, arguments)
        rows.append(("thread pool over Hostinger's 4.3.1", pool, pool_stats, ""))

    header = "| contender | wall time | vs lower bound | requests | 429s | VMs done |"
    print(header)
    print("|---|---|---|---|---|---|")
    for name, result, stats, note in rows:
        seconds = result["seconds"] * (setting.vms / result["vms"] if note else 1)
        share = stats["throttled"] / max(stats["requests"], 1)
        shown = f"{seconds:,.1f} s" + (f" ({note} from {result['vms']} VMs)" if note else "")
        print(
            f"| {name} | {shown} | {seconds / bound:.2f}x | {stats['requests']} | "
            f"{stats['throttled']} ({share:.1%}) | {result['done']} of {result['vms']} |"
        )
    share = ours_stats["throttled"] / max(ours_stats["requests"], 1)
    ratio = ours["seconds"] / bound
    met = (
        ratio <= TARGET_RATIO
        and share <= TARGET_THROTTLED
        and ours["done"] == setting.vms
        and ours_stats["actions"] == setting.vms
        and ours_stats["blocks"] == 0
    )
    print(
        f"\ncreate_snapshots: {ratio:.2f}x the lower bound (target {TARGET_RATIO}x), "
        f"{share:.1%} 429s (target {TARGET_THROTTLED:.0%}), {ours['done']} of {setting.vms} "
        f"VMs done, {ours_stats['actions']} actions started ({ours_stats['posts']} POSTs sent, "
        f"429s included), {ours_stats['blocks']} blocks: "
        + (
            "smoke run, targets not checked"
            if options.smoke
            else "targets met"
            if met
            else "TARGET MISSED"
        )
    )
    if options.smoke:
        return 0 if ours["done"] == setting.vms else 1
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
