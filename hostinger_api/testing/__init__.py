"""A fake Hostinger API for tests: a real HTTP server on loopback, with in-memory state.

``FakeHostingerApi`` serves the virtual machine, snapshot, backup and action endpoints with
Hostinger's semantics: a bearer token is required, unknown virtual machines are 404, actions
move from ``created`` to ``success`` over ``action_seconds`` (their VM ``locked`` meanwhile),
restoring a backup deletes the VM's snapshot, and every error carries ``message`` and
``correlation_id``.
A rate limit (``rate_limit=``), Hostinger's IP block (``block_after=``) and Cloudflare's edge
block (``edge_block=``) can be switched on.
Faults (429s, 5xx, HTML pages, broken JSON, dropped connections, slow answers, new fields and
states) are injected with ``fake.inject(...)``, from ``hostinger_api.testing.faults``.
Installing this package also gives pytest a ``hostinger_fake`` fixture, from
``hostinger_api.pytest_plugin``.
Run it on its own with ``python -m hostinger_api.testing --port 8000 --token T``.
``FakeHostingerApi(tls=True)`` (or ``--tls``) serves HTTPS with a certificate from a throwaway
CA, made with trustme, a test-only dependency.
"""

from hostinger_api.testing import faults
from hostinger_api.testing._edge import EdgeBlock
from hostinger_api.testing._http import RecordedRequest
from hostinger_api.testing._server import FakeHostingerApi
from hostinger_api.testing._service import DEFAULT_TOKEN, FakeHostinger
from hostinger_api.testing._types import FakeResponse
from hostinger_api.testing._vms import FakeVm, VmAttributes, VmSpec
from hostinger_api.testing.faults import Fault

__all__ = [
    "DEFAULT_TOKEN",
    "EdgeBlock",
    "FakeHostinger",
    "FakeHostingerApi",
    "FakeResponse",
    "FakeVm",
    "Fault",
    "RecordedRequest",
    "VmAttributes",
    "VmSpec",
    "faults",
]
