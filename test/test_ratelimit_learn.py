"""What the gate learns of a limit from the 429s and the successes between them, as numbers."""

from __future__ import annotations

import pytest

from hostinger_api._headers import RateLimitHeaders
from hostinger_api._ratelimit_learn import LimitModel


def test_a_full_window_gives_the_count_and_the_next_opener_bounds_its_length():
    model = LimitModel()
    model.opened_by(1, sent=10.0, now=10.01, quiet_successes=0)
    for sequence in range(2, 21):
        model.answered(sequence)  # 20 answered in the window, the opener included
    assert model.throttled(21, now=10.2, wait=None, opener=False, after_pause=False) == 1.0
    model.opened_by(22, sent=11.2, now=11.21, quiet_successes=0)  # after the pause: a success
    assert model.limit == 20
    assert model.window == pytest.approx(1.21)  # the first window had ended by then
    assert model.rate() == pytest.approx(20 / 1.005 * 0.97)  # taken as a whole second


def test_a_window_is_taken_as_whole_seconds_until_pacing_so_is_refused():
    model = LimitModel()
    model.limit, model.window = 10, 2.1
    assert model.rate() == pytest.approx(10 / 2.005 * 0.97)
    model.throttled(1, now=1.0, wait=0.5, opener=False, after_pause=False)
    assert model.rate() == pytest.approx(10 / 2.1 * 0.97), "no slowdown yet: the window first"
    model.window = 1.5
    assert model.rate() == pytest.approx(10 / 1.5 * 0.97)


def test_the_first_window_counts_the_answers_before_the_gate_engaged():
    model = LimitModel()
    model.answered(0)
    model.throttled(0, now=5.0, wait=1.0, opener=False, after_pause=False)
    model.opened_by(1, sent=6.0, now=6.01, quiet_successes=49)
    assert model.limit == 50
    assert model.window is None, "when the first window opened is not known"


def test_a_429s_retry_after_bounds_the_window_from_its_opener():
    model = LimitModel()
    model.opened_by(5, sent=100.0, now=100.002, quiet_successes=0)
    assert model.throttled(9, now=100.05, wait=1.0, opener=False, after_pause=False) == 1.0
    assert model.window == pytest.approx(1.05)
    model.throttled(10, now=100.06, wait=3.0, opener=False, after_pause=False)
    assert model.window == pytest.approx(1.05), "a looser bound changes nothing"


def test_a_late_answer_never_raises_the_count_or_opens_a_window():
    model = LimitModel()
    model.read_fields(RateLimitHeaders(limit=5, remaining=4), now=0.0, throttled=False)
    model.note_remaining(3, 1, opener=False, in_flight=1)
    model.note_remaining(1, 4, opener=False, in_flight=1)  # sent before, answered 8 s late
    assert model.reported == 1
    assert model.window is None
    model.note_remaining(7, 4, opener=False, in_flight=1)  # sent after: a new window
    assert model.reported == 4


def test_an_opener_that_found_room_left_did_not_open_a_window():
    model = LimitModel()
    model.read_fields(RateLimitHeaders(limit=5, remaining=2), now=0.0, throttled=False)
    assert model.opens(4)
    assert not model.opens(2)
    assert model.opens(None)


def test_refused_openers_double_the_quiet_pause_and_a_success_resets_it():
    model = LimitModel()
    assert model.throttled(0, now=1.0, wait=None, opener=False, after_pause=False) == 1.0
    assert model.throttled(1, now=2.0, wait=None, opener=True, after_pause=True) == 2.0
    assert model.throttled(2, now=4.0, wait=None, opener=True, after_pause=True) == 4.0
    model.opened_by(3, sent=8.0, now=8.01, quiet_successes=0)
    assert model.throttled(4, now=8.5, wait=None, opener=False, after_pause=False) == 1.0


def test_429s_while_pacing_slow_it_down_once_a_window_and_never_below_half():
    model = LimitModel()
    model.limit, model.window = 10, 0.8
    rate = model.rate()
    assert rate == pytest.approx(10 / 0.8 * 0.97)
    model.throttled(1, now=1.0, wait=0.5, opener=False, after_pause=False)
    model.throttled(2, now=1.1, wait=0.5, opener=False, after_pause=False)  # same burst
    assert model.rate() == pytest.approx(rate * 0.9)
    for second in range(2, 40):
        model.throttled(second, now=float(second), wait=0.5, opener=False, after_pause=False)
    assert model.rate() == pytest.approx(rate * 0.5)


def test_fields_that_give_both_count_and_window_pace_at_once_and_are_not_second_guessed():
    model = LimitModel()
    model.read_fields(RateLimitHeaders(limit=100, remaining=7, window=60.0), 0.0, False)
    assert model.rate() == pytest.approx(100 / 60 * 0.97)
    assert model.left(sent_in_window=0, in_flight=3) is None  # paced: nothing to count
    model.throttled(1, now=1.0, wait=None, opener=False, after_pause=False)
    assert model.rate() == pytest.approx(100 / 60 * 0.97)
