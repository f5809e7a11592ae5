"""Shared fixtures: a running fake Hostinger API and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import TOKEN, VM

from hostinger_api import ApiClient, Configuration, VPSActionsApi, VPSSnapshotsApi
from hostinger_api.testing import FakeHostingerApi

pytest_plugins = ["hostinger_api.pytest_plugin"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's token, another test's defaults or pause, or ~/.local/state."""
    monkeypatch.delenv("HOSTINGER_API_TOKEN", raising=False)
    monkeypatch.delenv("HOSTINGER_API_TOKEN_FILE", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setenv("HOSTINGER_API_STATE_DIR", str(tmp_path / "state"))
    yield
    Configuration.set_default(None)
    ApiClient.set_default(None)


@pytest.fixture
def fake() -> Iterator[FakeHostingerApi]:
    with FakeHostingerApi(vms=[VM], token=TOKEN) as server:
        yield server


@pytest.fixture
def api_client(fake: FakeHostingerApi) -> Iterator[ApiClient]:
    with ApiClient(fake.configuration()) as client:
        yield client


@pytest.fixture
def snapshots(api_client: ApiClient) -> VPSSnapshotsApi:
    return VPSSnapshotsApi(api_client)


@pytest.fixture
def actions(api_client: ApiClient) -> VPSActionsApi:
    return VPSActionsApi(api_client)
