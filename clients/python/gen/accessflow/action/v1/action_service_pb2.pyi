from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Account(_message.Message):
    __slots__ = ["account_id", "created", "created_by_flow_id", "identity_id", "last_flow_id", "last_operation", "provider_key", "source_id", "source_name", "status", "tracking_number", "updated"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_OPERATION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    created: _timestamp_pb2.Timestamp
    created_by_flow_id: str
    identity_id: str
    last_flow_id: str
    last_operation: str
    provider_key: str
    source_id: str
    source_name: str
    status: str
    tracking_number: str
    updated: _timestamp_pb2.Timestamp
    def __init__(self, provider_key: _Optional[str] = ..., account_id: _Optional[str] = ..., identity_id: _Optional[str] = ..., source_id: _Optional[str] = ..., source_name: _Optional[str] = ..., status: _Optional[str] = ..., last_operation: _Optional[str] = ..., created_by_flow_id: _Optional[str] = ..., last_flow_id: _Optional[str] = ..., tracking_number: _Optional[str] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActionChain(_message.Message):
    __slots__ = ["created", "description", "id", "modified", "name", "scripts"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    description: str
    id: str
    modified: _timestamp_pb2.Timestamp
    name: str
    scripts: _containers.RepeatedCompositeFieldContainer[ActionChainScript]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., scripts: _Optional[_Iterable[_Union[ActionChainScript, _Mapping]]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActionChainScript(_message.Message):
    __slots__ = ["backoff", "compensation", "duration", "max_attempts", "metadata", "name", "on_failure", "provider", "type"]
    BACKOFF_FIELD_NUMBER: _ClassVar[int]
    COMPENSATION_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ON_FAILURE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    backoff: _duration_pb2.Duration
    compensation: ActionChainScript
    duration: _duration_pb2.Duration
    max_attempts: int
    metadata: _struct_pb2.Struct
    name: str
    on_failure: str
    provider: str
    type: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., provider: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., max_attempts: _Optional[int] = ..., backoff: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., on_failure: _Optional[str] = ..., compensation: _Optional[_Union[ActionChainScript, _Mapping]] = ...) -> None: ...

class ActionFlow(_message.Message):
    __slots__ = ["chain_id", "completed", "context", "created", "errors", "id", "idempotency_key", "modified", "runs", "scripts", "status", "tracking_number", "warnings"]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    completed: _timestamp_pb2.Timestamp
    context: FlowContext
    created: _timestamp_pb2.Timestamp
    errors: _containers.RepeatedScalarFieldContainer[str]
    id: str
    idempotency_key: str
    modified: _timestamp_pb2.Timestamp
    runs: int
    scripts: _containers.RepeatedCompositeFieldContainer[ActionFlowScript]
    status: str
    tracking_number: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., chain_id: _Optional[str] = ..., status: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., tracking_number: _Optional[str] = ..., context: _Optional[_Union[FlowContext, _Mapping]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., scripts: _Optional[_Iterable[_Union[ActionFlowScript, _Mapping]]] = ..., errors: _Optional[_Iterable[str]] = ..., warnings: _Optional[_Iterable[str]] = ..., completed: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., runs: _Optional[int] = ...) -> None: ...

class ActionFlowScript(_message.Message):
    __slots__ = ["account_id", "attempts", "compensation", "error", "finished", "id", "name", "output", "started", "status", "type"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    COMPENSATION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attempts: int
    compensation: bool
    error: str
    finished: _timestamp_pb2.Timestamp
    id: str
    name: str
    output: _struct_pb2.Struct
    started: _timestamp_pb2.Timestamp
    status: str
    type: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., output: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[str] = ..., account_id: _Optional[str] = ..., started: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., finished: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., compensation: bool = ...) -> None: ...

class CancelActionFlowRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelActionFlowResponse(_message.Message):
    __slots__ = ["flow"]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ...) -> None: ...

class CreateActionChainRequest(_message.Message):
    __slots__ = ["chain"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: ActionChain
    def __init__(self, chain: _Optional[_Union[ActionChain, _Mapping]] = ...) -> None: ...

class CreateActionChainResponse(_message.Message):
    __slots__ = ["chain"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: ActionChain
    def __init__(self, chain: _Optional[_Union[ActionChain, _Mapping]] = ...) -> None: ...

class CreateProviderRequest(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class CreateProviderResponse(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class DecideActionApprovalRequest(_message.Message):
    __slots__ = ["token"]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class DecideActionApprovalResponse(_message.Message):
    __slots__ = ["decision", "flow_id", "script"]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    decision: str
    flow_id: str
    script: str
    def __init__(self, flow_id: _Optional[str] = ..., script: _Optional[str] = ..., decision: _Optional[str] = ...) -> None: ...

class DeleteActionChainRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteActionChainResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteProviderRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class DeleteProviderResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FlowContext(_message.Message):
    __slots__ = ["access_request_id", "approval_flow_id", "inputs", "operation", "recipient", "relationship", "requester"]
    ACCESS_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    access_request_id: str
    approval_flow_id: str
    inputs: _struct_pb2.Struct
    operation: str
    recipient: Identity
    relationship: Relationship
    requester: Identity
    def __init__(self, operation: _Optional[str] = ..., recipient: _Optional[_Union[Identity, _Mapping]] = ..., requester: _Optional[_Union[Identity, _Mapping]] = ..., relationship: _Optional[_Union[Relationship, _Mapping]] = ..., approval_flow_id: _Optional[str] = ..., access_request_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ["account_id", "provider_key"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    provider_key: str
    def __init__(self, provider_key: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class GetActionChainRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetActionChainResponse(_message.Message):
    __slots__ = ["chain"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: ActionChain
    def __init__(self, chain: _Optional[_Union[ActionChain, _Mapping]] = ...) -> None: ...

class GetActionFlowRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetActionFlowResponse(_message.Message):
    __slots__ = ["flow"]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ...) -> None: ...

class GetProviderRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetProviderResponse(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class Identity(_message.Message):
    __slots__ = ["attributes", "email", "id", "name"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    email: str
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
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

class ListAccountsResponse(_message.Message):
    __slots__ = ["accounts"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ...) -> None: ...

class ListActionChainsRequest(_message.Message):
    __slots__ = ["count", "limit", "offset"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    count: bool
    limit: int
    offset: int
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ...) -> None: ...

class ListActionChainsResponse(_message.Message):
    __slots__ = ["chains"]
    CHAINS_FIELD_NUMBER: _ClassVar[int]
    chains: _containers.RepeatedCompositeFieldContainer[ActionChain]
    def __init__(self, chains: _Optional[_Iterable[_Union[ActionChain, _Mapping]]] = ...) -> None: ...

class ListActionFlowsRequest(_message.Message):
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

class ListActionFlowsResponse(_message.Message):
    __slots__ = ["flows"]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[ActionFlow]
    def __init__(self, flows: _Optional[_Iterable[_Union[ActionFlow, _Mapping]]] = ...) -> None: ...

class ListProvidersRequest(_message.Message):
    __slots__ = ["count", "limit", "offset"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    count: bool
    limit: int
    offset: int
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ...) -> None: ...

class ListProvidersResponse(_message.Message):
    __slots__ = ["providers"]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    def __init__(self, providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ...) -> None: ...

class Provider(_message.Message):
    __slots__ = ["created", "credential_names", "credentials", "endpoint", "key", "kind", "modified", "name", "operations", "settings", "source_id", "source_name"]
    class CredentialsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_NAMES_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    credential_names: _containers.RepeatedScalarFieldContainer[str]
    credentials: _containers.ScalarMap[str, str]
    endpoint: str
    key: str
    kind: str
    modified: _timestamp_pb2.Timestamp
    name: str
    operations: _containers.RepeatedScalarFieldContainer[str]
    settings: _struct_pb2.Struct
    source_id: str
    source_name: str
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., endpoint: _Optional[str] = ..., source_id: _Optional[str] = ..., source_name: _Optional[str] = ..., settings: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., credentials: _Optional[_Mapping[str, str]] = ..., credential_names: _Optional[_Iterable[str]] = ..., operations: _Optional[_Iterable[str]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ["id", "name", "source_id", "target_id", "target_kind", "target_name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    source_id: str
    target_id: str
    target_kind: str
    target_name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., source_id: _Optional[str] = ..., target_kind: _Optional[str] = ..., target_id: _Optional[str] = ..., target_name: _Optional[str] = ...) -> None: ...

class RetryActionFlowRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RetryActionFlowResponse(_message.Message):
    __slots__ = ["flow"]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ...) -> None: ...

class StartActionFlowRequest(_message.Message):
    __slots__ = ["chain_id", "context", "idempotency_key"]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    context: FlowContext
    idempotency_key: str
    def __init__(self, chain_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., context: _Optional[_Union[FlowContext, _Mapping]] = ...) -> None: ...

class StartActionFlowResponse(_message.Message):
    __slots__ = ["created", "flow"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    created: bool
    flow: ActionFlow
    def __init__(self, flow: _Optional[_Union[ActionFlow, _Mapping]] = ..., created: bool = ...) -> None: ...

class UpdateActionChainRequest(_message.Message):
    __slots__ = ["chain", "id"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    chain: ActionChain
    id: str
    def __init__(self, id: _Optional[str] = ..., chain: _Optional[_Union[ActionChain, _Mapping]] = ...) -> None: ...

class UpdateActionChainResponse(_message.Message):
    __slots__ = ["chain"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: ActionChain
    def __init__(self, chain: _Optional[_Union[ActionChain, _Mapping]] = ...) -> None: ...

class UpdateProviderRequest(_message.Message):
    __slots__ = ["key", "provider"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    key: str
    provider: Provider
    def __init__(self, key: _Optional[str] = ..., provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class UpdateProviderResponse(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...
