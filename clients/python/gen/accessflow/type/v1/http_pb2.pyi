from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
HTTP_FIELD_NUMBER: _ClassVar[int]
http: _descriptor.FieldDescriptor

class HttpOptions(_message.Message):
    __slots__ = ["success_status"]
    SUCCESS_STATUS_FIELD_NUMBER: _ClassVar[int]
    success_status: int
    def __init__(self, success_status: _Optional[int] = ...) -> None: ...
