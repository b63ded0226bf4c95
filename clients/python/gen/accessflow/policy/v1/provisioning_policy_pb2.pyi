from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvaluationIdentity(_message.Message):
    __slots__ = ["attributes", "id", "name"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class FieldDetails(_message.Message):
    __slots__ = ["attributes", "is_multi_valued", "is_required", "name", "transform", "type"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    IS_MULTI_VALUED_FIELD_NUMBER: _ClassVar[int]
    IS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRANSFORM_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    is_multi_valued: bool
    is_required: bool
    name: str
    transform: _struct_pb2.Struct
    type: str
    def __init__(self, name: _Optional[str] = ..., transform: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., is_required: bool = ..., type: _Optional[str] = ..., is_multi_valued: bool = ...) -> None: ...

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

class ProvisioningPolicy(_message.Message):
    __slots__ = ["description", "fields", "name", "usage_type"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    description: str
    fields: _containers.RepeatedCompositeFieldContainer[FieldDetails]
    name: str
    usage_type: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., usage_type: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[FieldDetails, _Mapping]]] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ["account_id", "attribute", "confirmed", "expires", "id", "identity_id", "source_id", "tracking_number", "value"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attribute: str
    confirmed: bool
    expires: _timestamp_pb2.Timestamp
    id: str
    identity_id: str
    source_id: str
    tracking_number: str
    value: str
    def __init__(self, id: _Optional[str] = ..., attribute: _Optional[str] = ..., value: _Optional[str] = ..., source_id: _Optional[str] = ..., identity_id: _Optional[str] = ..., tracking_number: _Optional[str] = ..., expires: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., confirmed: bool = ..., account_id: _Optional[str] = ...) -> None: ...
