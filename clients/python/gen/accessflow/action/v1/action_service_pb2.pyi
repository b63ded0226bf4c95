from accessflow.type.v1 import auth_pb2 as _auth_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActionFlow(_message.Message):
    __slots__ = ["chain_id", "context", "created", "id", "idempotency_key", "modified", "status", "tracking_number"]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    context: FlowContext
    created: _timestamp_pb2.Timestamp
    id: str
    idempotency_key: str
    modified: _timestamp_pb2.Timestamp
    status: str
    tracking_number: str
    def __init__(self, id: _Optional[str] = ..., chain_id: _Optional[str] = ..., status: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., tracking_number: _Optional[str] = ..., context: _Optional[_Union[FlowContext, _Mapping]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FlowContext(_message.Message):
    __slots__ = ["access_request_id", "approval_flow_id", "inputs", "operation", "recipient", "relationship", "requester"]
    ACCESS_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    access_request_id: str
    approval_flow_id: str
    inputs: _struct_pb2.Struct
    operation: str
    recipient: Identity
    relationship: Relationship
    requester: Identity
    def __init__(self, operation: _Optional[str] = ..., recipient: _Optional[_Union[Identity, _Mapping]] = ..., requester: _Optional[_Union[Identity, _Mapping]] = ..., relationship: _Optional[_Union[Relationship, _Mapping]] = ..., approval_flow_id: _Optional[str] = ..., access_request_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetActionFlowRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetActionFlowResponse(_message.Message):
    __slots__ = ["flow"]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ...) -> None: ...

class Identity(_message.Message):
    __slots__ = ["attributes", "email", "id", "name"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    email: str
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ["id", "name", "source_id", "target_id", "target_kind", "target_name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    source_id: str
    target_id: str
    target_kind: str
    target_name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., source_id: _Optional[str] = ..., target_kind: _Optional[str] = ..., target_id: _Optional[str] = ..., target_name: _Optional[str] = ...) -> None: ...

class StartActionFlowRequest(_message.Message):
    __slots__ = ["chain_id", "context", "idempotency_key"]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    context: FlowContext
    idempotency_key: str
    def __init__(self, chain_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., context: _Optional[_Union[FlowContext, _Mapping]] = ...) -> None: ...

class StartActionFlowResponse(_message.Message):
    __slots__ = ["created", "flow"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    created: bool
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ..., created: bool = ...) -> None: ...
