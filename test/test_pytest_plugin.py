"""The pytest plugin: its fixture, its registration, and what it costs pytest's start."""

from __future__ import annotations

import subprocess
import sys

import urllib3


def test_the_fixture_is_ready_to_use(hostinger_fake):
    assert hostinger_fake.accept_any_vm is True
    response = urllib3.request(
        "POST",
        hostinger_fake.url + "/api/vps/v1/virtual-machines/77/snapshot",
        headers={"Authorization": "Bearer test-token"},
        retries=False,
    )
    assert response.status == 200


def test_the_fixture_is_registered_for_pytest_when_installed():
    from importlib.metadata import entry_points

    found = entry_points()
    group = found.select(group="pytest11") if hasattr(found, "select") else found["pytest11"]
    plugins = {entry.name: entry.value for entry in group}
    assert plugins["hostinger_api"] == "hostinger_api.pytest_plugin"


def test_loading_the_plugin_imports_nothing_heavy():
    script = (
        "import sys, hostinger_api.pytest_plugin\n"
        "heavy = ('pydantic', 'urllib3', 'hostinger_api.testing')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )
    assert output.stdout.strip() == "[]"
