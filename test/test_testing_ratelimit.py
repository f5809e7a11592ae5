"""The fake's rate limit: Laravel's fixed window, its headers, the block, and the command line."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import pytest
import urllib3
from support import TOKEN, VM, in_threads

from hostinger_api import ApiClient, VPSSnapshotsApi
from hostinger_api.testing import FakeHostinger, FakeHostingerApi, faults
from hostinger_api.testing._ratelimit import RateLimiter

SNAPSHOT = f"/api/vps/v1/virtual-machines/{VM}/snapshot"


class Clock:
    """A clock the test moves by hand: exact windows without sleeping."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.25 + self.now


def limiter(limit=2, seconds=1.0, **block) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(limit, seconds, clock=clock, wall_clock=clock.wall, **block), clock


def call(fake, path=SNAPSHOT, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = urllib3.request("GET", fake.url + path, headers=headers, retries=False, timeout=5)
    return response.status, json.loads(response.data), response.headers


def test_every_allowed_request_says_the_limit_and_what_remains():
    rate, _ = limiter(limit=3)
    verdicts = [rate.check("a") for _ in range(3)]
    assert all(verdict.allowed for verdict in verdicts)
    assert [dict(verdict.headers) for verdict in verdicts] == [
        {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": remaining} for remaining in "210"
    ]


def test_a_refusal_says_when_to_come_back():
    rate, clock = limiter(limit=1, seconds=2.0)
    rate.check("a")
    clock.now += 0.7
    refused = rate.check("a")
    assert not refused.allowed
    assert refused.message == "Too Many Attempts."
    assert dict(refused.headers) == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "2",  # 1.3 s left, rounded up
        "X-RateLimit-Reset": str(math.ceil(clock.wall() + 1.3)),
    }


@pytest.mark.parametrize(
    ("seconds", "elapsed", "retry_after"),
    [(0.5, 0.0, "1"), (0.5, 0.49, "1"), (60.0, 0.0, "60"), (60.0, 59.5, "1"), (3.0, 0.9, "3")],
)
def test_retry_after_is_whole_seconds_rounded_up_and_never_zero(seconds, elapsed, retry_after):
    rate, clock = limiter(limit=1, seconds=seconds)
    rate.check("a")
    clock.now += elapsed
    assert rate.check("a").headers["Retry-After"] == retry_after


def test_ietf_style_says_the_limit_in_the_drafts_fields():
    rate, clock = limiter(limit=2, seconds=1.5, headers="ietf")
    assert dict(rate.check("a").headers) == {
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "1",
        "RateLimit-Reset": "2",
        "RateLimit-Policy": "2;w=1.5",
    }
    clock.now += 0.6
    rate.check("a")
    refused = rate.check("a")
    assert not refused.allowed
    assert dict(refused.headers) == {
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "1",
        "RateLimit-Policy": "2;w=1.5",
        "Retry-After": "1",
    }


def test_none_style_says_nothing_not_even_retry_after():
    rate, _ = limiter(limit=1, headers="none", block_after=1)
    assert dict(rate.check("a").headers) == {}
    refused, blocked = rate.check("a"), rate.check("a")
    assert (refused.allowed, dict(refused.headers)) == (False, {})
    assert (blocked.allowed, dict(blocked.headers)) == (False, {})
    assert "Blocked" in blocked.message


def test_the_window_is_fixed_from_the_first_request_and_refusals_do_not_count():
    rate, clock = limiter(limit=2, seconds=1.0)
    assert rate.check("a").allowed
    clock.now += 0.6
    assert rate.check("a").allowed
    for _ in range(5):
        clock.now += 0.05
        assert not rate.check("a").allowed
    clock.now = 101.0  # the window began at 100.0: it is over, whatever came since
    assert rate.check("a").headers["X-RateLimit-Remaining"] == "1"
    assert (rate.allowed, rate.throttled, rate.blocks) == (3, 5, 0)


def test_each_key_has_its_own_window_a_missing_header_included():
    rate, _ = limiter(limit=1)
    assert [rate.check(key).allowed for key in ("Bearer a", "Bearer b", None, "")] == [True] * 4
    assert [rate.check(key).allowed for key in ("Bearer a", "Bearer b", None, "")] == [False] * 4


def test_a_block_begins_after_k_refusals_within_the_span_and_refuses_everything():
    rate, clock = limiter(limit=1, seconds=1.0, block_after=3, block_span=10, block_seconds=30)
    rate.check("a")
    assert [rate.check("a").message for _ in range(3)] == ["Too Many Attempts."] * 3
    assert rate.blocks == 1
    clock.now += 5  # the window is long over, but the block is not
    blocked = rate.check("a")
    assert not blocked.allowed
    assert "Blocked for 30 seconds" in blocked.message
    assert blocked.headers["Retry-After"] == "25"
    assert blocked.headers["X-RateLimit-Reset"] == str(math.ceil(clock.wall() + 25))
    assert rate.check("b").allowed  # another token is not blocked
    clock.now += 25
    assert rate.check("a").headers["X-RateLimit-Remaining"] == "0"  # a fresh window
    assert (rate.allowed, rate.throttled, rate.blocks) == (3, 4, 1)


def test_refusals_spread_wider_than_the_span_begin_no_block():
    rate, clock = limiter(limit=1, seconds=1.0, block_after=2, block_span=1.5)
    for _ in range(4):
        assert rate.check("a").allowed
        assert not rate.check("a").allowed
        clock.now += 2.0  # a new window, and the last refusal out of the span
    assert rate.blocks == 0
    assert rate.check("a").allowed


def test_the_counts_are_exact_under_threads():
    rate, _ = limiter(limit=100, seconds=60)
    in_threads(16, lambda: [rate.check("a") for _ in range(50)])
    assert (rate.allowed, rate.throttled) == (100, 700)


def test_many_keys_that_come_and_go_are_forgotten():
    rate, clock = limiter(limit=1, seconds=0.5)
    for number in range(5000):
        rate.check(f"Bearer {number}")
        clock.now += 0.01
    assert len(rate._keys) <= 1100


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"rate_limit": (0, 1)}, "number of requests must be an int, 1 or more"),
        ({"rate_limit": (True, 1)}, "number of requests must be an int"),
        ({"rate_limit": (1.5, 1)}, "number of requests must be an int"),
        ({"rate_limit": (1, 0)}, "window must be more than 0 seconds"),
        ({"rate_limit": (1, math.inf)}, "window must be more than 0 seconds and finite"),
        ({"rate_limit": (1, "1")}, "window must be a number of seconds"),
        ({"rate_limit": "50/1"}, r"rate_limit must be \(N, SECONDS\)"),
        ({"rate_limit": (1, 2, 3)}, r"rate_limit must be \(N, SECONDS\)"),
        ({"block_after": 3}, "block_after needs a rate_limit"),
        ({"rate_limit": (1, 1), "block_after": 0}, "block_after must be an int, 1 or more"),
        ({"rate_limit": (1, 1), "block_span": 0}, "block_span must be more than 0"),
        ({"rate_limit": (1, 1), "block_seconds": -1}, "block_seconds must be more than 0"),
        ({"rate_limit": (1, 1), "rate_limit_headers": "x"}, "must be one of laravel, ietf, retry-"),
        ({"rate_limit_headers": "ietf"}, "rate_limit_headers needs a rate_limit"),
    ],
)
def test_bad_limits_are_refused_clearly(arguments, message):
    with pytest.raises(ValueError, match=message):
        FakeHostinger(**arguments)


