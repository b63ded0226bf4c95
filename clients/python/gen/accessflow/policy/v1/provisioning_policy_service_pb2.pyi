from accessflow.policy.v1 import provisioning_policy_pb2 as _provisioning_policy_pb2
from accessflow.type.v1 import audit_pb2 as _audit_pb2
from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BulkUpdateProvisioningPoliciesRequest(_message.Message):
    __slots__ = ["policies", "source_id"]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[_provisioning_policy_pb2.ProvisioningPolicy]
    source_id: str
    def __init__(self, source_id: _Optional[str] = ..., policies: _Optional[_Iterable[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]]] = ...) -> None: ...

class BulkUpdateProvisioningPoliciesResponse(_message.Message):
    __slots__ = ["policies"]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[_provisioning_policy_pb2.ProvisioningPolicy]
    def __init__(self, policies: _Optional[_Iterable[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]]] = ...) -> None: ...

class CreateProvisioningPolicyRequest(_message.Message):
    __slots__ = ["policy", "source_id"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    source_id: str
    def __init__(self, source_id: _Optional[str] = ..., policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...

class CreateProvisioningPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    def __init__(self, policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...

class DeleteProvisioningPolicyRequest(_message.Message):
    __slots__ = ["source_id", "usage_type"]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    usage_type: str
    def __init__(self, source_id: _Optional[str] = ..., usage_type: _Optional[str] = ...) -> None: ...

class DeleteProvisioningPolicyResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class EvaluateProvisioningPolicyRequest(_message.Message):
    __slots__ = ["account_attributes", "dry_run", "identity", "source_id", "usage_type"]
    ACCOUNT_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    account_attributes: _struct_pb2.Struct
    dry_run: bool
    identity: _provisioning_policy_pb2.EvaluationIdentity
    source_id: str
    usage_type: str
    def __init__(self, source_id: _Optional[str] = ..., usage_type: _Optional[str] = ..., identity: _Optional[_Union[_provisioning_policy_pb2.EvaluationIdentity, _Mapping]] = ..., account_attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., dry_run: bool = ...) -> None: ...

class EvaluateProvisioningPolicyResponse(_message.Message):
    __slots__ = ["attributes", "reservations", "warnings"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    reservations: _containers.RepeatedCompositeFieldContainer[_provisioning_policy_pb2.Reservation]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., reservations: _Optional[_Iterable[_Union[_provisioning_policy_pb2.Reservation, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class GetProvisioningPolicyRequest(_message.Message):
    __slots__ = ["source_id", "usage_type"]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    usage_type: str
    def __init__(self, source_id: _Optional[str] = ..., usage_type: _Optional[str] = ...) -> None: ...

class GetProvisioningPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    def __init__(self, policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...

class ListProvisioningPoliciesRequest(_message.Message):
    __slots__ = ["count", "limit", "offset", "source_id"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    count: bool
    limit: int
    offset: int
    source_id: str
    def __init__(self, source_id: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ...) -> None: ...

class ListProvisioningPoliciesResponse(_message.Message):
    __slots__ = ["policies"]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[_provisioning_policy_pb2.ProvisioningPolicy]
    def __init__(self, policies: _Optional[_Iterable[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]]] = ...) -> None: ...

class PatchProvisioningPolicyRequest(_message.Message):
    __slots__ = ["operations", "source_id", "usage_type"]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[_provisioning_policy_pb2.JsonPatchOperation]
    source_id: str
    usage_type: str
    def __init__(self, source_id: _Optional[str] = ..., usage_type: _Optional[str] = ..., operations: _Optional[_Iterable[_Union[_provisioning_policy_pb2.JsonPatchOperation, _Mapping]]] = ...) -> None: ...

class PatchProvisioningPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    def __init__(self, policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...

class ReplaceProvisioningPolicyRequest(_message.Message):
    __slots__ = ["policy", "source_id", "usage_type"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    source_id: str
    usage_type: str
    def __init__(self, source_id: _Optional[str] = ..., usage_type: _Optional[str] = ..., policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...

class ReplaceProvisioningPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _provisioning_policy_pb2.ProvisioningPolicy
    def __init__(self, policy: _Optional[_Union[_provisioning_policy_pb2.ProvisioningPolicy, _Mapping]] = ...) -> None: ...
