"""``hostinger-api config``: what the command line would run with, and where each part came from.

Sends nothing. The token is never shown, only its source; a proxy's password is masked.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional, TextIO
from urllib.parse import urlsplit, urlunsplit

from hostinger_api import state
from hostinger_api.cli._session import EXIT_OK
from hostinger_api.configuration import Configuration
from hostinger_api.environment import CA_BUNDLE_VARIABLES
from hostinger_api.retry import RetryPolicy


def show_config(options: argparse.Namespace, configuration: Configuration, out: TextIO) -> int:
    """Print the effective settings: a ``name: value`` line each, or one JSON document."""
    settings = effective(options, configuration)
    if options.json:
        print(json.dumps(settings, indent=2), file=out)
    else:
        width = max(len(name) for name in settings)
        for name, value in settings.items():
            print(f"{name + ':':<{width + 1}} {value}", file=out)
    return EXIT_OK


def effective(options: argparse.Namespace, configuration: Configuration) -> dict[str, str]:
    """The settings as text, each with its source."""
    policy = RetryPolicy.from_setting(configuration.retries)
    host_source = "--host" if options.host is not None else "default"
    proxy = configuration.proxy
    return {
        "host": f"{configuration.host} ({host_source})",
        "token": "not set" if not configuration.access_token else "set (never shown)",
        "token source": configuration.token_source,
        "proxy": "none (direct)" if proxy is None else f"{masked(proxy)} (from the environment)",
        "ca bundle": _ca_bundle(configuration.ssl_ca_cert),
        "state folder": _state_folder(configuration),
        "timeouts": f"connect {configuration.connect_timeout:g} s, "
        f"read {configuration.read_timeout:g} s",
        "retries": f"{policy.total}, waiting at most {policy.max_wait:g} s per call",
    }


def masked(url: str) -> str:
    """A proxy URL with its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _ca_bundle(path: Optional[str]) -> str:
    if path is None:
        return "the system's CAs"
    for name in CA_BUNDLE_VARIABLES:
        if os.environ.get(name, "").strip() == path:
            return f"{path} (from {name})"
    return path


def _state_folder(configuration: Configuration) -> str:
    folder = configuration.state_dir
    if folder is None:
        return "off: pauses are not shared and fleet runs are not locked"
    _, source = state.state_dir_source()
    if os.path.isdir(folder):
        usable = "writable" if os.access(folder, os.W_OK | os.X_OK) else "NOT writable"
    else:
        usable = "not made yet"
    return f"{folder} (from {source}; {usable})"