def test_without_a_limit_nothing_is_counted_and_no_header_is_sent(fake):
    assert fake.rate_limit is None
    headers = call(fake)[2]
    assert "X-RateLimit-Limit" not in headers
    assert (fake.allowed, fake.throttled, fake.blocks) == (0, 0, 0)


def test_over_sockets_every_answer_carries_the_headers_and_the_429_the_rest():
    with FakeHostingerApi(token=TOKEN, vms=[VM], rate_limit=(3, 0.5)) as fake:
        assert fake.rate_limit == (3, 0.5)
        answers = [call(fake), call(fake, "/nowhere"), call(fake, "/api/vps/v1/virtual-machines")]
        assert [status for status, _, _ in answers] == [404, 404, 200]
        assert [headers["X-RateLimit-Remaining"] for _, _, headers in answers] == ["2", "1", "0"]
        status, _, headers = call(fake, token="wrong")  # another token, another window
        assert (status, headers["X-RateLimit-Remaining"]) == (401, "2")
        before = time.time()
        status, body, headers = call(fake)
        assert status == 429
        assert body["message"] == "Too Many Attempts."
        assert body["correlation_id"]
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("3", "0")
        assert headers["Retry-After"] == "1"
        assert before <= int(headers["X-RateLimit-Reset"]) <= before + 5
        assert (fake.allowed, fake.throttled) == (4, 1)

        deadline = time.monotonic() + 5
        while call(fake)[0] == 429:
            assert time.monotonic() < deadline, "the window never ended"
            time.sleep(0.05)
        assert fake.blocks == 0


def test_over_sockets_a_block_refuses_everything_and_then_ends():
    with FakeHostingerApi(
        token=TOKEN, vms=[VM], rate_limit=(1, 0.5), block_after=2, block_seconds=2
    ) as fake:
        statuses = [call(fake)[0] for _ in range(3)]
        assert statuses == [404, 429, 429]
        assert fake.blocks == 1
        time.sleep(0.6)  # the window is over; the block is not
        status, body, headers = call(fake)
        assert status == 429
        assert "Blocked for 2 seconds" in body["message"]
        assert headers["Retry-After"] in ("1", "2")
        deadline = time.monotonic() + 5
        while call(fake)[0] == 429:
            assert time.monotonic() < deadline, "the block never ended"
            time.sleep(0.05)
        assert fake.blocks == 1
        assert fake.throttled >= 3


