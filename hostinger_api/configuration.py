"""Settings for talking to the API: where, with which token, over which TLS, with which timeouts.

A plain value object: building one does no I/O. ``ApiClient`` reads it when it is created.
The constructor keeps the parameter order of Hostinger's generated package, so existing
scripts pass the same arguments in the same places.
"""

from __future__ import annotations

import copy
import logging
import os
import platform
import sys
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, Optional, TypedDict, Union

from hostinger_api import environment, state
from hostinger_api._version import __version__

DEFAULT_HOST = "https://developers.hostinger.com"
TOKEN_ENVIRONMENT_VARIABLE = "HOSTINGER_API_TOKEN"  # noqa: S105 (a name, not a token)
API_SPEC_VERSION = "1.42.5"

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection: a healthy API answers a SYN in well under a second."""
DEFAULT_READ_TIMEOUT = 60.0
"""Seconds to wait for the response: snapshot calls only start an action, so they return fast."""

RequestTimeout = Union[None, float, int, tuple[Union[float, int], Union[float, int]], list[float]]
"""What ``_request_timeout`` takes: seconds for the whole request, or a (connect, read) pair."""


class ServerVariable(TypedDict):
    description: str
    default_value: str
    enum_values: list[str]


class ServerSetting(TypedDict):
    url: str
    description: str
    variables: dict[str, ServerVariable]


AuthSetting = TypedDict("AuthSetting", {"type": str, "in": str, "key": str, "value": str})


class AuthSettings(TypedDict, total=False):
    apiToken: AuthSetting  # the scheme's name in the API's spec


_SERVERS: list[ServerSetting] = [
    {"url": DEFAULT_HOST, "description": "Hostinger API", "variables": {}},
]
_PACKAGE_LOGGER_NAME = "hostinger_api"


class Configuration:
    """Where to send requests and how.

    :param host: base URL; defaults to ``https://developers.hostinger.com``.
    :param access_token: the bearer token; when None, read from ``HOSTINGER_API_TOKEN``.
    :param retries: how failed attempts are retried: None for the default ``RetryPolicy``, an
        int for that many retries (0 turns retrying off), or a ``RetryPolicy``. Read when an
        ``ApiClient`` is created.
    :param ssl_ca_cert: a CA bundle file to verify the server with, instead of the system's.
    :param ca_cert_data: the same, as PEM text or DER bytes.
    :param debug: log each request and response at DEBUG (without the token).

    ``state_dir`` is the folder where the client remembers, between processes, a pause the
    server asked for and which fleet run holds the lock (``hostinger_api.state``). Until set,
    it follows the environment each time it is read (``$HOSTINGER_API_STATE_DIR``, then
    ``$STATE_DIRECTORY``, ``$XDG_STATE_HOME/hostinger-api``, ``~/.local/state/hostinger-api``);
    the folder is made only when first written. None turns all of this off.
    ``token_source`` says where the token came from, for ``hostinger-api config``.

    ``api_key``, ``api_key_prefix``, ``username`` and ``password`` are accepted so that code
    written for the generated package runs, and kept; Hostinger only uses the bearer token.
    So are the attributes ``temp_folder_path`` and ``refresh_api_key_hook``, unused here.
    """

    _default: ClassVar[Optional[Configuration]] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        host: str | None = None,
        api_key: dict[str, str] | None = None,
        api_key_prefix: dict[str, str] | None = None,
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        server_index: int | None = None,
        server_variables: dict[str, str] | None = None,
        server_operation_index: dict[str, int] | None = None,
        server_operation_variables: dict[str, dict[str, str]] | None = None,
        ignore_operation_servers: bool = False,
        ssl_ca_cert: str | None = None,
        retries: Any = None,
        ca_cert_data: str | bytes | None = None,
        *,
        debug: bool | None = None,
    ) -> None:
        self._base_path = DEFAULT_HOST if host is None else host
        self.server_index = 0 if server_index is None and host is None else server_index
        self.server_variables = server_variables or {}
        self.server_operation_index = server_operation_index or {}
        self.server_operation_variables = server_operation_variables or {}
        self.ignore_operation_servers = ignore_operation_servers

        self.api_key = api_key or {}
        self.api_key_prefix = api_key_prefix or {}
        self.username = username
        self.password = password
        self.token_source = "access_token argument"  # noqa: S105 (a source, not a token)
        if access_token is None:
            access_token = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
            self.token_source = TOKEN_ENVIRONMENT_VARIABLE if access_token else "none"
        self.access_token = access_token
        self._state_dir: str | None = None
        self._state_dir_set = False  # until set, the environment's folder, read when asked

        self.verify_ssl = True
        self.ssl_ca_cert = ssl_ca_cert
        self.ca_cert_data = ca_cert_data
        self.cert_file: str | None = None
        self.key_file: str | None = None
        self.assert_hostname: bool | str | None = None
        self.tls_server_name: str | None = None

        # True lets the token go over plain http:// to a host that is not loopback.
        self.allow_insecure_http = False
        self.proxy: str | None = None
        self.proxy_headers: dict[str, str] | None = None
        self.retries = retries
        # The most requests per second this client sends, all its threads together (None: no
        # cap); and whether its threads share what 429s and rate-limit headers teach them.
        self.max_requests_per_second: float | None = None
        self.shared_rate_limit = True
        self.connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
        self.read_timeout: float = DEFAULT_READ_TIMEOUT
        self.connection_pool_maxsize = max(4, (os.cpu_count() or 1) * 5)
        self.socket_options: list[tuple[int, int, Any]] | None = None

        self.safe_chars_for_path_param = ""
        self.client_side_validation = True
        self.datetime_format = "%Y-%m-%dT%H:%M:%S.%f%z"
        self.date_format = "%Y-%m-%d"

        self.temp_folder_path: str | None = None
        self.refresh_api_key_hook: Any = None

        self.logger = {"package_logger": logging.getLogger(_PACKAGE_LOGGER_NAME)}
        self.logger_format = "%(asctime)s %(levelname)s %(name)s %(message)s"
        self.logger_stream_handler: logging.Handler | None = None
        self.logger_file_handler: logging.Handler | None = None
        self._logger_file: str | None = None
        self._debug = False
        if debug is not None:
            self.debug = debug

    def __repr__(self) -> str:
        token = "None" if self.access_token is None else "'***'"
        return f"Configuration(host={self.host!r}, access_token={token})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Configuration:
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        shared = {"logger", "logger_stream_handler", "logger_file_handler", "logger_formatter"}
        for name, value in self.__dict__.items():
            clone.__dict__[name] = value if name in shared else copy.deepcopy(value, memo)
        return clone

    # -- defaults shared by every ApiClient created without a configuration ----------------

    @classmethod
    def set_default(cls, default: Configuration | None) -> None:
        """Make ``default`` the configuration of clients created without one."""
        with cls._default_lock:
            cls._default = default

    @classmethod
    def get_default(cls) -> Configuration:
        """The shared default configuration, created on first use."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls()
            return cls._default

    @classmethod
    def get_default_copy(cls) -> Configuration:
        """A copy of the default configuration, safe to change without affecting others."""
        return copy.deepcopy(cls.get_default())

    @classmethod
    def from_environment(
        cls,
        host: str | None = None,
        access_token: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        token_file: str | None = None,
    ) -> Configuration:
        """A configuration that also follows the proxy, CA bundle and token file variables.

        ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE`` and
        ``REQUESTS_CA_BUNDLE``, read as curl, requests and httpx read them (see
        ``hostinger_api.environment``), for the host given here. Without ``access_token``,
        the token comes from the first of: ``token_file``, ``HOSTINGER_API_TOKEN_FILE``,
        ``HOSTINGER_API_TOKEN``, ``$CREDENTIALS_DIRECTORY/hostinger-api-token`` (systemd's
        ``LoadCredential=``). ``Configuration()`` itself reads none of them but
        ``HOSTINGER_API_TOKEN``, as the generated package does; the command line uses this.
        Raises ``ApiValueError`` when a CA bundle variable names no file, or when a token file
        is empty or cannot be read (the message names the file, never what is in it).
        """
        environ = os.environ if environ is None else environ
        if access_token is None:
            found = environment.token(environ, token_file)
            configuration = cls(host=host, access_token=found.token or "")
            configuration.access_token = found.token
            configuration.token_source = found.source
        else:
            configuration = cls(host=host, access_token=access_token)
        configuration.proxy = environment.proxy_for(configuration.host, environ)
        configuration.ssl_ca_cert = environment.ca_bundle(environ)
        return configuration

    @property
    def state_dir(self) -> str | None:
        """The state folder (``hostinger_api.state``); None: nothing is shared between processes."""
        if self._state_dir_set:
            return self._state_dir
        return state.default_state_dir()

    @state_dir.setter
    def state_dir(self, value: str | os.PathLike[str] | None) -> None:
        self._state_dir = None if value is None else os.fspath(value)
        self._state_dir_set = True

    # -- logging -----------------------------------------------------------------------------

    @property
    def logger_format(self) -> str:
        """The format of the records this configuration's handlers write."""
        return self._logger_format

    @logger_format.setter
    def logger_format(self, value: str) -> None:
        self._logger_format = value
        self.logger_formatter = logging.Formatter(value)

    @property
    def logger_file(self) -> str | None:
        """A file the package's log also goes to."""
        return self._logger_file

    @logger_file.setter
    def logger_file(self, path: str | None) -> None:
        package_logger = self.logger["package_logger"]
        if self.logger_file_handler is not None:
            package_logger.removeHandler(self.logger_file_handler)
            self.logger_file_handler.close()
            self.logger_file_handler = None
        self._logger_file = path
        if path:
            self.logger_file_handler = logging.FileHandler(path)
            self.logger_file_handler.setFormatter(self.logger_formatter)
            package_logger.addHandler(self.logger_file_handler)

    @property
    def debug(self) -> bool:
        """When true, each request and response is logged at DEBUG, the token redacted.

        Unlike the generated package, this never turns on ``http.client``'s own printing,
        which writes raw headers, the token among them, to stdout.
        """
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self._debug = bool(value)
        package_logger = self.logger["package_logger"]
        package_logger.setLevel(logging.DEBUG if self._debug else logging.NOTSET)
        if self._debug and not package_logger.handlers and not logging.getLogger().handlers:
            # Nothing would show the log otherwise: give it a handler on stderr.
            self.logger_stream_handler = logging.StreamHandler()
            self.logger_stream_handler.setFormatter(self.logger_formatter)
            package_logger.addHandler(self.logger_stream_handler)
        elif not self._debug and self.logger_stream_handler is not None:
            package_logger.removeHandler(self.logger_stream_handler)
            self.logger_stream_handler = None

    # -- auth --------------------------------------------------------------------------------

    def auth_settings(self) -> AuthSettings:
        """How to authenticate each request: the bearer header, when there is a token."""
        settings: AuthSettings = {}
        if self.access_token is not None:
            settings["apiToken"] = {
                "type": "bearer",
                "in": "header",
                "key": "Authorization",
                "value": "Bearer " + self.access_token,
            }
        return settings

    # -- hosts -------------------------------------------------------------------------------

    def get_host_settings(self) -> list[ServerSetting]:
        """The servers this API is published on."""
        return copy.deepcopy(_SERVERS)

    def get_host_from_settings(
        self,
        index: int | None,
        variables: dict[str, str] | None = None,
        servers: list[ServerSetting] | None = None,
    ) -> str:
        """The URL of server ``index`` with its variables filled in; ``host`` when index is None."""
        if index is None:
            return self._base_path
        servers = _SERVERS if servers is None else servers
        if not 0 <= index < len(servers):
            raise ValueError(
                f"Invalid server index {index}: there are {len(servers)} servers to choose from"
            )
        server = servers[index]
        variables = variables or {}
        url = server["url"]
        for name, variable in server.get("variables", {}).items():
            value = variables.get(name, variable["default_value"])
            allowed = variable.get("enum_values") or []
            if allowed and value not in allowed:
                raise ValueError(
                    f"The variable {name!r} of server {index} is {value!r}; "
                    f"allowed values are {allowed}"
                )
            url = url.replace("{" + name + "}", value)
        return url

    @property
    def host(self) -> str:
        """The base URL requests go to."""
        if self.server_index is None and type(self).get_host_from_settings is _GET_HOST:
            return self._base_path  # what it gives for None: read on every request
        return self.get_host_from_settings(self.server_index, variables=self.server_variables)

    @host.setter
    def host(self, value: str) -> None:
        self._base_path = value
        self.server_index = None

    def to_debug_report(self) -> str:
        """What to paste into a bug report: versions and host, never the token."""
        return (
            "Python SDK Debug Report:\n"
            f"OS: {sys.platform} ({platform.platform(terse=True)})\n"
            f"Python Version: {sys.version.split()[0]}\n"
            f"Version of the API: {API_SPEC_VERSION}\n"
            f"SDK Package Version: {__version__}\n"
            f"Host: {self.host}\n"
            f"Token set: {'yes' if self.access_token else 'no'}"
        )


_GET_HOST = Configuration.get_host_from_settings


def _new_default_lock() -> None:
    """In a child of ``os.fork()``: a thread the child does not have may hold the old lock."""
    Configuration._default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_new_default_lock)
