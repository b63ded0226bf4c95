from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

AUDIT_FIELD_NUMBER: _ClassVar[int]
DESCRIPTOR: _descriptor.FileDescriptor
audit: _descriptor.FieldDescriptor

class AuditOptions(_message.Message):
    __slots__ = ["operational"]
    OPERATIONAL_FIELD_NUMBER: _ClassVar[int]
    operational: bool
    def __init__(self, operational: bool = ...) -> None: ...
