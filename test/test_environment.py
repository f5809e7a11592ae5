"""Proxies and CA bundles from the environment: read as curl, requests and httpx read them."""

from __future__ import annotations

import pytest
from support import TOKEN

from hostinger_api import ApiClient, ApiValueError, Configuration
from hostinger_api.environment import (
    bypasses_proxy,
    ca_bundle,
    proxy_for,
    read_token_file,
    token,
)

API = "https://developers.hostinger.com"


@pytest.mark.parametrize(
    ("url", "environ", "proxy"),
    [
        (API, {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
        (API, {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"}, "http://low:1"),
        (API, {"HTTPS_PROXY": "p:3128"}, "http://p:3128"),  # no scheme: http://
        (API, {"HTTP_PROXY": "http://p:3128"}, None),  # for http:// hosts only
        (API, {"ALL_PROXY": "socks5h://s:1080"}, "socks5h://s:1080"),
        (API, {"all_proxy": "http://a:1", "HTTPS_PROXY": "http://h:2"}, "http://h:2"),
        (API, {"HTTPS_PROXY": "  "}, None),  # blank: unset
        (API, {}, None),
        ("http://127.0.0.1:8000", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
        ("http://127.0.0.1:8000", {"HTTPS_PROXY": "http://p:3128"}, None),
        # Under CGI a client sets HTTP_PROXY with a "Proxy:" header (httpoxy): not trusted.
        ("http://h", {"HTTP_PROXY": "http://evil:1", "REQUEST_METHOD": "GET"}, None),
        ("http://h", {"http_proxy": "http://p:1", "REQUEST_METHOD": "GET"}, "http://p:1"),
        ("ftp://h", {"ALL_PROXY": "http://p:1"}, None),
    ],
)
def test_proxy_for(url, environ, proxy):
    assert proxy_for(url, environ) == proxy


def test_no_proxy_turns_the_proxy_off_and_the_lowercase_name_wins():
    environ = {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "hostinger.com"}
    assert proxy_for(API, environ) is None
    assert proxy_for(API, {**environ, "no_proxy": "example.org"}) == "http://p:3128"


@pytest.mark.parametrize(
    ("url", "no_proxy", "bypassed"),
    [
        (API, "hostinger.com", True),
        (API, ".hostinger.com", True),
        (API, "*.hostinger.com", True),
        (API, "developers.hostinger.com", True),
        (API, "DEVELOPERS.Hostinger.com", True),
        (API, "inger.com", False),  # whole labels only
        (API, "other.org, hostinger.com", True),
        (API, "other.org hostinger.com", True),
        (API, "*", True),
        (API, "", False),
        (API, ",,", False),
        (API, "hostinger.com:443", True),  # the default port of https
        (API, "hostinger.com:8443", False),
        (API, "hostinger.com:x", False),
        ("https://10.1.2.3:8443/x", "10.0.0.0/8", True),
        ("https://10.1.2.3:8443/x", "10.1.2.3", True),
        ("https://10.1.2.3:8443/x", "10.1.2.3:8443", True),
        ("https://10.1.2.3:8443/x", "10.1.2.3:443", False),
        ("https://11.1.2.3/x", "10.0.0.0/8", False),
        ("https://10.1.2.3/x", "10.0.0.0/99", False),  # not a network: ignored
        ("https://[::1]:8443/x", "::1", True),
        ("https://[::1]:8443/x", "[::1]:8443", True),
        ("https://[::1]:8443/x", "::/0", True),
        ("https://localhost:1/x", "127.0.0.1", False),  # names are not resolved
        ("https://127.0.0.1:1/x", "localhost", False),
        ("https://127.0.0.1:1/x", "127.0.0.0/8", True),
        ("https:///x", "*", False),  # no host: nothing to compare
        ("https://h:port/x", "h:443", False),  # a port that is not a number
        ("https://h:port/x", "h", True),
    ],
)
def test_bypasses_proxy(url, no_proxy, bypassed):
    assert bypasses_proxy(url, no_proxy) is bypassed


def test_ca_bundle_ssl_cert_file_wins_over_requests_ca_bundle(tmp_path):
    first, second = tmp_path / "first.pem", tmp_path / "second.pem"
    first.write_text("pem")
    second.write_text("pem")
    assert ca_bundle({"SSL_CERT_FILE": str(first), "REQUESTS_CA_BUNDLE": str(second)}) == str(first)
    assert ca_bundle({"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": str(second)}) == str(second)
    assert ca_bundle({}) is None


def test_a_ca_bundle_that_is_not_a_file_is_refused_naming_the_variable(tmp_path):
    with pytest.raises(ApiValueError, match=r"REQUESTS_CA_BUNDLE names .* which is not a file"):
        ca_bundle({"REQUESTS_CA_BUNDLE": str(tmp_path)})


def test_configuration_reads_none_of_them_as_the_generated_package(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://p:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    configuration = Configuration(access_token=TOKEN)
    assert (configuration.proxy, configuration.ssl_ca_cert) == (None, None)


def test_from_environment_reads_them_for_its_host(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://p:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # it would win
    monkeypatch.setenv("HOSTINGER_API_TOKEN", TOKEN)
    configuration = Configuration.from_environment()
    assert configuration.host == API
    assert configuration.access_token == TOKEN
    assert (configuration.proxy, configuration.ssl_ca_cert) == ("http://p:3128", str(bundle))
    assert Configuration.from_environment(host="https://localhost:8443").proxy is None


def test_from_environment_takes_an_environment_of_its_own():
    configuration = Configuration.from_environment(
        host="http://127.0.0.1:8000",
        access_token=TOKEN,
        environ={"http_proxy": "http://p:3128"},
    )
    assert configuration.proxy == "http://p:3128"
    assert configuration.ssl_ca_cert is None


def test_a_socks_proxy_from_all_proxy_is_used_through_pysocks():
    pytest.importorskip("socks")
    from urllib3.contrib.socks import SOCKSProxyManager

    configuration = Configuration.from_environment(
        access_token=TOKEN, environ={"ALL_PROXY": "socks5h://127.0.0.1:1080"}
    )
    with ApiClient(configuration) as api_client:
        assert isinstance(api_client.rest_client.pool_manager, SOCKSProxyManager)


# -- the token and its sources --------------------------------------------------------------------


@pytest.fixture
def token_files(tmp_path):
    (tmp_path / "file").write_text("from-the-file\n")
    (tmp_path / "option").write_text("from-the-option\r\n")
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "hostinger-api-token").write_text("from-the-credential")
    return tmp_path


def test_the_token_sources_in_order(token_files):
    environ = {
        "HOSTINGER_API_TOKEN_FILE": str(token_files / "file"),
        "HOSTINGER_API_TOKEN": "from-the-variable",
        "CREDENTIALS_DIRECTORY": str(token_files / "credentials"),
    }
    option = str(token_files / "option")
    assert token(environ, option) == ("from-the-option", f"--token-file {option}")
    assert token(environ).token == "from-the-file"
    del environ["HOSTINGER_API_TOKEN_FILE"]
    assert token(environ) == ("from-the-variable", "HOSTINGER_API_TOKEN")
    del environ["HOSTINGER_API_TOKEN"]
    assert token(environ).token == "from-the-credential"
    assert token(environ).source.startswith("the systemd credential (")
    assert token({}) == (None, "none")


def test_a_blank_file_variable_counts_as_unset():
    assert token({"HOSTINGER_API_TOKEN_FILE": " ", "HOSTINGER_API_TOKEN": "t"}).token == "t"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"abc\n", "abc"),
        (b"abc\r\n", "abc"),
        (b"abc", "abc"),
    ],
)
def test_one_trailing_newline_is_stripped(tmp_path, content, expected):
    path = tmp_path / "token"
    path.write_bytes(content)
    assert read_token_file(str(path), "--token-file") == expected


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"", "which is empty"),
        (b"\n", "which is empty"),
        (b"  \n", "which is empty"),
        (b"abc\n\n", "holds more than a token"),
        (b"abc\ndef", "holds more than a token"),
        (b"abc \n", "holds more than a token"),
        (b"x" * 70000, "holds more than a token"),
        ("\ufeffabc\n".encode(), "begins with a byte-order mark"),
        (b"ab\xffc", "cannot be part of a token (character 3)"),
        ("abcé".encode(), "cannot be part of a token (character 4)"),
        (b"ab\x00c", "cannot be part of a token (character 3)"),
        (b"ab\tc", "cannot be part of a token (character 3)"),
    ],
)
def test_an_unusable_token_file_names_the_file_and_never_its_content(tmp_path, content, complaint):
    path = tmp_path / "token"
    path.write_bytes(content)
    with pytest.raises(ApiValueError) as raised:
        read_token_file(str(path), "HOSTINGER_API_TOKEN_FILE")
    message = str(raised.value)
    assert f"HOSTINGER_API_TOKEN_FILE names the token file '{path}'" in message
    assert complaint in message
    assert "abc" not in message
    assert "def" not in message


def test_an_unreadable_token_file_says_why(tmp_path):
    with pytest.raises(ApiValueError, match="which cannot be read: No such file or directory"):
        read_token_file(str(tmp_path / "missing"), "--token-file")
    with pytest.raises(ApiValueError, match="which cannot be read: Is a directory"):
        read_token_file(str(tmp_path), "--token-file")
