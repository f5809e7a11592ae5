"""Proxies and a CA bundle from the environment, as curl, requests and httpx read them.

Only for those who ask: ``Configuration()`` reads nothing here (as in Hostinger's generated
package, so a script written for it behaves the same wherever it runs). The command line asks,
and so does ``Configuration.from_environment()``. Settings made in the configuration win over
the environment.

- The proxy for an ``https://`` host is ``https_proxy``, else ``HTTPS_PROXY``; for an
  ``http://`` host ``http_proxy``, else ``HTTP_PROXY`` (ignored when ``REQUEST_METHOD`` says this
  runs as a CGI script, where a client can set it); else ``all_proxy``/``ALL_PROXY``. The
  lowercase name wins when both are set. A value without a scheme means ``http://``.
- ``no_proxy``/``NO_PROXY`` (lowercase wins) lists hosts reached directly: separated by commas
  or spaces, ``*`` for all, ``example.com`` or ``.example.com`` for it and its subdomains,
  ``host:port`` for one port, IP addresses, and networks such as ``10.0.0.0/8``.
- The CA bundle is ``SSL_CERT_FILE``, else ``REQUESTS_CA_BUNDLE``: the file to verify servers
  with instead of the system's CAs.
- The token (``token``) is the first of: the file the caller names (the command line's
  ``--token-file``), the file ``HOSTINGER_API_TOKEN_FILE`` names, ``HOSTINGER_API_TOKEN``, and
  systemd's credential ``$CREDENTIALS_DIRECTORY/hostinger-api-token``. The more deliberate
  source wins: an argument over the environment, a variable set for this run over the credential
  a unit hands every command it starts. A file loses one trailing newline; an empty or
  unreadable one is an error naming the file, never its content.

An empty variable counts as unset.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

from hostinger_api.exceptions import ApiValueError

CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
"""Read in this order: the first one set names the CA bundle."""
TOKEN_VARIABLE = "HOSTINGER_API_TOKEN"  # noqa: S105 (names, not tokens)
TOKEN_FILE_VARIABLE = "HOSTINGER_API_TOKEN_FILE"  # noqa: S105
CREDENTIAL_NAME = "hostinger-api-token"
"""The name of the systemd credential (``LoadCredential=hostinger-api-token:/path``)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _get(environ: Mapping[str, str], *names: str) -> Optional[str]:
    """The first of ``names`` set to something other than blanks."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def proxy_for(url: str, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The proxy the environment gives for requests to ``url``; None to go directly."""
    environ = os.environ if environ is None else environ
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https":
        proxy = _get(environ, "https_proxy", "HTTPS_PROXY")
    elif scheme == "http":
        # Under CGI, HTTP_PROXY is the request's "Proxy:" header: anyone could set it (httpoxy).
        names = ("http_proxy",) if "REQUEST_METHOD" in environ else ("http_proxy", "HTTP_PROXY")
        proxy = _get(environ, *names)
    else:
        return None
    proxy = proxy or _get(environ, "all_proxy", "ALL_PROXY")
    if proxy is None or bypasses_proxy(url, _get(environ, "no_proxy", "NO_PROXY") or ""):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def bypasses_proxy(url: str, no_proxy: str) -> bool:
    """Whether ``url``'s host is one that ``no_proxy`` says to reach directly."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number: no entry with a port can match it
        port = None
    address = _address(host)
    for entry in re.split(r"[,\s]+", no_proxy.lower()):
        if entry == "*":
            return True
        name, entry_port = _split_port(entry)
        if not name or (entry_port is not None and entry_port != port):
            continue
        if "/" in name:
            matches = address is not None and _in_network(address, name)
        elif address is not None or _address(name) is not None:
            matches = address == _address(name)  # addresses match addresses, by value
        else:
            name = name.lstrip("*").lstrip(".")
            matches = bool(name) and (host == name or host.endswith("." + name))
        if matches:
            return True
    return False


def _split_port(entry: str) -> tuple[str, Optional[int]]:
    """``host:port``, ``[v6]:port``, ``host``, ``v6``, ``net/bits`` -> (host, port or None)."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, _port(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, _port(port)
    return entry, None


def _port(text: str) -> Optional[int]:
    return int(text) if text.isdigit() else -1  # -1: a port no URL has


def _address(host: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _in_network(address: ipaddress.IPv4Address | ipaddress.IPv6Address, network: str) -> bool:
    try:
        return address in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def ca_bundle(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The CA bundle the environment names, checked to be a file; None when none is named."""
    environ = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        path = _get(environ, name)
        if path is not None:
            if not os.path.isfile(path):
                raise ApiValueError(f"{name} names {path!r}, which is not a file")
            return path
    return None


class Token(NamedTuple):
    """A token and where it came from (said by ``hostinger-api config``); token None: none."""

    token: Optional[str]
    source: str


def token(environ: Optional[Mapping[str, str]] = None, token_file: Optional[str] = None) -> Token:
    """The token from the first source that gives one (see the module's docstring)."""
    environ = os.environ if environ is None else environ
    if token_file:
        return Token(read_token_file(token_file, "--token-file"), f"--token-file {token_file}")
    path = _get(environ, TOKEN_FILE_VARIABLE)
    if path is not None:
        return Token(read_token_file(path, TOKEN_FILE_VARIABLE), f"{TOKEN_FILE_VARIABLE} ({path})")
    value = _get(environ, TOKEN_VARIABLE)
    if value is not None:
        return Token(value, TOKEN_VARIABLE)
    credentials = _get(environ, "CREDENTIALS_DIRECTORY")
    if credentials is not None:
        path = os.path.join(credentials, CREDENTIAL_NAME)
        if os.path.exists(path):
            what = "the systemd credential"
            return Token(read_token_file(path, what), f"{what} ({path})")
    return Token(None, "none")


def read_token_file(path: str, named_by: str) -> str:
    """A token file's token: its text less one trailing newline; ``ApiValueError`` if unusable."""
    try:
        with open(path, "rb") as file:
            data = file.read(65537)
    except OSError as error:
        raise ApiValueError(
            f"{named_by} names the token file {path!r}, which cannot be read: "
            f"{error.strerror or type(error).__name__}"
        ) from None
    text = data.decode("utf-8", "replace")
    text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    if not text.strip():
        raise ApiValueError(f"{named_by} names the token file {path!r}, which is empty")
    if len(data) > 65536 or "\n" in text or "\r" in text or text != text.strip():
        raise ApiValueError(
            f"{named_by} names the token file {path!r}, which holds more than a token: "
            "one line, without blanks around it, is expected"
        )
    if text.startswith("\ufeff"):
        raise ApiValueError(
            f"{named_by} names the token file {path!r}, which begins with a byte-order mark "
            "(as some Windows editors save text): save it as plain text without one"
        )
    odd = next((index for index, char in enumerate(text) if not "!" <= char <= "~"), None)
    if odd is not None:
        raise ApiValueError(
            f"{named_by} names the token file {path!r}, which holds a character that cannot be "
            f"part of a token (character {odd + 1}): a token is printable ASCII"
        )
    return text
