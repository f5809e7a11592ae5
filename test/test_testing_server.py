"""The fake's HTTP server: HTTPS with a throwaway CA, and HTTP/1.1 for clients we did not write."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import ApiClient, ApiConnectionError, VPSActionsApi, VPSSnapshotsApi
from hostinger_api.testing import FakeHostingerApi

BASE = f"/api/vps/v1/virtual-machines/{VM}"


@pytest.fixture
def tls_fake():
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as server:
        yield server


def received_until_closed(connection, seconds=5.0):
    """Everything the server sends until it closes the connection (a reset counts as closing)."""
    connection.settimeout(seconds)
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def no_retries(configuration):
    configuration.retries = 0
    return configuration


# -- TLS ---------------------------------------------------------------------------------------


def test_the_client_completes_a_tls_handshake_with_the_fake(tls_fake):
    assert tls_fake.url == f"https://127.0.0.1:{tls_fake.port}"
    with ApiClient(tls_fake.configuration()) as api_client:
        action = VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
        listed = VPSActionsApi(api_client).get_actions_v1(VM)
    assert [a.id for a in listed.data] == [action.id]
    assert [r.method for r in tls_fake.requests] == ["POST", "GET"]


def test_the_certificate_is_valid_for_localhost_too(tls_fake):
    configuration = tls_fake.configuration()
    configuration.host = f"https://localhost:{tls_fake.port}"
    with ApiClient(configuration) as api_client:
        assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"


def test_the_ca_file_is_a_pem_certificate_that_goes_away_at_stop():
    fake = FakeHostingerApi(tls=True).start()
    try:
        with open(fake.ca_file, "rb") as pem:
            content = pem.read()
        assert content.startswith(b"-----BEGIN CERTIFICATE-----")
        assert content == fake.ca_pem
        ssl.create_default_context(cafile=fake.ca_file)  # loads: a real CA certificate
        path = fake.ca_file
    finally:
        fake.stop()
    assert not os.path.exists(path)
    with pytest.raises(RuntimeError, match="not running"):
        fake.ca_file  # noqa: B018


def test_without_the_ca_the_certificate_is_not_trusted(tls_fake):
    configuration = no_retries(tls_fake.configuration())
    configuration.ssl_ca_cert = None
    with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError, match="TLS"):
        VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
    assert tls_fake.requests == []


def test_a_certificate_for_another_name_fails_unless_the_client_expects_that_name():
    with FakeHostingerApi(vms=[VM], tls=True, tls_hostnames=("other.example",)) as fake:
        configuration = no_retries(fake.configuration())
        with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError):
            VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
        assert fake.requests == []
        configuration.tls_server_name = "other.example"
        with ApiClient(configuration) as api_client:
            assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"


def test_a_required_client_certificate_is_checked():
    with FakeHostingerApi(vms=[VM], tls=True, client_cert_required=True) as fake:
        configuration = no_retries(fake.configuration())
        assert (configuration.cert_file, configuration.key_file) == (
            fake.client_cert_file,
            fake.client_key_file,
        )
        with ApiClient(configuration) as api_client:
            assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"
        configuration.cert_file = configuration.key_file = None
        with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError):
            VPSActionsApi(api_client).get_actions_v1(VM)
        assert [r.method for r in fake.requests] == ["POST"]


def test_the_tls_settings_are_checked(tls_fake, fake):
    with pytest.raises(ValueError, match="tls=True"):
        FakeHostingerApi(client_cert_required=True)
    with pytest.raises(ValueError, match="tls_hostnames"):
        FakeHostingerApi(tls=True, tls_hostnames=())
    with pytest.raises(RuntimeError, match="client_cert_required"):
        tls_fake.client_cert_file  # noqa: B018
    with pytest.raises(RuntimeError, match="plain HTTP"):
        fake.ca_file  # noqa: B018
    assert fake.url.startswith("http://")
    assert fake.configuration().ssl_ca_cert is None


def test_without_trustme_tls_asks_for_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "trustme", None)  # makes `import trustme` fail
    fake = FakeHostingerApi(tls=True)
    with pytest.raises(RuntimeError, match="pip install trustme"):
        fake.start()
    with pytest.raises(RuntimeError, match="not running"):
        fake.port  # noqa: B018


def test_a_client_that_never_says_hello_does_not_hold_up_the_others(tls_fake):
    with socket.create_connection(("127.0.0.1", tls_fake.port)) as silent:
        with socket.create_connection(("127.0.0.1", tls_fake.port)) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to the TLS port
            assert b"HTTP/1.1" not in received_until_closed(plain)  # a TLS alert at most
        configuration = tls_fake.configuration()
        with ApiClient(configuration) as api_client:
            action = VPSSnapshotsApi(api_client).create_snapshot_v1(VM, _request_timeout=5)
        assert action.state == "created"
        assert silent.fileno() != -1  # still connected, still silent


def test_on_its_own_it_serves_https_and_prints_the_ca():
    process = subprocess.Popen(
        [sys.executable, "-m", "hostinger_api.testing", "--tls", "--quiet", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().split()[-1]
        ca_line = process.stdout.readline()
        assert url.startswith("https://127.0.0.1:")
        assert ca_line.startswith("CA certificate: ")
        ca_file = ca_line.split(": ", 1)[1].strip()
        response = urllib3.PoolManager(ca_certs=ca_file, retries=False, timeout=5).request(
            "POST", url + BASE + "/snapshot", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0
    deadline = time.monotonic() + 5
    while os.path.exists(ca_file) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not os.path.exists(ca_file)
