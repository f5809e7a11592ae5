"""The ``hostinger_fake`` pytest fixture, registered when this package is installed.

    def test_backup(hostinger_fake):
        with hostinger_api.ApiClient(hostinger_fake.configuration()) as api_client:
            ...

pytest imports this module at the start of every run, in every project where this package is
installed, so it imports nothing of ours until a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hostinger_api.testing import FakeHostingerApi


@pytest.fixture
def hostinger_fake() -> Iterator[FakeHostingerApi]:
    """A running fake Hostinger API where every VM id exists and actions finish at once."""
    from hostinger_api.testing import FakeHostingerApi

    with FakeHostingerApi(accept_any_vm=True) as fake:
        yield fake
