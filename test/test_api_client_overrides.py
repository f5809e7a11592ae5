"""The operations' path through ApiClient's generated-style steps, taken when user code (written
for Hostinger's package 4.3.1) replaces one: a subclass overriding ``param_serialize``,
``call_api``, ``response_deserialize`` or ``update_params_for_auth``, a ``Configuration``
subclass overriding ``auth_settings``, or a method replaced on the instance.

Each override is written as such code writes it, with 4.3.1's exact signature, and must be
reached by every form of every snapshot operation, the request must be the right one, and the
result or the error the same as without it. Where this package fails that, the test is marked
``xfail(strict=True)``: it is a bug, and the mark goes when it is fixed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import (
    ApiClient,
    ApiResponse,
    Configuration,
    VPSSnapshotsApi,
    VPSV1ActionActionResource,
    VPSV1SnapshotSnapshotResource,
)
from hostinger_api._version import __version__

BASE = f"/api/vps/v1/virtual-machines/{VM}/snapshot"
OPERATIONS = {
    "get_snapshot_v1": ("GET", BASE, VPSV1SnapshotSnapshotResource),
    "create_snapshot_v1": ("POST", BASE, VPSV1ActionActionResource),
    "delete_snapshot_v1": ("DELETE", BASE, VPSV1ActionActionResource),
    "restore_snapshot_v1": ("POST", BASE + "/restore", VPSV1ActionActionResource),
}
FORMS = ["", "_with_http_info", "_without_preload_content"]
WRONG = "not-the-token"


# -- overrides, as code written for 4.3.1 writes them (its signatures, exactly) ------------------


class Logged(ApiClient):
    log: list[str]


class SerializeOverride(Logged):
    def param_serialize(  # type: ignore[override]
        self,
        method,
        resource_path,
        path_params=None,
        query_params=None,
        header_params=None,
        body=None,
        post_params=None,
        files=None,
        auth_settings=None,
        collection_formats=None,
        _host=None,
        _request_auth=None,
    ):
        self.log.append("param_serialize")
        method, url, headers, body, post_params = super().param_serialize(
            method, resource_path, path_params, query_params, header_params, body,
            post_params, files, auth_settings, collection_formats, _host, _request_auth,
        )  # fmt: skip
        headers["X-Hook"] = "param_serialize"
        return method, url, headers, body, post_params


class CallApiOverride(Logged):
    """4.3.1's ``call_api`` takes no ``_preload_content``."""

    def call_api(  # type: ignore[override]
        self, method, url, header_params=None, body=None, post_params=None, _request_timeout=None
    ):
        self.log.append("call_api")
        header_params = {**(header_params or {}), "X-Hook": "call_api"}
        return super().call_api(method, url, header_params, body, post_params, _request_timeout)


class CallApiPassingOn(Logged):
    """An override that passes on whatever it is given."""

    def call_api(self, method, url, *args, **kwargs):  # type: ignore[override]
        self.log.append("call_api")
        kwargs["header_params"] = {**(kwargs.get("header_params") or {}), "X-Hook": "call_api"}
        self.timeouts = [*getattr(self, "timeouts", []), kwargs.get("_request_timeout")]
        return super().call_api(method, url, *args, **kwargs)


class DeserializeOverride(Logged):
    def response_deserialize(self, response_data, response_types_map=None):  # type: ignore[override]
        self.log.append("response_deserialize")
        return super().response_deserialize(response_data, response_types_map)


class AuthOverride(Logged):
    def update_params_for_auth(  # type: ignore[override]
        self, headers, queries, auth_settings, resource_path, method, body, request_auth=None
    ):
        self.log.append("update_params_for_auth")
        headers["X-Hook"] = "update_params_for_auth"
        super().update_params_for_auth(
            headers, queries, auth_settings, resource_path, method, body, request_auth
        )


class SettingsOverride(Configuration):
    """Credentials from elsewhere than ``access_token`` (a vault, say): here, the right token
    while ``access_token`` holds a wrong one, so a 200 proves the override was used."""

    log: list[str]

    def auth_settings(self):  # type: ignore[override]
        self.log.append("auth_settings")
        return _bearer(TOKEN)


def _bearer(token: str) -> dict[str, Any]:
    value = "Bearer " + token
    return {"apiToken": {"type": "bearer", "in": "header", "key": "Authorization", "value": value}}


