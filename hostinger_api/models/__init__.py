"""The resources and error bodies of the VPS snapshot, action, VM and backup operations."""

from hostinger_api.models.common_schema_error_response_schema import (
    CommonSchemaErrorResponseSchema,
)
from hostinger_api.models.common_schema_pagination_meta_schema import (
    CommonSchemaPaginationMetaSchema,
)
from hostinger_api.models.common_schema_unauthorized_response_schema import (
    CommonSchemaUnauthorizedResponseSchema,
)
from hostinger_api.models.common_schema_unprocessable_content_response_schema import (
    CommonSchemaUnprocessableContentResponseSchema,
)
from hostinger_api.models.inline_object import InlineObject
from hostinger_api.models.inline_object1 import InlineObject1
from hostinger_api.models.vpsv1_action_action_resource import (
    ActionState,
    VPSV1ActionActionResource,
)
from hostinger_api.models.vpsv1_action_list_response import VPSV1ActionListResponse
from hostinger_api.models.vpsv1_backup_backup_resource import VPSV1BackupBackupResource
from hostinger_api.models.vpsv1_backup_list_response import VPSV1BackupListResponse
from hostinger_api.models.vpsv1_ip_address_ip_address_resource import (
    VPSV1IPAddressIPAddressResource,
)
from hostinger_api.models.vpsv1_snapshot_snapshot_resource import VPSV1SnapshotSnapshotResource
from hostinger_api.models.vpsv1_template_template_resource import VPSV1TemplateTemplateResource
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VirtualMachineState,
    VPSV1VirtualMachineVirtualMachineResource,
)

__all__ = [
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
]
