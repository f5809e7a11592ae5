"""The top-level package: every public name, imported only when used."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import hostinger_api


@pytest.mark.parametrize("name", hostinger_api.__all__)
def test_every_public_name_resolves(name):
    value = getattr(hostinger_api, name)
    assert value is not None
    assert name in dir(hostinger_api)


def test_names_are_the_objects_of_their_modules():
    from hostinger_api import exceptions, models
    from hostinger_api.api import VPSActionsApi, VPSSnapshotsApi

    assert hostinger_api.ApiException is exceptions.ApiException
    assert hostinger_api.VPSV1ActionActionResource is models.VPSV1ActionActionResource
    assert (hostinger_api.VPSSnapshotsApi, hostinger_api.VPSActionsApi) == (
        VPSSnapshotsApi,
        VPSActionsApi,
    )


def test_submodules_are_attributes():
    for name in [
        "api",
        "api_client",
        "api_response",
        "configuration",
        "exceptions",
        "models",
        "rest",
        "testing",
        "waiters",
    ]:
        assert getattr(hostinger_api, name) is importlib.import_module(f"hostinger_api.{name}")
    assert hostinger_api.rest.ApiException is hostinger_api.ApiException


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        hostinger_api.no_such_thing  # noqa: B018


def test_the_generated_packages_import_lines_work():
    script = (
        "import hostinger_api\n"
        "from hostinger_api.models.vpsv1_action_action_resource import (\n"
        "    VPSV1ActionActionResource)\n"
        "from hostinger_api.models.vpsv1_snapshot_snapshot_resource import (\n"
        "    VPSV1SnapshotSnapshotResource)\n"
        "from hostinger_api.rest import ApiException\n"
        "from hostinger_api.exceptions import ApiException as Same\n"
        "from hostinger_api import *\n"
        "assert ApiException is Same and VPSSnapshotsApi and Configuration and ApiClient\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_importing_the_package_loads_neither_pydantic_nor_urllib3():
    script = (
        "import sys, hostinger_api\n"
        "print(sorted(m for m in ('pydantic', 'urllib3') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )
    assert output.stdout.strip() == "[]"
