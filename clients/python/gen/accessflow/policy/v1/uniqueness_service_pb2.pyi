from accessflow.policy.v1 import provisioning_policy_pb2 as _provisioning_policy_pb2
from accessflow.type.v1 import audit_pb2 as _audit_pb2
from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfirmReservationRequest(_message.Message):
    __slots__ = ["account_id", "id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    id: str
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class ConfirmReservationResponse(_message.Message):
    __slots__ = ["reservation"]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _provisioning_policy_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_provisioning_policy_pb2.Reservation, _Mapping]] = ...) -> None: ...

class ForgetAccountRequest(_message.Message):
    __slots__ = ["account_id", "source_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    source_id: str
    def __init__(self, source_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class ForgetAccountResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetReservationResponse(_message.Message):
    __slots__ = ["reservation"]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _provisioning_policy_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_provisioning_policy_pb2.Reservation, _Mapping]] = ...) -> None: ...

class RecordAccountRequest(_message.Message):
    __slots__ = ["account_id", "attributes", "source_id"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attributes: _containers.ScalarMap[str, str]
    source_id: str
    def __init__(self, source_id: _Optional[str] = ..., account_id: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RecordAccountResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ReleaseReservationRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ReleaseReservationResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...
