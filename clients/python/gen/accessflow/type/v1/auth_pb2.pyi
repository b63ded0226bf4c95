from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Optional as _Optional

AUTH_FIELD_NUMBER: _ClassVar[int]
DESCRIPTOR: _descriptor.FileDescriptor
auth: _descriptor.FieldDescriptor

class AuthRule(_message.Message):
    __slots__ = ["authenticated_otherwise", "scopes", "user_levels"]
    AUTHENTICATED_OTHERWISE_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    USER_LEVELS_FIELD_NUMBER: _ClassVar[int]
    authenticated_otherwise: bool
    scopes: _containers.RepeatedScalarFieldContainer[str]
    user_levels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scopes: _Optional[_Iterable[str]] = ..., user_levels: _Optional[_Iterable[str]] = ..., authenticated_otherwise: bool = ...) -> None: ...