def test_over_sockets_without_headers_a_429_says_nothing():
    with FakeHostingerApi(token=TOKEN, rate_limit=(1, 60), rate_limit_headers="none") as fake:
        first, second = call(fake), call(fake)
    assert (first[0], second[0]) == (404, 429)
    assert second[1]["message"] == "Too Many Attempts."
    for _, _, headers in (first, second):
        assert not [name for name in headers if "ratelimit" in name.lower()]
        assert "Retry-After" not in headers


def test_the_limit_comes_before_injected_faults():
    with FakeHostingerApi(token=TOKEN, vms=[VM], rate_limit=(1, 60)) as fake:
        fake.inject(faults.error(503), times=2)
        status, _, headers = call(fake)
        assert (status, headers["X-RateLimit-Remaining"]) == (503, "0")
        assert call(fake)[0] == 429  # refused by the limit: the second fault stays
        assert fake.pending_faults() == 1
        assert (fake.allowed, fake.throttled) == (1, 1)


def test_an_injected_429_keeps_its_own_retry_after():
    with FakeHostingerApi(token=TOKEN, vms=[VM], rate_limit=(5, 60)) as fake:
        fake.inject(faults.rate_limited(retry_after=7))
        status, _, headers = call(fake)
        assert (status, headers["Retry-After"], headers["X-RateLimit-Remaining"]) == (429, "7", "4")
        assert fake.throttled == 0  # not the limit's doing


def test_the_client_sees_the_headers():
    with FakeHostingerApi(token=TOKEN, vms=[VM], rate_limit=(10, 60)) as fake:
        fake.set_snapshot(VM)
        with ApiClient(fake.configuration()) as api_client:
            response = VPSSnapshotsApi(api_client).get_snapshot_v1_with_http_info(VM)
    assert response.headers["X-RateLimit-Remaining"] == "9"


def run_cli(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "hostinger_api.testing", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_on_its_own_it_limits_and_makes_a_fleet():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostinger_api.testing",
            "--token",
            TOKEN,
            "--vms",
            "8",
            "--rate-limit",
            "3/60",
            "--block-after",
            "2",
            "--rate-limit-headers",
            "ietf",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().split()[-1]

        def get(path):
            response = urllib3.request(
                "GET", url + path, headers={"Authorization": f"Bearer {TOKEN}"}, retries=False
            )
            return response.status, json.loads(response.data), response.headers

        status, vms, headers = get("/api/vps/v1/virtual-machines")
        assert (status, headers["RateLimit-Policy"]) == (200, "3;w=60")
        assert [vm["id"] for vm in vms] == list(range(1000001, 1000009))
        assert len({vm["hostname"] for vm in vms}) == 8
        assert any(not vm["hostname"].endswith(".hstgr.cloud") for vm in vms)
        assert {vm["state"] for vm in vms} == {"running", "stopped"}
        assert len({vm["plan"] for vm in vms}) == 4
        assert get("/api/vps/v1/virtual-machines/5")[0] == 404  # only the fleet exists
        assert get("/api/vps/v1/virtual-machines/1000001")[0] == 200
        for _ in range(2):  # the second refusal begins the block
            status, _, headers = get("/api/vps/v1/virtual-machines")
            assert status == 429
            assert 1 <= int(headers["Retry-After"]) <= 60
        status, body, _ = get("/api/vps/v1/virtual-machines")
        assert status == 429
        assert "Blocked for 60 seconds" in body["message"]
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--rate-limit", "50"], "argument --rate-limit: expected N/SECONDS"),
        (["--rate-limit", "0/1"], "argument --rate-limit: expected N/SECONDS"),
        (["--rate-limit", "5/nan"], "argument --rate-limit: expected N/SECONDS"),
        (["--block-after", "3"], "--block-after needs --rate-limit"),
        (["--rate-limit", "5/1", "--block-after", "0"], "argument --block-after: expected"),
        (["--rate-limit", "5/1", "--block-seconds", "0"], "argument --block-seconds: expected"),
        (["--vms", "many"], "argument --vms: expected a whole number"),
        (["--rate-limit-headers", "ietf"], "--rate-limit-headers needs --rate-limit"),
        (["--rate-limit", "5/1", "--rate-limit-headers", "x"], "invalid choice: 'x'"),
    ],
)
def test_on_its_own_bad_flags_are_refused_clearly(arguments, message):
    result = run_cli(*arguments)
    assert result.returncode == 2
    assert message in result.stderr
