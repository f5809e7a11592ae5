"""``hostinger-api config`` and the token's sources, run as users run them: subprocesses.

What must never happen whatever the source: the token on stdout or stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import TOKEN, VM

from hostinger_api import Configuration, cli
from hostinger_api.cli._parser import build_parser
from hostinger_api.cli.config import effective, masked
from hostinger_api.testing import FakeHostingerApi

FILE_TOKEN = "token-from-a-file"
CREDENTIAL_TOKEN = "token-from-a-credential"
UNSET = {
    "HOSTINGER_API_TOKEN",
    "HOSTINGER_API_TOKEN_FILE",
    "CREDENTIALS_DIRECTORY",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "no_proxy",
}
"""What the machine's environment may hold that the tests set themselves (any case)."""
SECRETS = (TOKEN, FILE_TOKEN, CREDENTIAL_TOKEN, "token-from-the-option")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in UNSET and name.lower() not in UNSET
    }
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", *args],
        capture_output=True,
        text=True,
        env=environ,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr
    return result


def config(*args: str, **env: str) -> dict[str, str]:
    result = run("--json", "config", *args, **env)
    assert result.returncode == cli.EXIT_OK, result.stderr
    document: dict[str, str] = json.loads(result.stdout)
    return document


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """A token file, an option's file and a systemd credentials folder, each its own token."""
    token_file = tmp_path / "token"
    token_file.write_text(FILE_TOKEN + "\n")
    option_file = tmp_path / "option-token"
    option_file.write_text("token-from-the-option\r\n")
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "hostinger-api-token").write_text(CREDENTIAL_TOKEN)
    return {"file": str(token_file), "option": str(option_file), "credentials": str(credentials)}


# -- which source wins ---------------------------------------------------------------------------


def test_the_option_wins_over_everything(files):
    settings = config(
        "--token-file",
        files["option"],
        HOSTINGER_API_TOKEN_FILE=files["file"],
        HOSTINGER_API_TOKEN=TOKEN,
        CREDENTIALS_DIRECTORY=files["credentials"],
    )
    assert settings["token source"] == f"--token-file {files['option']}"
    assert settings["token"] == "set (never shown)"


def test_the_file_variable_wins_over_the_token_variable_and_the_credential(files):
    settings = config(
        HOSTINGER_API_TOKEN_FILE=files["file"],
        HOSTINGER_API_TOKEN=TOKEN,
        CREDENTIALS_DIRECTORY=files["credentials"],
    )
    assert settings["token source"] == f"HOSTINGER_API_TOKEN_FILE ({files['file']})"


def test_the_token_variable_wins_over_the_credential(files):
    settings = config(HOSTINGER_API_TOKEN=TOKEN, CREDENTIALS_DIRECTORY=files["credentials"])
    assert settings["token source"] == "HOSTINGER_API_TOKEN"


def test_the_systemd_credential_is_the_last_resort(files):
    settings = config(CREDENTIALS_DIRECTORY=files["credentials"])
    credential = os.path.join(files["credentials"], "hostinger-api-token")
    assert settings["token source"] == f"the systemd credential ({credential})"


def test_a_credentials_folder_without_ours_is_no_token(tmp_path):
    settings = config(CREDENTIALS_DIRECTORY=str(tmp_path))
    assert settings["token source"] == "none"
    assert settings["token"] == "not set"


# -- the token each source gives reaches the API -------------------------------------------------


@pytest.mark.parametrize(
    ("source", "token"),
    [
        ("option", "token-from-the-option"),
        ("file", FILE_TOKEN),
        ("credentials", CREDENTIAL_TOKEN),
    ],
)
def test_the_token_read_from_a_file_is_the_one_sent(files, source, token):
    args: list[str] = []
    env: dict[str, str] = {}
    if source == "option":
        args = ["--token-file", files["option"]]
    elif source == "file":
        env["HOSTINGER_API_TOKEN_FILE"] = files["file"]
    else:
        env["CREDENTIALS_DIRECTORY"] = files["credentials"]
    with FakeHostingerApi(vms=[VM], token=token) as fake:  # accepts only this token
        fake.set_snapshot(VM)
        result = run("--host", fake.url, *args, "snapshot", "get", str(VM), **env)
    assert result.returncode == cli.EXIT_OK, result.stderr  # one trailing newline was stripped


