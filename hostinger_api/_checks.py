"""Checks of caller-supplied values, made before anything is sent."""

from __future__ import annotations

import decimal
import numbers

from hostinger_api.exceptions import ApiTypeError, ApiValueError


def is_number(value: object) -> bool:
    """True for ints and floats, false for bools (which Python counts as ints)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_id(name: str, value: object) -> int:
    """Refuse anything but a positive int (bools included), naming the parameter."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiTypeError(
            f"{name} must be a positive int, not {type(value).__name__} {value!r}",
            valid_classes=(int,),
        )
    if value < 1:
        raise ApiValueError(f"{name} must be a positive int, not {value}")
    return value


def positive_seconds(name: str, value: object) -> float:
    """Refuse anything but a number of seconds above 0, naming the parameter. Any real number
    will do (``Decimal`` and ``Fraction`` too, as 4.3.1's validation takes them), not a bool."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal)):
        raise ApiTypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not seconds > 0:
        raise ApiValueError(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds
