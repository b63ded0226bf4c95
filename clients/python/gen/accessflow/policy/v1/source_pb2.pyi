from accessflow.type.v1 import reference_pb2 as _reference_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Source(_message.Message):
    __slots__ = ["authoritative", "connector", "connector_attributes", "created", "delete_threshold", "description", "features", "id", "modified", "name", "owner", "type"]
    AUTHORITATIVE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DELETE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    authoritative: bool
    connector: str
    connector_attributes: _struct_pb2.Struct
    created: _timestamp_pb2.Timestamp
    delete_threshold: int
    description: str
    features: _containers.RepeatedScalarFieldContainer[str]
    id: str
    modified: _timestamp_pb2.Timestamp
    name: str
    owner: _reference_pb2.Reference
    type: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., owner: _Optional[_Union[_reference_pb2.Reference, _Mapping]] = ..., connector: _Optional[str] = ..., connector_attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., features: _Optional[_Iterable[str]] = ..., type: _Optional[str] = ..., authoritative: bool = ..., delete_threshold: _Optional[int] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
