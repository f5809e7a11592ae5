"""The checks every caller-supplied id and duration goes through."""

import pytest

from hostinger_api._checks import check_id, is_number, positive_seconds
from hostinger_api.exceptions import ApiTypeError, ApiValueError


@pytest.mark.parametrize(
    ("value", "expected"), [(1, True), (0.5, True), (True, False), ("1", False), (None, False)]
)
def test_is_number(value, expected):
    assert is_number(value) is expected


def test_check_id():
    assert check_id("vm", 12) == 12
    with pytest.raises(ApiTypeError, match="vm must be a positive int, not bool True"):
        check_id("vm", True)
    with pytest.raises(ApiValueError, match="vm must be a positive int, not 0"):
        check_id("vm", 0)


def test_positive_seconds():
    assert positive_seconds("t", 2) == 2.0
    with pytest.raises(ApiValueError, match="t must be more than 0 seconds"):
        positive_seconds("t", 0.0)
    with pytest.raises(ApiValueError):
        positive_seconds("t", float("nan"))
    with pytest.raises(ApiTypeError, match="t must be a number of seconds, not str"):
        positive_seconds("t", "3")
