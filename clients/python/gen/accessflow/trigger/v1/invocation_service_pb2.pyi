from accessflow.type.v1 import audit_pb2 as _audit_pb2
from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompleteInvocationInput(_message.Message):
    __slots__ = ["localized_error", "output"]
    LOCALIZED_ERROR_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    localized_error: LocalizedMessage
    output: _struct_pb2.Value
    def __init__(self, localized_error: _Optional[_Union[LocalizedMessage, _Mapping]] = ..., output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CompleteInvocationRequest(_message.Message):
    __slots__ = ["error", "id", "output", "secret"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    error: str
    id: str
    output: _struct_pb2.Value
    secret: str
    def __init__(self, id: _Optional[str] = ..., secret: _Optional[str] = ..., output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class CompleteInvocationResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Invocation(_message.Message):
    __slots__ = ["content_json", "id", "secret", "trigger_id"]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    content_json: _struct_pb2.Struct
    id: str
    secret: str
    trigger_id: str
    def __init__(self, id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., secret: _Optional[str] = ..., content_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class InvocationStatus(_message.Message):
    __slots__ = ["complete_invocation_input", "completed", "created", "id", "start_invocation_input", "status", "subscription_id", "subscription_name", "tracking_number", "trigger_id", "type"]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_INVOCATION_INPUT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    START_INVOCATION_INPUT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_NAME_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    complete_invocation_input: CompleteInvocationInput
    completed: _timestamp_pb2.Timestamp
    created: _timestamp_pb2.Timestamp
    id: str
    start_invocation_input: StartInvocationInput
    status: str
    subscription_id: str
    subscription_name: str
    tracking_number: str
    trigger_id: str
    type: str
    def __init__(self, id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., subscription_name: _Optional[str] = ..., subscription_id: _Optional[str] = ..., type: _Optional[str] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., completed: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., start_invocation_input: _Optional[_Union[StartInvocationInput, _Mapping]] = ..., complete_invocation_input: _Optional[_Union[CompleteInvocationInput, _Mapping]] = ..., status: _Optional[str] = ..., tracking_number: _Optional[str] = ...) -> None: ...

class ListInvocationStatusesRequest(_message.Message):
    __slots__ = ["count", "filters", "limit", "offset"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    count: bool
    filters: str
    limit: int
    offset: int
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ..., filters: _Optional[str] = ...) -> None: ...

class ListInvocationStatusesResponse(_message.Message):
    __slots__ = ["invocation_statuses"]
    INVOCATION_STATUSES_FIELD_NUMBER: _ClassVar[int]
    invocation_statuses: _containers.RepeatedCompositeFieldContainer[InvocationStatus]
    def __init__(self, invocation_statuses: _Optional[_Iterable[_Union[InvocationStatus, _Mapping]]] = ...) -> None: ...

class LocalizedMessage(_message.Message):
    __slots__ = ["locale", "message"]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    locale: str
    message: str
    def __init__(self, locale: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class StartInvocationInput(_message.Message):
    __slots__ = ["content_json", "input", "trigger_id"]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    content_json: _struct_pb2.Struct
    input: _struct_pb2.Value
    trigger_id: str
    def __init__(self, trigger_id: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., content_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StartTestInvocationRequest(_message.Message):
    __slots__ = ["content_json", "input", "subscription_ids", "trigger_id"]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    content_json: _struct_pb2.Struct
    input: _struct_pb2.Struct
    subscription_ids: _containers.RepeatedScalarFieldContainer[str]
    trigger_id: str
    def __init__(self, trigger_id: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., content_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., subscription_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StartTestInvocationResponse(_message.Message):
    __slots__ = ["invocations"]
    INVOCATIONS_FIELD_NUMBER: _ClassVar[int]
    invocations: _containers.RepeatedCompositeFieldContainer[Invocation]
    def __init__(self, invocations: _Optional[_Iterable[_Union[Invocation, _Mapping]]] = ...) -> None: ...
