"""A dependable client for Hostinger's VPS snapshot API, drop-in compatible with the generated one.

    import hostinger_api

    configuration = hostinger_api.Configuration()          # token from HOSTINGER_API_TOKEN
    with hostinger_api.ApiClient(configuration) as api_client:
        snapshots = hostinger_api.VPSSnapshotsApi(api_client)
        action = snapshots.create_snapshot_v1(1268054)
        hostinger_api.wait_for_action(api_client, 1268054, action)

Names are imported when first used (PEP 562), so ``import hostinger_api`` costs little: an
automation job that starts a fresh Python for one call does not pay for what it does not use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hostinger_api._version import __version__

if TYPE_CHECKING:
    from hostinger_api.api.vps_actions_api import VPSActionsApi
    from hostinger_api.api.vps_backups_api import VPSBackupsApi
    from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
    from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
    from hostinger_api.api_client import ApiClient
    from hostinger_api.api_response import ApiResponse
    from hostinger_api.configuration import Configuration
    from hostinger_api.exceptions import (
        ActionFailedError,
        ActionTimeoutError,
        ApiAttributeError,
        ApiConnectionError,
        ApiException,
        ApiKeyError,
        ApiTimeoutError,
        ApiTypeError,
        ApiValueError,
        BadRequestException,
        ConflictException,
        ForbiddenException,
        NotFoundException,
        OpenApiException,
        ProxyAuthenticationError,
        RequestNotSent,
        ResponseDecodeError,
        ServiceException,
        TooManyRequestsException,
        UnauthorizedException,
        UnprocessableEntityException,
    )
    from hostinger_api.fleet import (
        FleetInterrupted,
        FleetProgress,
        FleetReport,
        Outcome,
        StatusReport,
        StatusRow,
        Verdict,
        VmResult,
        create_snapshots,
        delete_snapshots,
        restore_snapshots,
        snapshot_status,
    )
    from hostinger_api.models import (
        ActionState,
        CommonSchemaErrorResponseSchema,
        CommonSchemaPaginationMetaSchema,
        CommonSchemaUnauthorizedResponseSchema,
        CommonSchemaUnprocessableContentResponseSchema,
        InlineObject,
        InlineObject1,
        VirtualMachineState,
        VPSV1ActionActionResource,
        VPSV1ActionListResponse,
        VPSV1BackupBackupResource,
        VPSV1BackupListResponse,
        VPSV1IPAddressIPAddressResource,
        VPSV1SnapshotSnapshotResource,
        VPSV1TemplateTemplateResource,
        VPSV1VirtualMachineVirtualMachineResource,
    )
    from hostinger_api.restore_points import restore_point
    from hostinger_api.retry import RetryPolicy
    from hostinger_api.state import FleetLockHeld, fleet_lock
    from hostinger_api.waiters import poll_action, wait_for_action

_MODULE_OF: dict[str, str] = {
    "VPSActionsApi": "hostinger_api.api.vps_actions_api",
    "VPSBackupsApi": "hostinger_api.api.vps_backups_api",
    "VPSSnapshotsApi": "hostinger_api.api.vps_snapshots_api",
    "VPSVirtualMachineApi": "hostinger_api.api.vps_virtual_machine_api",
    "ApiClient": "hostinger_api.api_client",
    "ApiResponse": "hostinger_api.api_response",
    "Configuration": "hostinger_api.configuration",
    "RetryPolicy": "hostinger_api.retry",
    "restore_point": "hostinger_api.restore_points",
    "FleetLockHeld": "hostinger_api.state",
    "fleet_lock": "hostinger_api.state",
    **dict.fromkeys(
        [
            "FleetInterrupted",
            "FleetProgress",
            "FleetReport",
            "Outcome",
            "StatusReport",
            "StatusRow",
            "Verdict",
            "VmResult",
            "create_snapshots",
            "delete_snapshots",
            "restore_snapshots",
            "snapshot_status",
        ],
        "hostinger_api.fleet",
    ),
    "poll_action": "hostinger_api.waiters",
    "wait_for_action": "hostinger_api.waiters",
    **dict.fromkeys(
        [
            "ActionFailedError",
            "ActionTimeoutError",
            "ApiAttributeError",
            "ApiConnectionError",
            "ApiException",
            "ApiKeyError",
            "ApiTimeoutError",
            "ApiTypeError",
            "ApiValueError",
            "BadRequestException",
            "ConflictException",
            "ForbiddenException",
            "NotFoundException",
            "OpenApiException",
            "ProxyAuthenticationError",
            "RequestNotSent",
            "ResponseDecodeError",
            "ServiceException",
            "TooManyRequestsException",
            "UnauthorizedException",
            "UnprocessableEntityException",
        ],
        "hostinger_api.exceptions",
    ),
    **dict.fromkeys(
        [
            "ActionState",
            "CommonSchemaErrorResponseSchema",
            "CommonSchemaPaginationMetaSchema",
            "CommonSchemaUnauthorizedResponseSchema",
            "CommonSchemaUnprocessableContentResponseSchema",
            "InlineObject",
            "InlineObject1",
            "VPSV1ActionActionResource",
            "VPSV1ActionListResponse",
            "VPSV1BackupBackupResource",
            "VPSV1BackupListResponse",
            "VPSV1IPAddressIPAddressResource",
            "VPSV1SnapshotSnapshotResource",
            "VPSV1TemplateTemplateResource",
            "VPSV1VirtualMachineVirtualMachineResource",
            "VirtualMachineState",
        ],
        "hostinger_api.models",
    ),
}

_SUBMODULES = frozenset(
    {"api", "api_client", "api_response", "configuration", "exceptions", "models", "rest"}
    | {"fleet", "restore_points", "retry", "state", "testing", "waiters"}
)

__all__ = ["__version__", *_MODULE_OF]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"hostinger_api.{name}")
    module_name = _MODULE_OF.get(name)
    if module_name is None:
        raise AttributeError(f"module 'hostinger_api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