def _on_instance(client: ApiClient, name: str, log: list[str], hook: bool) -> None:
    """Replace ``client.<name>`` by a wrapper that logs and, with ``hook``, marks the request."""
    original = getattr(client, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        log.append(name)
        if name == "call_api":
            kwargs["header_params"] = {**kwargs.get("header_params", {}), "X-Hook": name}
        if name == "update_params_for_auth":
            args[0]["X-Hook"] = name
        result = original(*args, **kwargs)
        if name == "param_serialize":
            result[2]["X-Hook"] = name
        return result

    setattr(client, name, wrapper)


def make_client(kind: str, fake: Any) -> tuple[ApiClient, list[str]]:
    """A client of this kind pointed at the fake, and the list its override logs into."""
    log: list[str] = []
    configuration = fake.configuration()
    classes: dict[str, type[Logged]] = {
        "subclass param_serialize": SerializeOverride,
        "subclass call_api": CallApiOverride,
        "subclass call_api(*args, **kwargs)": CallApiPassingOn,
        "subclass response_deserialize": DeserializeOverride,
        "subclass update_params_for_auth": AuthOverride,
    }
    if kind in classes:
        client: ApiClient = classes[kind](configuration)
        client.log = log  # type: ignore[attr-defined]
        return client, log
    if kind == "subclass Configuration.auth_settings":
        settings = SettingsOverride(host=fake.url, access_token=WRONG)
        settings.state_dir = None
        settings.log = log
        return ApiClient(settings), log
    if kind == "instance Configuration.auth_settings":
        configuration.access_token = WRONG

        def auth_settings() -> dict[str, Any]:
            log.append("auth_settings")
            return _bearer(TOKEN)

        configuration.auth_settings = auth_settings  # type: ignore[method-assign]
        return ApiClient(configuration), log
    client = ApiClient(configuration)
    if kind != "none":
        name = kind.split(" ", 1)[1]
        _on_instance(client, name, log, hook=True)
    return client, log


KINDS = [
    "none",
    "subclass param_serialize",
    "subclass call_api",
    "subclass call_api(*args, **kwargs)",
    "subclass response_deserialize",
    "subclass update_params_for_auth",
    "subclass Configuration.auth_settings",
    "instance param_serialize",
    "instance call_api",
    "instance response_deserialize",
    "instance update_params_for_auth",
    "instance Configuration.auth_settings",
]
HOOK_HEADER = {
    "subclass param_serialize": "param_serialize",
    "subclass call_api": "call_api",
    "subclass call_api(*args, **kwargs)": "call_api",
    "subclass update_params_for_auth": "update_params_for_auth",
    "instance param_serialize": "param_serialize",
    "instance call_api": "call_api",
    "instance update_params_for_auth": "update_params_for_auth",
}
STEP = {
    **HOOK_HEADER,
    "subclass response_deserialize": "response_deserialize",
    "instance response_deserialize": "response_deserialize",
    "subclass Configuration.auth_settings": "auth_settings",
    "instance Configuration.auth_settings": "auth_settings",
}
"""The step each kind replaces."""
BUGS = {
    "subclass call_api": "the operations pass call_api a _preload_content keyword that 4.3.1's "
    "call_api does not take: an override with its signature gets a TypeError",
    "subclass response_deserialize": "the plain form deserializes without response_deserialize, "
    "which 4.3.1's plain form calls (and takes .data of)",
    "instance response_deserialize": "the same, replaced on the instance",
    "instance update_params_for_auth": "only a subclass's update_params_for_auth is looked for; "
    "one replaced on the instance is skipped (4.3.1 calls self.update_params_for_auth)",
    "instance Configuration.auth_settings": "only a subclass's auth_settings is looked for; one "
    "replaced on the configuration instance is skipped, the wrong access_token is sent",
}


def expected_log(kind: str, form: str) -> list[str]:
    """What 4.3.1 calls: every step in every form, except ``response_deserialize``, which the
    ``_without_preload_content`` form does not call."""
    step = STEP.get(kind)
    if step is None or (step == "response_deserialize" and form == FORMS[2]):
        return []
    return [step]


def _bug(kind: str, form: str) -> Any:
    """The xfail mark of the (kind, form) pairs that show a bug."""
    why = BUGS.get(kind)
    if why is None or ("response_deserialize" in kind and form != ""):
        return ()
    return pytest.mark.xfail(strict=True, reason=why)


def _pairs() -> list[Any]:
    return [
        pytest.param(kind, form, marks=_bug(kind, form), id=f"{kind}-{form or 'plain'}")
        for kind in KINDS
        for form in FORMS
    ]


@pytest.fixture(autouse=True)
def _has_snapshot(fake):
    fake.set_snapshot(VM)


def _result_of(form: str, result: Any, model: type) -> Any:
    """The model the form returned, checking what the form promises around it."""
    if form == "":
        return result
    if form == "_with_http_info":
        assert isinstance(result, ApiResponse)
        assert result.status_code == 200
        assert json.loads(result.raw_data)["id"] == result.data.id
        return result.data
    assert isinstance(result, urllib3.BaseHTTPResponse)
    assert result.status == 200
    return model.from_json(result.data.decode())


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize(("kind", "form"), _pairs())
def test_an_override_is_reached_and_the_request_is_right(fake, caplog, kind, form, operation):
    caplog.set_level(logging.DEBUG, logger="hostinger_api")
    method, path, model = OPERATIONS[operation]
    client, log = make_client(kind, fake)
    with client:
        result = getattr(VPSSnapshotsApi(client), operation + form)(VM)
    data = _result_of(form, result, model)
    assert isinstance(data, model)
    assert data.id is not None
    if model is VPSV1ActionActionResource:
        assert data.state == "created"
        assert data.id == fake.actions(VM)[0]["id"]
    assert log == expected_log(kind, form)
    (request,) = fake.requests
    assert (request.method, request.path, request.query) == (method, path, {})
    assert request.header("Authorization") == "<redacted>"  # the fake keeps no token
    assert request.header("Accept") == "application/json"
    assert request.header("User-Agent") == f"hostinger_api-python/{__version__}"
    assert request.header("X-Hook") == HOOK_HEADER.get(kind)
    assert request.body == b""
    assert TOKEN not in caplog.text
