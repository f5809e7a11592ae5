"""Configuration: defaults, the token from the environment, hosts, defaults, logging, no leaks."""

from __future__ import annotations

import copy
import inspect
import logging

import pytest
from support import TOKEN

from hostinger_api import ApiValueError, Configuration
from hostinger_api.configuration import DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST, DEFAULT_READ_TIMEOUT


def test_defaults():
    configuration = Configuration()
    assert configuration.host == DEFAULT_HOST == "https://developers.hostinger.com"
    assert configuration.access_token is None
    assert configuration.verify_ssl is True
    assert configuration.retries is None
    assert configuration.proxy is None
    assert configuration.client_side_validation is True
    assert configuration.safe_chars_for_path_param == ""
    assert configuration.connection_pool_maxsize >= 4
    assert (configuration.connect_timeout, configuration.read_timeout) == (
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_READ_TIMEOUT,
    )
    for name in [
        "ssl_ca_cert",
        "ca_cert_data",
        "cert_file",
        "key_file",
        "assert_hostname",
        "tls_server_name",
        "proxy_headers",
        "socket_options",
        "logger_file",
    ]:
        assert getattr(configuration, name) is None, name


def test_parameters_keep_the_generated_order():
    names = list(inspect.signature(Configuration).parameters)
    assert names == [
        "host",
        "api_key",
        "api_key_prefix",
        "username",
        "password",
        "access_token",
        "server_index",
        "server_variables",
        "server_operation_index",
        "server_operation_variables",
        "ignore_operation_servers",
        "ssl_ca_cert",
        "retries",
        "ca_cert_data",
        "debug",
    ]


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOSTINGER_API_TOKEN", TOKEN)
    assert Configuration().access_token == TOKEN


def test_an_explicit_token_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("HOSTINGER_API_TOKEN", "from-environment")
    assert Configuration(access_token=TOKEN).access_token == TOKEN


def test_an_empty_environment_variable_is_no_token(monkeypatch):
    monkeypatch.setenv("HOSTINGER_API_TOKEN", "")
    assert Configuration().access_token is None


def test_auth_settings_carry_the_bearer_token():
    assert Configuration().auth_settings() == {}
    assert Configuration(access_token=TOKEN).auth_settings() == {
        "apiToken": {
            "type": "bearer",
            "in": "header",
            "key": "Authorization",
            "value": f"Bearer {TOKEN}",
        }
    }


def test_the_token_is_in_no_repr_or_report():
    configuration = Configuration(access_token=TOKEN)
    assert TOKEN not in repr(configuration)
    assert TOKEN not in str(configuration)
    report = configuration.to_debug_report()
    assert TOKEN not in report
    assert "Token set: yes" in report
    assert "SDK Package Version" in report


def test_host_can_be_set():
    configuration = Configuration(host="http://127.0.0.1:8080")
    assert configuration.host == "http://127.0.0.1:8080"
    assert configuration.server_index is None
    configuration.host = "http://localhost:9"
    assert configuration.host == "http://localhost:9"


def test_host_still_asks_a_subclass_that_decides_it():
    """``host`` reads the set host directly (it runs on every request), unless a subclass
    overrides ``get_host_from_settings``, as generated code lets it."""

    class Mirror(Configuration):
        def get_host_from_settings(self, index, variables=None, servers=None):
            return "https://mirror.example" if index is None else super().get_host_from_settings(0)

    assert Mirror(host="http://127.0.0.1:8080").host == "https://mirror.example"
    assert Mirror().host == DEFAULT_HOST


def test_host_settings():
    configuration = Configuration()
    (server,) = configuration.get_host_settings()
    assert server["url"] == DEFAULT_HOST
    assert configuration.get_host_from_settings(0) == DEFAULT_HOST
    assert configuration.get_host_from_settings(None) == DEFAULT_HOST
    with pytest.raises(ValueError, match="Invalid server index 1"):
        configuration.get_host_from_settings(1)


def test_host_from_settings_fills_in_variables():
    servers = [
        {
            "url": "https://{region}.example.test",
            "description": "",
            "variables": {
                "region": {"description": "", "default_value": "eu", "enum_values": ["eu", "us"]}
            },
        }
    ]
    configuration = Configuration()
    assert configuration.get_host_from_settings(0, servers=servers) == "https://eu.example.test"
    assert (
        configuration.get_host_from_settings(0, {"region": "us"}, servers)
        == "https://us.example.test"
    )
    with pytest.raises(ValueError, match="region"):
        configuration.get_host_from_settings(0, {"region": "mars"}, servers)


def test_the_default_is_shared_and_its_copy_is_not():
    default = Configuration.get_default()
    assert Configuration.get_default() is default

    mine = Configuration(host="http://127.0.0.1:1", access_token=TOKEN)
    Configuration.set_default(mine)
    assert Configuration.get_default() is mine

    clone = Configuration.get_default_copy()
    assert clone is not mine
    assert (clone.host, clone.access_token) == (mine.host, TOKEN)
    clone.host = "http://127.0.0.1:2"
    clone.server_variables["x"] = "y"
    assert mine.host == "http://127.0.0.1:1"
    assert mine.server_variables == {}


