"""What a command runs with, and the one place its outcome becomes an exit code.

``execute`` opens one client for the command, hands the command a ``Session`` and turns what
escapes it into an exit code and a line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TextIO

from pydantic import BaseModel

from hostinger_api.api_client import ApiClient
from hostinger_api.cli._output import shown
from hostinger_api.configuration import Configuration
from hostinger_api.exceptions import ApiTypeError, ApiValueError, OpenApiException
from hostinger_api.state import FleetLockHeld
from hostinger_api.waiters import DEFAULT_POLL_INTERVAL

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_ACTION_FAILED = 3
EXIT_WAIT_TIMED_OUT = 4
EXIT_LOCKED = 5
"""Another fleet run of the same host and token holds the lock; nothing was sent."""
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """The command cannot run as given: exit code 2, and nothing was sent."""


@dataclass
class Session:
    """What a command runs with: its options, a client, and where its words go."""

    options: argparse.Namespace
    api_client: ApiClient
    out: TextIO
    err: TextIO
    stdin: TextIO
    poll_interval: float = DEFAULT_POLL_INTERVAL

    @property
    def vm(self) -> int:
        vm_id = self.options.vm_id
        return int(vm_id[0] if isinstance(vm_id, list) else vm_id)  # the snapshot commands' list

    def show(self, model: BaseModel) -> None:
        """Print a result: one JSON document with ``--json``, a short table otherwise."""
        print(shown(model, as_json=self.options.json), file=self.out)

    def say(self, message: str) -> None:
        print(message, file=self.err, flush=True)


def confirm(session: Session, question: str) -> None:
    """Go on only with ``--yes`` or a "y" typed at a terminal; refuse otherwise."""
    if session.options.yes:
        return
    if not session.stdin.isatty():
        raise UsageError(f"{question.split('?')[0]}? Refusing without --yes: no terminal to ask.")
    session.err.write(f"{question} [y/N] ")
    session.err.flush()
    if session.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("Not confirmed: nothing was done.")


def execute(
    options: argparse.Namespace,
    configuration: Configuration,
    *,
    out: TextIO,
    err: TextIO,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
) -> int:
    """Run one parsed command with this configuration; every outcome becomes an exit code."""
    try:
        with ApiClient(configuration) as api_client:
            session = Session(options, api_client, out, err, sys.stdin, poll_interval)
            code: int = options.handler(session)
            return code
    except (UsageError, ApiTypeError, ApiValueError) as error:
        print(f"hostinger-api: error: {error}", file=err)
        return EXIT_USAGE
    except FleetLockHeld as held:
        print(f"hostinger-api: {held}; nothing was sent", file=err)
        return EXIT_LOCKED
    except OpenApiException as error:
        print(f"hostinger-api: {type(error).__name__}: {str(error).rstrip()}", file=err)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        print("hostinger-api: interrupted", file=err)
        return EXIT_INTERRUPTED
