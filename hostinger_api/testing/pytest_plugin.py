"""The ``hostinger_fake`` pytest fixture, registered when this package is installed.

def test_backup(hostinger_fake):
    with hostinger_api.ApiClient(hostinger_fake.configuration()) as api_client:
        ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hostinger_api.testing._server import FakeHostingerApi


@pytest.fixture
def hostinger_fake() -> Iterator[FakeHostingerApi]:
    """A running fake Hostinger API where every VM id exists and actions finish at once."""
    with FakeHostingerApi(accept_any_vm=True) as fake:
        yield fake
