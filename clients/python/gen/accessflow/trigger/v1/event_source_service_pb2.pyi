from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateEventSourceRequest(_message.Message):
    __slots__ = ["event_source"]
    EVENT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    event_source: EventSource
    def __init__(self, event_source: _Optional[_Union[EventSource, _Mapping]] = ...) -> None: ...

class CreateEventSourceResponse(_message.Message):
    __slots__ = ["event_source"]
    EVENT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    event_source: EventSource
    def __init__(self, event_source: _Optional[_Union[EventSource, _Mapping]] = ...) -> None: ...

class DeleteEventSourceRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteEventSourceResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class EventSource(_message.Message):
    __slots__ = ["created", "description", "name", "previous_secret_expires", "signing_secret"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRES_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    description: str
    name: str
    previous_secret_expires: _timestamp_pb2.Timestamp
    signing_secret: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., signing_secret: _Optional[str] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., previous_secret_expires: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEventSourcesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListEventSourcesResponse(_message.Message):
    __slots__ = ["event_sources"]
    EVENT_SOURCES_FIELD_NUMBER: _ClassVar[int]
    event_sources: _containers.RepeatedCompositeFieldContainer[EventSource]
    def __init__(self, event_sources: _Optional[_Iterable[_Union[EventSource, _Mapping]]] = ...) -> None: ...

class RotateEventSourceSecretRequest(_message.Message):
    __slots__ = ["name", "overlap"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    name: str
    overlap: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., overlap: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RotateEventSourceSecretResponse(_message.Message):
    __slots__ = ["event_source"]
    EVENT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    event_source: EventSource
    def __init__(self, event_source: _Optional[_Union[EventSource, _Mapping]] = ...) -> None: ...