def test_a_deep_copy_shares_the_loggers():
    configuration = Configuration()
    clone = copy.deepcopy(configuration)
    assert clone.logger["package_logger"] is configuration.logger["package_logger"]


def test_debug_turns_the_package_logger_to_debug_and_back(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    configuration = Configuration(debug=True)
    logger = logging.getLogger("hostinger_api")
    try:
        assert configuration.debug is True
        assert logger.level == logging.DEBUG
        assert configuration.logger_stream_handler in logger.handlers
    finally:
        configuration.debug = False
    assert logger.level == logging.NOTSET
    assert configuration.logger_stream_handler is None
    assert logger.handlers == []


def test_logger_file_receives_the_log(tmp_path):
    path = tmp_path / "client.log"
    configuration = Configuration()
    configuration.logger_file = str(path)
    try:
        logging.getLogger("hostinger_api").warning("written to the file")
    finally:
        configuration.logger_file = None
    assert "written to the file" in path.read_text()
    assert configuration.logger_file_handler is None


def test_compatibility_parameters_are_kept():
    configuration = Configuration(
        api_key={"k": "v"},
        api_key_prefix={"k": "p"},
        username="u",
        password="p",
        ssl_ca_cert="/ca.pem",
        retries=3,
        ca_cert_data="PEM",
    )
    assert configuration.api_key == {"k": "v"}
    assert configuration.retries == 3
    assert (configuration.ssl_ca_cert, configuration.ca_cert_data) == ("/ca.pem", "PEM")
    assert (configuration.temp_folder_path, configuration.refresh_api_key_hook) == (None, None)


def test_logger_format_builds_the_formatter():
    configuration = Configuration()
    configuration.logger_format = "%(message)s!"
    assert configuration.logger_format == "%(message)s!"
    assert configuration.logger_formatter._fmt == "%(message)s!"


def test_debug_never_turns_on_http_client_printing(fake, capfd):
    import http.client

    from support import VM

    from hostinger_api import ApiClient, NotFoundException, VPSSnapshotsApi

    configuration = fake.configuration()
    configuration.debug = True
    try:
        with ApiClient(configuration) as api_client, pytest.raises(NotFoundException):
            VPSSnapshotsApi(api_client).get_snapshot_v1(VM)
        assert http.client.HTTPConnection.debuglevel == 0
        assert capfd.readouterr().out == ""  # http.client prints "send: ..." here when on
    finally:
        configuration.debug = False


# -- where the token came from, and the state folder ------------------------------------------


def test_the_token_source_is_kept(monkeypatch):
    assert Configuration(access_token=TOKEN).token_source == "access_token argument"
    assert Configuration().token_source == "none"
    monkeypatch.setenv("HOSTINGER_API_TOKEN", TOKEN)
    assert Configuration().token_source == "HOSTINGER_API_TOKEN"


def test_a_plain_configuration_reads_no_token_file(monkeypatch, tmp_path):
    path = tmp_path / "token"
    path.write_text("from-a-file\n")
    monkeypatch.setenv("HOSTINGER_API_TOKEN_FILE", str(path))
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert Configuration().access_token is None  # as the generated package


def test_from_environment_reads_the_token_file_first(monkeypatch, tmp_path):
    path = tmp_path / "token"
    path.write_text("from-a-file\n")
    monkeypatch.setenv("HOSTINGER_API_TOKEN", "from-the-variable")
    monkeypatch.setenv("HOSTINGER_API_TOKEN_FILE", str(path))
    configuration = Configuration.from_environment()
    assert configuration.access_token == "from-a-file"
    assert configuration.token_source == f"HOSTINGER_API_TOKEN_FILE ({path})"
    other = tmp_path / "other"
    other.write_text("from-the-argument")
    assert Configuration.from_environment(token_file=str(other)).access_token == "from-the-argument"
    assert Configuration.from_environment(access_token=TOKEN).access_token == TOKEN
    assert "from-a-file" not in repr(configuration)
    assert "from-a-file" not in configuration.to_debug_report()


def test_from_environment_without_any_token(monkeypatch):
    configuration = Configuration.from_environment(environ={})
    assert configuration.access_token is None
    assert configuration.token_source == "none"


def test_from_environment_refuses_an_empty_token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("")
    with pytest.raises(ApiValueError, match="which is empty"):
        Configuration.from_environment(environ={"HOSTINGER_API_TOKEN_FILE": str(path)})


def test_the_state_folder_is_the_environment_until_set_and_copies_keep_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HOSTINGER_API_STATE_DIR", str(tmp_path / "env"))
    configuration = Configuration()
    assert configuration.state_dir == str(tmp_path / "env")
    assert copy.deepcopy(configuration).state_dir == str(tmp_path / "env")
    configuration.state_dir = None
    assert copy.deepcopy(configuration).state_dir is None
    monkeypatch.setenv("HOSTINGER_API_STATE_DIR", str(tmp_path / "elsewhere"))
    assert configuration.state_dir is None  # set: the environment no longer decides
