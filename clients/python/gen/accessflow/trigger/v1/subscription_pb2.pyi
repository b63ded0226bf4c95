from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BasicAuthConfig(_message.Message):
    __slots__ = ["password", "user_name"]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    password: _struct_pb2.Value
    user_name: str
    def __init__(self, user_name: _Optional[str] = ..., password: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class BearerTokenAuthConfig(_message.Message):
    __slots__ = ["bearer_token"]
    BEARER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bearer_token: _struct_pb2.Value
    def __init__(self, bearer_token: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class EventBridgeConfig(_message.Message):
    __slots__ = ["aws_account", "aws_region"]
    AWS_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AWS_REGION_FIELD_NUMBER: _ClassVar[int]
    aws_account: str
    aws_region: str
    def __init__(self, aws_account: _Optional[str] = ..., aws_region: _Optional[str] = ...) -> None: ...

class HttpConfig(_message.Message):
    __slots__ = ["basic_auth_config", "bearer_token_auth_config", "http_authentication_type", "http_dispatch_mode", "url"]
    BASIC_AUTH_CONFIG_FIELD_NUMBER: _ClassVar[int]
    BEARER_TOKEN_AUTH_CONFIG_FIELD_NUMBER: _ClassVar[int]
    HTTP_AUTHENTICATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    HTTP_DISPATCH_MODE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    basic_auth_config: BasicAuthConfig
    bearer_token_auth_config: BearerTokenAuthConfig
    http_authentication_type: str
    http_dispatch_mode: str
    url: str
    def __init__(self, url: _Optional[str] = ..., http_dispatch_mode: _Optional[str] = ..., http_authentication_type: _Optional[str] = ..., basic_auth_config: _Optional[_Union[BasicAuthConfig, _Mapping]] = ..., bearer_token_auth_config: _Optional[_Union[BearerTokenAuthConfig, _Mapping]] = ...) -> None: ...

class JsonPatchOperation(_message.Message):
    __slots__ = ["op", "path", "value"]
    FROM_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    op: str
    path: str
    value: _struct_pb2.Value
    def __init__(self, op: _Optional[str] = ..., path: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., **kwargs) -> None: ...

class Subscription(_message.Message):
    __slots__ = ["description", "enabled", "event_bridge_config", "filter", "http_config", "id", "name", "response_deadline", "signing_secret", "trigger_id", "trigger_name", "type", "workflow_config"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    EVENT_BRIDGE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    HTTP_CONFIG_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_CONFIG_FIELD_NUMBER: _ClassVar[int]
    description: str
    enabled: bool
    event_bridge_config: EventBridgeConfig
    filter: str
    http_config: HttpConfig
    id: str
    name: str
    response_deadline: str
    signing_secret: str
    trigger_id: str
    trigger_name: str
    type: str
    workflow_config: WorkflowConfig
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., trigger_id: _Optional[str] = ..., trigger_name: _Optional[str] = ..., type: _Optional[str] = ..., response_deadline: _Optional[str] = ..., http_config: _Optional[_Union[HttpConfig, _Mapping]] = ..., event_bridge_config: _Optional[_Union[EventBridgeConfig, _Mapping]] = ..., workflow_config: _Optional[_Union[WorkflowConfig, _Mapping]] = ..., enabled: bool = ..., filter: _Optional[str] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class WorkflowConfig(_message.Message):
    __slots__ = ["action_chain_id", "inputs", "kind", "recipient_id_path", "relationship_ids", "relationship_ids_path", "relationship_map", "requester_id_path", "workflow_id"]
    class InputsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class RelationshipMapEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTION_CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_PATH_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_IDS_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_IDS_PATH_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_MAP_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_PATH_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    action_chain_id: str
    inputs: _containers.ScalarMap[str, str]
    kind: str
    recipient_id_path: str
    relationship_ids: _containers.RepeatedScalarFieldContainer[str]
    relationship_ids_path: str
    relationship_map: _containers.ScalarMap[str, str]
    requester_id_path: str
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ..., kind: _Optional[str] = ..., relationship_ids: _Optional[_Iterable[str]] = ..., action_chain_id: _Optional[str] = ..., recipient_id_path: _Optional[str] = ..., requester_id_path: _Optional[str] = ..., relationship_ids_path: _Optional[str] = ..., relationship_map: _Optional[_Mapping[str, str]] = ..., inputs: _Optional[_Mapping[str, str]] = ...) -> None: ...
