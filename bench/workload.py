"""The client-side workloads of the benchmark, run in a fresh interpreter by ``bench/run.py``.

It uses only the surface both this package and Hostinger's generated one have, so the same
script measures either, given the interpreter of an environment where one is installed. Each
mode prints one JSON object on stdout:

    python bench/workload.py percall PORT CALLS ROUNDS   CPU per call, ours and raw urllib3
    python bench/workload.py leak PORT CALLS             RSS before and after CALLS calls
    python bench/workload.py threads PORT CALLS          throughput of 1 and of 8 threads
    python bench/workload.py hammer PORT THREADS SECONDS shared|alone
                                                         threads of one client calling as fast
                                                         as they can (alone: no shared gate)
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import threading
import time
from typing import Any, Callable

import urllib3

import hostinger_api

VM = 1268054
PATH = f"/api/vps/v1/virtual-machines/{VM}/snapshot"
TOKEN = "bench-token"


def client(port: int) -> Any:
    configuration = hostinger_api.Configuration(host=f"http://127.0.0.1:{port}", access_token=TOKEN)
    return hostinger_api.ApiClient(configuration)


def operations(api_client: Any) -> dict[str, Callable[[], Any]]:
    snapshots = hostinger_api.VPSSnapshotsApi(api_client)
    return {
        "get_snapshot_v1": lambda: snapshots.get_snapshot_v1(VM),
        "create_snapshot_v1": lambda: snapshots.create_snapshot_v1(VM),
    }


def floors(port: int, api_client: Any) -> dict[str, Callable[[], Any]]:
    """The same requests (same headers) through a bare urllib3 pool, decoded with json.loads."""
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=8)
    headers = {
        **api_client.default_headers,
        "Accept": "application/json",
        "Authorization": f"Bearer {TOKEN}",
    }
    return {
        "get_snapshot_v1": lambda: json.loads(pool.urlopen("GET", PATH, headers=headers).data),
        "create_snapshot_v1": lambda: json.loads(pool.urlopen("POST", PATH, headers=headers).data),
    }


def paired_cpu(
    ours: Callable[[], Any], floor: Callable[[], Any], calls: int
) -> tuple[float, float]:
    """Microseconds of this process's CPU per call of each, the two interleaved call by call.

    Alternating single calls (and which goes first) exposes both to the same moment of a
    shared, noisy machine, so that their ratio holds still even when the absolute times do not.
    """
    clock = time.process_time_ns
    spent = {ours: 0, floor: 0}
    for index in range(calls):
        first, second = (ours, floor) if index & 1 else (floor, ours)
        started = clock()
        first()
        middle = clock()
        second()
        ended = clock()
        spent[first] += middle - started
        spent[second] += ended - middle
    return spent[ours] / calls / 1000, spent[floor] / calls / 1000


def percall(port: int, calls: int, rounds: int) -> dict[str, Any]:
    """Ours and the floor, interleaved; the median of each over the rounds, and of their ratios."""
    api_client = client(port)
    ours, floor = operations(api_client), floors(port, api_client)
    result = {}
    for name in ours:
        for _ in range(max(calls // 5, 50)):  # warm-up: connections, caches, lazy imports
            ours[name]()
            floor[name]()
        rounds_ = [paired_cpu(ours[name], floor[name], calls) for _ in range(rounds)]
        result[name] = {
            "ours_us": statistics.median(mine for mine, _ in rounds_),
            "floor_us": statistics.median(raw for _, raw in rounds_),
            "ratio": statistics.median(mine / raw for mine, raw in rounds_),
        }
    return result


def rss_kib() -> int:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def leak(port: int, calls: int) -> dict[str, Any]:
    """RSS growth over ``calls`` calls (half get, half create), after a warm-up."""
    api_client = client(port)
    work = list(operations(api_client).values())
    for _ in range(1000):
        for call in work:
            call()
    gc.collect()
    before = rss_kib()
    for index in range(calls):
        work[index % 2]()
    gc.collect()
    return {"calls": calls, "rss_before_kib": before, "rss_growth_kib": rss_kib() - before}


def throughput(work: Callable[[], Any], thread_count: int, calls: int) -> tuple[float, list[str]]:
    """Calls per second of ``thread_count`` threads sharing ``work``, and what went wrong."""
    errors: list[str] = []
    each = calls // thread_count

    def run() -> None:
        try:
            for _ in range(each):
                work()
        except BaseException as error:  # counted and reported, not hidden
            errors.append(repr(error))

    workers = [threading.Thread(target=run) for _ in range(thread_count)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return each * thread_count / (time.perf_counter() - started), errors


def threads(port: int, calls: int) -> dict[str, Any]:
    """1 thread, then 8 sharing one client, and the same for the floor's one shared pool."""
    api_client = client(port)
    ours = operations(api_client)["get_snapshot_v1"]
    floor = floors(port, api_client)["get_snapshot_v1"]
    for _ in range(200):
        ours()
        floor()
    result: dict[str, Any] = {"errors": []}
    for name, work in (("ours", ours), ("floor", floor)):
        for count in (1, 8):
            per_second, errors = throughput(work, count, calls)
            result[f"{name}_{count}_per_s"] = per_second
            result["errors"] += errors
    return result


def hammer(port: int, thread_count: int, seconds: float, sharing: str) -> dict[str, Any]:
    """``thread_count`` threads of one client calling for ``seconds``; the failures counted.

    A failed call is counted and the thread goes on, as a job that logs and carries on would.
    """
    configuration = hostinger_api.Configuration(host=f"http://127.0.0.1:{port}", access_token=TOKEN)
    if sharing == "alone" and hasattr(configuration, "shared_rate_limit"):
        configuration.shared_rate_limit = False
    snapshots = hostinger_api.VPSSnapshotsApi(hostinger_api.ApiClient(configuration))
    errors: list[str] = []
    ends = time.monotonic() + seconds

    def run() -> None:
        while time.monotonic() < ends:
            try:
                snapshots.get_snapshot_v1(VM)
            except Exception as error:  # counted, as a job would log it and carry on
                errors.append(type(error).__name__)

    workers = [threading.Thread(target=run) for _ in range(thread_count)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {
        "seconds": time.monotonic() - started,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


def main(argv: list[str]) -> None:
    mode, port, *numbers = argv
    if mode == "hammer":
        threads_, seconds, sharing = numbers
        print(json.dumps(hammer(int(port), int(threads_), float(seconds), sharing)))
        return
    counts = [int(number) for number in numbers]
    result = {"percall": percall, "leak": leak, "threads": threads}[mode](int(port), *counts)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
