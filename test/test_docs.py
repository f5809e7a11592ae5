"""The examples in the README, in docs/ and in the seed run, against the fake API."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

import pytest
from support import TOKEN, VM

from hostinger_api.testing import FakeHostingerApi

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "VPSSnapshotsApi.md"
HOSTINGER = "https://developers.hostinger.com"
EXAMPLE_ACTION_ID = "8123712"
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def python_blocks(path: Path) -> list[str]:
    return _PYTHON_BLOCK.findall(path.read_text())


DOC_EXAMPLES = [
    pytest.param(code, id=f"{path.name}-{number}")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for number, code in enumerate(python_blocks(path), 1)
]


@contextlib.contextmanager
def logging_restored():
    """Examples may set up logging (``basicConfig``, ``debug = True``); later tests must not."""
    loggers = [logging.getLogger(), logging.getLogger("hostinger_api")]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    try:
        yield
    finally:
        for logger, level, handlers in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers


def run_example(code: str, monkeypatch) -> str:
    """Run an example against a fresh fake where VM 1268054 has a snapshot and an action."""
    with FakeHostingerApi(token=TOKEN, vms=[VM]) as fake, logging_restored():
        fake.set_snapshot(VM)
        action_id = str(
            fake.handle(
                "POST", f"/api/vps/v1/virtual-machines/{VM}/snapshot", {}, f"Bearer {TOKEN}"
            ).body["id"]
        )
        monkeypatch.setenv("BEARER_TOKEN", TOKEN)
        monkeypatch.setenv("HOSTINGER_API_TOKEN", TOKEN)
        code = code.replace(HOSTINGER, fake.url).replace(EXAMPLE_ACTION_ID, action_id)
        code = code.replace("Configuration()", f'Configuration(host="{fake.url}")')
        namespace = {"__name__": "__main__"}
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, "<example>", "exec"), namespace)  # noqa: S102 (our own docs)
            for name, value in list(namespace.items()):
                if name.startswith("test_") and callable(value):
                    value(hostinger_fake=fake)
    return output.getvalue()


@pytest.mark.parametrize("code", DOC_EXAMPLES)
def test_documented_examples_run(code, monkeypatch):
    output = run_example(code, monkeypatch)
    assert "Exception when calling" not in output
    assert TOKEN not in output


def test_every_api_operation_has_a_documented_example():
    documented = "".join(
        "".join(python_blocks(ROOT / "docs" / f"{api}.md"))
        for api in ("VPSSnapshotsApi", "VPSActionsApi", "VPSVirtualMachineApi")
    )
    for operation in [
        "create_snapshot_v1",
        "delete_snapshot_v1",
        "get_snapshot_v1",
        "restore_snapshot_v1",
        "get_action_details_v1",
        "get_actions_v1",
        "get_virtual_machines_v1",
        "get_virtual_machine_details_v1",
    ]:
        assert f"api_instance.{operation}(" in documented, operation


@pytest.mark.skipif(not SEED.exists(), reason="the seed lives in ../shared, beside the repository")
@pytest.mark.parametrize("number", range(4))
def test_the_seed_examples_run_with_only_import_os_and_a_host_added(number, monkeypatch):
    code = python_blocks(SEED)[number]
    pointed = code.replace(
        "hostinger_api.Configuration(\n",
        f'hostinger_api.Configuration(\n    host = "{HOSTINGER}",\n',
        1,
    )
    assert pointed != code
    output = run_example("import os\n" + pointed, monkeypatch)
    assert "The response of VPSSnapshotsApi->" in output
    assert "Exception when calling" not in output


def test_ci_runs_the_readme_commands_as_written():
    commands = [
        line
        for block in _SH_BLOCK.findall((ROOT / "README.md").read_text())
        for line in block.splitlines()
        if "hostinger_api demo" in line or "pytest" in line
    ]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci
