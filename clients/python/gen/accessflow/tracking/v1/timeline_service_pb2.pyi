from accessflow.type.v1 import auth_pb2 as _auth_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListTimelineEntriesRequest(_message.Message):
    __slots__ = ["tracking_number"]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    tracking_number: str
    def __init__(self, tracking_number: _Optional[str] = ...) -> None: ...

class ListTimelineEntriesResponse(_message.Message):
    __slots__ = ["entries"]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ...) -> None: ...

class Timeline(_message.Message):
    __slots__ = ["entries", "tracking_number"]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    tracking_number: str
    def __init__(self, tracking_number: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ["details", "id", "kind", "service", "status", "summary", "time"]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    details: _struct_pb2.Struct
    id: str
    kind: str
    service: str
    status: str
    summary: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., service: _Optional[str] = ..., kind: _Optional[str] = ..., id: _Optional[str] = ..., status: _Optional[str] = ..., summary: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
