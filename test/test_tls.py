"""Every TLS setting of ``Configuration``, over real handshakes with the fake's HTTPS server.

Each test would fail if its setting were ignored: the fake's certificate comes from a CA made
for the test run, which no machine trusts, for names chosen by the test.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest
from support import TOKEN, VM, RecordingPolicy, get_snapshot

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ApiTimeoutError,
    ApiValueError,
    Configuration,
    VPSSnapshotsApi,
)
from hostinger_api.testing import FakeHostingerApi

OTHER_NAME = "api.example.test"
"""The only name the certificate of ``misnamed`` is valid for; the URL says 127.0.0.1."""


@pytest.fixture(scope="module")
def tls_fake() -> Iterator[FakeHostingerApi]:
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        fake.set_snapshot(VM)
        yield fake


@pytest.fixture
def served(tls_fake: FakeHostingerApi) -> FakeHostingerApi:
    tls_fake.clear_requests()
    return tls_fake


@pytest.fixture(scope="module")
def misnamed() -> Iterator[FakeHostingerApi]:
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True, tls_hostnames=(OTHER_NAME,)) as fake:
        fake.set_snapshot(VM)
        yield fake


@pytest.fixture(scope="module")
def demanding() -> Iterator[FakeHostingerApi]:
    """A fake that refuses clients without a certificate from its CA."""
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True, client_cert_required=True) as fake:
        fake.set_snapshot(VM)
        yield fake


def bare(fake: FakeHostingerApi, **settings: object) -> Configuration:
    """A configuration for the fake that trusts nothing but what ``settings`` say."""
    configuration = Configuration(host=fake.url, access_token=TOKEN, retries=RecordingPolicy())
    for name, value in settings.items():
        setattr(configuration, name, value)
    return configuration


def refused(configuration: Configuration) -> str:
    """The message of the ApiConnectionError the call fails with, once, without retries."""
    with pytest.raises(ApiConnectionError) as caught:
        get_snapshot(configuration)
    assert configuration.retries.slept == []  # a TLS failure is not a passing blip
    assert caught.value.status == 0
    return str(caught.value)


# -- the server's certificate ------------------------------------------------------------------


def test_without_the_ca_verification_fails_and_nothing_is_sent(served):
    message = refused(bare(served))
    assert "TLS failed for GET https://127.0.0.1" in message
    assert "the server's certificate could not be verified" in message
    assert "Configuration.ssl_ca_cert" in message  # what to do about it
    assert served.requests == []


def test_ssl_ca_cert_trusts_a_ca_bundle_file(served):
    assert get_snapshot(bare(served, ssl_ca_cert=served.ca_file)) == 1
    assert len(served.requests) == 1


@pytest.mark.parametrize("form", ["PEM text", "DER bytes"])
def test_ca_cert_data_trusts_a_ca_given_in_memory(served, form):
    pem = served.ca_pem.decode()
    data = pem if form == "PEM text" else ssl.PEM_cert_to_DER_cert(pem)
    assert get_snapshot(bare(served, ca_cert_data=data)) == 1


def test_a_ca_bundle_of_another_ca_does_not_verify(served, misnamed):
    message = refused(bare(served, ssl_ca_cert=misnamed.ca_file))
    assert "could not be verified" in message
    assert served.requests == []


# -- the server's name -------------------------------------------------------------------------


def test_a_certificate_for_another_name_fails_verification(misnamed):
    misnamed.clear_requests()
    message = refused(bare(misnamed, ssl_ca_cert=misnamed.ca_file))
    assert "the server's certificate could not be verified" in message
    assert "Configuration.tls_server_name" in message
    assert misnamed.requests == []


def test_tls_server_name_names_the_server_the_certificate_is_for(misnamed):
    configuration = bare(misnamed, ssl_ca_cert=misnamed.ca_file, tls_server_name=OTHER_NAME)
    assert get_snapshot(configuration) == 1


def test_tls_server_name_is_checked_too(served):
    message = refused(bare(served, ssl_ca_cert=served.ca_file, tls_server_name=OTHER_NAME))
    assert "not valid for" in message
    assert served.requests == []


def test_assert_hostname_false_skips_the_name_check_only(misnamed, served):
    assert get_snapshot(bare(misnamed, ssl_ca_cert=misnamed.ca_file, assert_hostname=False)) == 1
    # ...not the check of who signed the certificate
    message = refused(bare(misnamed, ssl_ca_cert=served.ca_file, assert_hostname=False))
    assert "could not be verified" in message


def test_assert_hostname_checks_the_certificate_against_that_name(misnamed, served):
    assert get_snapshot(bare(misnamed, ssl_ca_cert=misnamed.ca_file, assert_hostname=OTHER_NAME))
    message = refused(bare(served, ssl_ca_cert=served.ca_file, assert_hostname=OTHER_NAME))
    assert f"hostname '{OTHER_NAME}' doesn't match" in message
    assert served.requests == []


# -- the client's certificate ------------------------------------------------------------------


def test_a_server_that_requires_a_client_certificate_refuses_a_client_without_one(demanding):
    demanding.clear_requests()
    message = refused(bare(demanding, ssl_ca_cert=demanding.ca_file))
    assert "TLS failed for GET" in message
    assert demanding.requests == []


def test_cert_file_and_key_file_present_the_client_certificate(demanding):
    configuration = bare(
        demanding,
        ssl_ca_cert=demanding.ca_file,
        cert_file=demanding.client_cert_file,
        key_file=demanding.client_key_file,
    )
    assert get_snapshot(configuration) == 1


def test_a_client_certificate_without_its_key_is_a_clear_error(demanding):
    configuration = bare(
        demanding, ssl_ca_cert=demanding.ca_file, cert_file=demanding.client_cert_file
    )
    assert "the client certificate or its key could not be loaded" in refused(configuration)


@pytest.mark.parametrize("setting", ["ssl_ca_cert", "cert_file", "key_file"])
def test_a_certificate_file_that_is_not_there_is_refused_before_sending(tmp_path, setting):
    missing = str(tmp_path / "missing.pem")
    configuration = Configuration(host="https://api.example.test", access_token=TOKEN)
    setattr(configuration, setting, missing)
    with pytest.raises(ApiValueError, match=f"Configuration.{setting} names .*not a file"):
        ApiClient(configuration)


# -- verification turned off -------------------------------------------------------------------


def test_verify_ssl_false_works_and_warns_once_per_client(served, caplog):
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        for _ in range(2):
            with ApiClient(bare(served, verify_ssl=False)) as api_client:
                snapshots = VPSSnapshotsApi(api_client)
                assert [snapshots.get_snapshot_v1(VM).id for _ in range(3)] == [1, 1, 1]
                api_client.rest_client.close()  # a new connection: urllib3 would warn again
                assert snapshots.get_snapshot_v1(VM).id == 1
    warned = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.thread == threading.get_ident()
    ]
    assert len(warned) == 2  # one per client, none per request (this thread's: no other test's)
    message = warned[0].message
    assert "TLS certificates are not verified (Configuration.verify_ssl = False)" in message
    assert served.url in message
    assert [str(w.message) for w in raised] == []  # urllib3's InsecureRequestWarning: not repeated
    assert TOKEN not in caplog.text


def test_verify_ssl_true_warns_nothing(served, caplog):
    assert get_snapshot(bare(served, ssl_ca_cert=served.ca_file)) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


# -- the command line: SSL_CERT_FILE and REQUESTS_CA_BUNDLE ------------------------------------


def run_cli(fake: FakeHostingerApi, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
        clean.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "hostinger_api", "--host", fake.url, "snapshot", "get", str(VM)],
        capture_output=True,
        text=True,
        env={**clean, "HOSTINGER_API_TOKEN": TOKEN, **environment},
        timeout=60,
    )


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_the_cli_trusts_the_ca_bundle_of_the_environment(served, variable):
    finished = run_cli(served, **{variable: served.ca_file})
    assert finished.returncode == 0, finished.stderr
    assert len(served.requests) == 1


def test_the_cli_without_a_ca_bundle_fails_verification(served):
    finished = run_cli(served)
    assert finished.returncode == 1
    assert "the server's certificate could not be verified" in finished.stderr
    assert served.requests == []


def test_ssl_cert_file_wins_over_requests_ca_bundle(served, misnamed):
    right, wrong = served.ca_file, misnamed.ca_file
    assert run_cli(served, SSL_CERT_FILE=right, REQUESTS_CA_BUNDLE=wrong).returncode == 0
    assert run_cli(served, SSL_CERT_FILE=wrong, REQUESTS_CA_BUNDLE=right).returncode == 1


def test_the_cli_refuses_a_ca_bundle_that_is_not_there(served, tmp_path):
    finished = run_cli(served, SSL_CERT_FILE=str(tmp_path / "nowhere.pem"))
    assert finished.returncode == 2
    assert "SSL_CERT_FILE names" in finished.stderr
    assert served.requests == []


# -- a server that never finishes the handshake ------------------------------------------------


def test_a_silent_server_ends_in_the_same_timeout_with_or_without_tls():
    waits = {}
    for scheme in ("http", "https"):
        with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never says a word
            configuration = Configuration(
                host=f"{scheme}://127.0.0.1:{silent.getsockname()[1]}",
                access_token=TOKEN,
                retries=RecordingPolicy(jitter=0),
            )
            configuration.connect_timeout = configuration.read_timeout = 0.2
            with pytest.raises(ApiTimeoutError, match="Timed out for GET"):
                get_snapshot(configuration)
        waits[scheme] = configuration.retries.slept
    assert waits["https"] == waits["http"] != []  # retried alike, by the same policy
