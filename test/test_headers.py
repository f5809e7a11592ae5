"""Reading Retry-After and the rate-limit fields, in every form servers send them."""

from __future__ import annotations

import pytest
from urllib3 import HTTPHeaderDict

from hostinger_api._headers import (
    RateLimitHeaders,
    has_rate_limit_fields,
    parse_retry_after,
    read_rate_limit,
)


def headers(**fields: str) -> HTTPHeaderDict:
    return HTTPHeaderDict({name.replace("_", "-"): value for name, value in fields.items()})


def test_laravel_fields_on_an_answer_and_on_a_429():
    assert read_rate_limit(headers(X_RateLimit_Limit="60", X_RateLimit_Remaining="59")) == (
        RateLimitHeaders(limit=60, remaining=59)
    )
    seconds = headers(X_RateLimit_Limit="60", X_RateLimit_Remaining="0", X_RateLimit_Reset="42")
    assert read_rate_limit(seconds) == RateLimitHeaders(60, 0, 42.0, None)  # small: seconds
    in_unix_time = headers(X_RateLimit_Remaining="0", X_RateLimit_Reset="2000000030")
    assert read_rate_limit(in_unix_time, wall_now=2000000000.0).reset_in == 30.0


def test_a_reset_in_the_past_is_now():
    past = headers(X_RateLimit_Remaining="0", X_RateLimit_Reset="2000000000")
    assert read_rate_limit(past, wall_now=2000000100.0).reset_in == 0.0


def test_ietf_fields_separate_or_combined_with_the_policy_window():
    separate = headers(RateLimit_Limit="100", RateLimit_Remaining="7", RateLimit_Reset="12")
    assert read_rate_limit(separate) == RateLimitHeaders(100, 7, 12.0, None)
    combined = headers(RateLimit="limit=100, remaining=50, reset=30", RateLimit_Policy="100;w=60")
    assert read_rate_limit(combined) == RateLimitHeaders(100, 50, 30.0, 60.0)
    policy_only = headers(RateLimit="remaining=3", RateLimit_Policy="10;w=1")
    assert read_rate_limit(policy_only) == RateLimitHeaders(10, 3, None, 1.0)


@pytest.mark.parametrize(
    "fields",
    [
        {"X_RateLimit_Remaining": "many"},
        {"X_RateLimit_Remaining": "-1"},
        {"RateLimit": "remaining"},
        {"RateLimit": ""},
        {"X_RateLimit_Remaining": "inf"},
    ],
)
def test_unreadable_values_are_left_out_not_guessed(fields):
    assert read_rate_limit(headers(**fields)).remaining is None


def test_no_fields_at_all():
    assert read_rate_limit(headers(Content_Type="application/json")) == RateLimitHeaders()
    assert not has_rate_limit_fields(headers(Content_Type="application/json"))
    for name in ("x-ratelimit-remaining", "RateLimit", "ratelimit-remaining"):
        assert has_rate_limit_fields(HTTPHeaderDict({name: "1"}))


def test_retry_after_is_read_here_and_where_it_always_was():
    from hostinger_api.retry import parse_retry_after as from_retry

    assert from_retry is parse_retry_after
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None


# -- forms seen in the wild (issue 15, item 13) --------------------------------------------------


def test_an_http_date_retry_after_is_measured_against_the_answers_date():
    from hostinger_api._headers import retry_after_seconds

    skewed = headers(
        Retry_After="Wed, 02 Dec 2026 10:00:30 GMT", Date="Wed, 02 Dec 2026 10:00:00 GMT"
    )
    assert retry_after_seconds(skewed) == 30.0  # whatever this machine's clock says
    assert retry_after_seconds(headers(Retry_After="7", Date="nonsense")) == 7.0
    assert retry_after_seconds(headers(Content_Type="application/json")) is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2, 2", 2.0), ("3,5", 3.0), (" 4 , 9", 4.0)],
)
def test_a_retry_after_sent_twice_reads_the_first_value(value, seconds):
    assert parse_retry_after(value) == seconds


def test_two_joined_dates_read_the_first():
    from datetime import datetime, timezone

    now = datetime(2026, 12, 2, 10, 0, 0, tzinfo=timezone.utc)
    joined = "Wed, 02 Dec 2026 10:00:20 GMT, Wed, 02 Dec 2026 10:00:50 GMT"
    assert parse_retry_after(joined, now=now) == 20.0


def test_a_reset_in_epoch_milliseconds():
    in_ms = headers(X_RateLimit_Remaining="0", X_RateLimit_Reset="2000000030000")
    assert read_rate_limit(in_ms, wall_now=2000000000.0).reset_in == 30.0


def test_the_ietf_drafts_structured_fields():
    newer = headers(RateLimit='"default";r=0;t=3', RateLimit_Policy='"default";q=100;w=60')
    assert read_rate_limit(newer) == RateLimitHeaders(100, 0, 3.0, 60.0)
    assert has_rate_limit_fields(newer)
    two = headers(RateLimit='"burst";r=5;t=1, "daily";r=900;t=3600')
    assert read_rate_limit(two) == RateLimitHeaders(remaining=5, reset_in=1.0)