# -- files that cannot be used -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("", "which is empty"),
        ("\n", "which is empty"),
        ("line one\nline two\n", "holds more than a token"),
        (" padded\n", "holds more than a token"),
    ],
)
def test_an_unusable_token_file_is_a_usage_error_naming_the_file_not_its_content(
    tmp_path, content, complaint
):
    path = tmp_path / "token"
    path.write_text(content)
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        result = run(
            "--host", fake.url, "snapshot", "get", str(VM), HOSTINGER_API_TOKEN_FILE=str(path)
        )
        assert fake.requests == []
    assert result.returncode == cli.EXIT_USAGE
    assert str(path) in result.stderr
    assert complaint in result.stderr
    for word in ("line one", "line two", "padded"):
        assert word not in result.stderr


def test_a_missing_token_file_is_a_usage_error(tmp_path):
    path = tmp_path / "missing"
    result = run("--token-file", str(path), "vm", "list", HOSTINGER_API_TOKEN=TOKEN)
    assert result.returncode == cli.EXIT_USAGE
    assert f"--token-file names the token file '{path}', which cannot be read" in result.stderr


def test_config_fails_too_on_an_unusable_file(tmp_path):
    path = tmp_path / "empty"
    path.write_text("")
    result = run("config", "--token-file", str(path))
    assert result.returncode == cli.EXIT_USAGE
    assert str(path) in result.stderr


# -- what config shows ---------------------------------------------------------------------------


def test_config_shows_every_setting_and_sends_nothing(tmp_path):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        settings = config(
            "--host",
            fake.url,
            HOSTINGER_API_TOKEN=TOKEN,
            HTTP_PROXY="http://user:proxy-password@proxy.example:3128",
            HOSTINGER_API_STATE_DIR=str(tmp_path / "state"),
        )
        assert fake.requests == []
        assert settings["host"] == f"{fake.url} (--host)"
    assert settings["token source"] == "HOSTINGER_API_TOKEN"
    assert settings["proxy"] == "http://user:***@proxy.example:3128 (from the environment)"
    assert settings["ca bundle"] == "the system's CAs"
    assert settings["state folder"] == (
        f"{tmp_path / 'state'} (from HOSTINGER_API_STATE_DIR; not made yet)"
    )
    assert settings["timeouts"] == "connect 10 s, read 60 s"
    assert set(settings) >= {"retries"}


def test_config_as_lines_names_the_defaults(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    result = run("config", SSL_CERT_FILE=str(ca), XDG_STATE_HOME=str(tmp_path / "xdg"))
    assert result.returncode == cli.EXIT_OK, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["host"].strip() == "https://developers.hostinger.com (default)"
    assert lines["token"].strip() == "not set"
    assert lines["ca bundle"].strip() == f"{ca} (from SSL_CERT_FILE)"
    assert "(from HOSTINGER_API_STATE_DIR" in lines["state folder"]  # the test's own folder


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://proxy:3128", "http://proxy:3128"),
        ("http://user:secret@proxy:3128", "http://user:***@proxy:3128"),
        ("socks5h://user:secret@[::1]:1080", "socks5h://user:***@[::1]:1080"),
        ("http://user:secret@proxy", "http://user:***@proxy"),
    ],
)
def test_a_proxy_password_is_masked(url, shown):
    assert masked(url) == shown


def test_config_says_when_the_state_folder_is_off_or_not_a_folder(tmp_path):
    options = build_parser().parse_args(["config"])
    configuration = Configuration(access_token=TOKEN)
    configuration.ssl_ca_cert = str(tmp_path / "ca.pem")
    configuration.state_dir = None
    settings = effective(options, configuration)
    assert settings["state folder"].startswith("off: ")
    assert settings["ca bundle"] == str(tmp_path / "ca.pem")
    (tmp_path / "a-file").write_text("")
    configuration.state_dir = tmp_path / "a-file"
    assert "not made yet" in effective(options, configuration)["state folder"]
