from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Trigger(_message.Message):
    __slots__ = ["description", "example_input", "example_output", "id", "input_schema", "name", "output_schema", "type"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_INPUT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    description: str
    example_input: _struct_pb2.Value
    example_output: _struct_pb2.Value
    id: str
    input_schema: str
    name: str
    output_schema: str
    type: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., description: _Optional[str] = ..., input_schema: _Optional[str] = ..., example_input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., output_schema: _Optional[str] = ..., example_output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
