"""The command line: ``hostinger-api`` and ``python -m hostinger_api``.

Every command goes through ``execute``: one client, one place that turns outcomes into exit
codes. Results go to stdout (a short table, or one JSON document with ``--json``); progress,
questions and errors go to stderr, so stdout can be piped. ``demo`` runs the same commands
against the fake API started in this process.

The modules, one job each::

    _session   Session (what a command runs with), execute, the exit codes, UsageError
    _parser    the parser: global options, every command's arguments, the help text
    _args      argument types: ids, seconds, concurrency, poll intervals, durations
    _output    tables, the --json document, the progress of a wait
    snapshot   snapshot get|create|delete|restore
    action     action get|list|wait, and the wait that --wait shares
    vm         vm list|get
    backup     backup list|restore
    fleet      the many-VM form of snapshot create|delete|restore
    status     snapshot status: is every VM protected? (a monitoring check)
    config     what the commands run with, and where each setting came from
    demo       the commands against the fake API
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from hostinger_api.cli._parser import build_parser
from hostinger_api.cli._session import (
    EXIT_ACTION_FAILED,
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WAIT_TIMED_OUT,
    Session,
    UsageError,
    execute,
)
from hostinger_api.cli.config import show_config
from hostinger_api.cli.demo import run_demo
from hostinger_api.configuration import TOKEN_ENVIRONMENT_VARIABLE, Configuration
from hostinger_api.environment import TOKEN_FILE_VARIABLE
from hostinger_api.exceptions import ApiValueError

__all__ = [
    "EXIT_ACTION_FAILED",
    "EXIT_API_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WAIT_TIMED_OUT",
    "Session",
    "UsageError",
    "execute",
    "main",
    "run_demo",
]


def main(argv: Optional[list[str]] = None) -> int:
    """Run a command; returns the exit code.

    Besides the token, the environment may give proxies (``HTTPS_PROXY``, ``NO_PROXY``...) and
    a CA bundle (``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``): see ``hostinger_api.environment``.
    """
    options = build_parser().parse_args(argv)
    if options.group == "demo":
        return run_demo(sys.stdout)
    try:  # the token (or its file), proxies and a CA bundle from the environment
        configuration = Configuration.from_environment(
            host=options.host, token_file=options.token_file
        )
    except ApiValueError as error:
        print(f"hostinger-api: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if options.group == "config":
        return show_config(options, configuration, sys.stdout)
    if not configuration.access_token:
        print(
            f"hostinger-api: error: {TOKEN_ENVIRONMENT_VARIABLE} is not set: "
            "export the API token Hostinger's control panel issued, or name a file holding it "
            f"with --token-file or {TOKEN_FILE_VARIABLE}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return execute(options, configuration, out=sys.stdout, err=sys.stderr)
