from accessflow.approval.v1 import approval_pb2 as _approval_pb2
from accessflow.type.v1 import auth_pb2 as _auth_pb2
from accessflow.type.v1 import http_pb2 as _http_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApproveApprovalRequest(_message.Message):
    __slots__ = ["approver_id", "comment", "id"]
    APPROVER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    approver_id: str
    comment: str
    id: str
    def __init__(self, id: _Optional[str] = ..., comment: _Optional[str] = ..., approver_id: _Optional[str] = ...) -> None: ...

class ApproveApprovalResponse(_message.Message):
    __slots__ = ["approval"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    approval: _approval_pb2.Approval
    def __init__(self, approval: _Optional[_Union[_approval_pb2.Approval, _Mapping]] = ...) -> None: ...

class BulkApproveApprovalsRequest(_message.Message):
    __slots__ = ["approval_ids", "comment"]
    APPROVAL_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    approval_ids: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    def __init__(self, approval_ids: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ...) -> None: ...

class BulkApproveApprovalsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkResult, _Mapping]]] = ...) -> None: ...

class BulkRejectApprovalsRequest(_message.Message):
    __slots__ = ["approval_ids", "comment"]
    APPROVAL_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    approval_ids: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    def __init__(self, approval_ids: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ...) -> None: ...

class BulkRejectApprovalsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkResult, _Mapping]]] = ...) -> None: ...

class BulkResult(_message.Message):
    __slots__ = ["id", "message", "status"]
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    message: str
    status: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class CancelAccessRequestRequest(_message.Message):
    __slots__ = ["comment", "id", "requester_id"]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    comment: str
    id: str
    requester_id: str
    def __init__(self, id: _Optional[str] = ..., comment: _Optional[str] = ..., requester_id: _Optional[str] = ...) -> None: ...

class CancelAccessRequestResponse(_message.Message):
    __slots__ = ["access_request"]
    ACCESS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    access_request: _approval_pb2.AccessRequest
    def __init__(self, access_request: _Optional[_Union[_approval_pb2.AccessRequest, _Mapping]] = ...) -> None: ...

class CommentApprovalRequest(_message.Message):
    __slots__ = ["comment", "id"]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    comment: str
    id: str
    def __init__(self, id: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class CommentApprovalResponse(_message.Message):
    __slots__ = ["approval"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    approval: _approval_pb2.Approval
    def __init__(self, approval: _Optional[_Union[_approval_pb2.Approval, _Mapping]] = ...) -> None: ...

class CreateAccessRequestRequest(_message.Message):
    __slots__ = ["access_request", "idempotency_key"]
    ACCESS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    access_request: _approval_pb2.AccessRequest
    idempotency_key: str
    def __init__(self, access_request: _Optional[_Union[_approval_pb2.AccessRequest, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateAccessRequestResponse(_message.Message):
    __slots__ = ["access_request"]
    ACCESS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    access_request: _approval_pb2.AccessRequest
    def __init__(self, access_request: _Optional[_Union[_approval_pb2.AccessRequest, _Mapping]] = ...) -> None: ...

class CreateApprovalChainRequest(_message.Message):
    __slots__ = ["approval_chain", "relationship_id"]
    APPROVAL_CHAIN_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    approval_chain: _approval_pb2.ApprovalChain
    relationship_id: str
    def __init__(self, relationship_id: _Optional[str] = ..., approval_chain: _Optional[_Union[_approval_pb2.ApprovalChain, _Mapping]] = ...) -> None: ...

class CreateApprovalChainResponse(_message.Message):
    __slots__ = ["approval_chain"]
    APPROVAL_CHAIN_FIELD_NUMBER: _ClassVar[int]
    approval_chain: _approval_pb2.ApprovalChain
    def __init__(self, approval_chain: _Optional[_Union[_approval_pb2.ApprovalChain, _Mapping]] = ...) -> None: ...

class CreateRelationshipRequest(_message.Message):
    __slots__ = ["relationship"]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: _approval_pb2.Relationship
    def __init__(self, relationship: _Optional[_Union[_approval_pb2.Relationship, _Mapping]] = ...) -> None: ...

class CreateRelationshipResponse(_message.Message):
    __slots__ = ["relationship"]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: _approval_pb2.Relationship
    def __init__(self, relationship: _Optional[_Union[_approval_pb2.Relationship, _Mapping]] = ...) -> None: ...

class DeleteApprovalChainRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteApprovalChainResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteGroupRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteGroupResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteIdentityRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteIdentityResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteRelationshipRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRelationshipResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetAccessRequestRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAccessRequestResponse(_message.Message):
    __slots__ = ["access_request"]
    ACCESS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    access_request: _approval_pb2.AccessRequest
    def __init__(self, access_request: _Optional[_Union[_approval_pb2.AccessRequest, _Mapping]] = ...) -> None: ...

class GetApprovalChainRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetApprovalChainResponse(_message.Message):
    __slots__ = ["approval_chain"]
    APPROVAL_CHAIN_FIELD_NUMBER: _ClassVar[int]
    approval_chain: _approval_pb2.ApprovalChain
    def __init__(self, approval_chain: _Optional[_Union[_approval_pb2.ApprovalChain, _Mapping]] = ...) -> None: ...

class GetApprovalRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetApprovalResponse(_message.Message):
    __slots__ = ["approval"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    approval: _approval_pb2.Approval
    def __init__(self, approval: _Optional[_Union[_approval_pb2.Approval, _Mapping]] = ...) -> None: ...

class GetGroupRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _approval_pb2.Group
    def __init__(self, group: _Optional[_Union[_approval_pb2.Group, _Mapping]] = ...) -> None: ...

class GetIdentityRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetIdentityResponse(_message.Message):
    __slots__ = ["identity"]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    identity: _approval_pb2.Identity
    def __init__(self, identity: _Optional[_Union[_approval_pb2.Identity, _Mapping]] = ...) -> None: ...

class GetRelationshipRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRelationshipResponse(_message.Message):
    __slots__ = ["relationship"]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: _approval_pb2.Relationship
    def __init__(self, relationship: _Optional[_Union[_approval_pb2.Relationship, _Mapping]] = ...) -> None: ...

class ListAccessRequestsRequest(_message.Message):
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

class ListAccessRequestsResponse(_message.Message):
    __slots__ = ["access_requests"]
    ACCESS_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    access_requests: _containers.RepeatedCompositeFieldContainer[_approval_pb2.AccessRequest]
    def __init__(self, access_requests: _Optional[_Iterable[_Union[_approval_pb2.AccessRequest, _Mapping]]] = ...) -> None: ...

class ListApprovalChainsRequest(_message.Message):
    __slots__ = ["count", "filters", "limit", "offset", "relationship_id"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    count: bool
    filters: str
    limit: int
    offset: int
    relationship_id: str
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ..., filters: _Optional[str] = ..., relationship_id: _Optional[str] = ...) -> None: ...

class ListApprovalChainsResponse(_message.Message):
    __slots__ = ["approval_chains"]
    APPROVAL_CHAINS_FIELD_NUMBER: _ClassVar[int]
    approval_chains: _containers.RepeatedCompositeFieldContainer[_approval_pb2.ApprovalChain]
    def __init__(self, approval_chains: _Optional[_Iterable[_Union[_approval_pb2.ApprovalChain, _Mapping]]] = ...) -> None: ...

class ListApprovalsRequest(_message.Message):
    __slots__ = ["approver_id", "count", "filters", "limit", "mine", "offset", "requestee_id", "requester_id"]
    APPROVER_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MINE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    REQUESTEE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    approver_id: str
    count: bool
    filters: str
    limit: int
    mine: bool
    offset: int
    requestee_id: str
    requester_id: str
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: bool = ..., filters: _Optional[str] = ..., mine: bool = ..., approver_id: _Optional[str] = ..., requester_id: _Optional[str] = ..., requestee_id: _Optional[str] = ...) -> None: ...

class ListApprovalsResponse(_message.Message):
    __slots__ = ["approvals"]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    approvals: _containers.RepeatedCompositeFieldContainer[_approval_pb2.Approval]
    def __init__(self, approvals: _Optional[_Iterable[_Union[_approval_pb2.Approval, _Mapping]]] = ...) -> None: ...

class ListGroupsRequest(_message.Message):
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

class ListGroupsResponse(_message.Message):
    __slots__ = ["groups"]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[_approval_pb2.Group]
    def __init__(self, groups: _Optional[_Iterable[_Union[_approval_pb2.Group, _Mapping]]] = ...) -> None: ...

class ListIdentitiesRequest(_message.Message):
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

class ListIdentitiesResponse(_message.Message):
    __slots__ = ["identities"]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    identities: _containers.RepeatedCompositeFieldContainer[_approval_pb2.Identity]
    def __init__(self, identities: _Optional[_Iterable[_Union[_approval_pb2.Identity, _Mapping]]] = ...) -> None: ...

class ListRelationshipsRequest(_message.Message):
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

class ListRelationshipsResponse(_message.Message):
    __slots__ = ["relationships"]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    relationships: _containers.RepeatedCompositeFieldContainer[_approval_pb2.Relationship]
    def __init__(self, relationships: _Optional[_Iterable[_Union[_approval_pb2.Relationship, _Mapping]]] = ...) -> None: ...

class PutGroupRequest(_message.Message):
    __slots__ = ["group", "id"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    group: _approval_pb2.Group
    id: str
    def __init__(self, id: _Optional[str] = ..., group: _Optional[_Union[_approval_pb2.Group, _Mapping]] = ...) -> None: ...

class PutGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _approval_pb2.Group
    def __init__(self, group: _Optional[_Union[_approval_pb2.Group, _Mapping]] = ...) -> None: ...

class PutIdentityRequest(_message.Message):
    __slots__ = ["id", "identity"]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    identity: _approval_pb2.Identity
    def __init__(self, id: _Optional[str] = ..., identity: _Optional[_Union[_approval_pb2.Identity, _Mapping]] = ...) -> None: ...

class PutIdentityResponse(_message.Message):
    __slots__ = ["identity"]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    identity: _approval_pb2.Identity
    def __init__(self, identity: _Optional[_Union[_approval_pb2.Identity, _Mapping]] = ...) -> None: ...

class ReassignApprovalRequest(_message.Message):
    __slots__ = ["comment", "id", "reassign_from", "reassign_to"]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REASSIGN_FROM_FIELD_NUMBER: _ClassVar[int]
    REASSIGN_TO_FIELD_NUMBER: _ClassVar[int]
    comment: str
    id: str
    reassign_from: str
    reassign_to: str
    def __init__(self, id: _Optional[str] = ..., comment: _Optional[str] = ..., reassign_from: _Optional[str] = ..., reassign_to: _Optional[str] = ...) -> None: ...

class ReassignApprovalResponse(_message.Message):
    __slots__ = ["approval"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    approval: _approval_pb2.Approval
    def __init__(self, approval: _Optional[_Union[_approval_pb2.Approval, _Mapping]] = ...) -> None: ...

class RejectApprovalRequest(_message.Message):
    __slots__ = ["approver_id", "comment", "id"]
    APPROVER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    approver_id: str
    comment: str
    id: str
    def __init__(self, id: _Optional[str] = ..., comment: _Optional[str] = ..., approver_id: _Optional[str] = ...) -> None: ...

class RejectApprovalResponse(_message.Message):
    __slots__ = ["approval"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    approval: _approval_pb2.Approval
    def __init__(self, approval: _Optional[_Union[_approval_pb2.Approval, _Mapping]] = ...) -> None: ...

class UpdateApprovalChainRequest(_message.Message):
    __slots__ = ["approval_chain", "id"]
    APPROVAL_CHAIN_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    approval_chain: _approval_pb2.ApprovalChain
    id: str
    def __init__(self, id: _Optional[str] = ..., approval_chain: _Optional[_Union[_approval_pb2.ApprovalChain, _Mapping]] = ...) -> None: ...

class UpdateApprovalChainResponse(_message.Message):
    __slots__ = ["approval_chain"]
    APPROVAL_CHAIN_FIELD_NUMBER: _ClassVar[int]
    approval_chain: _approval_pb2.ApprovalChain
    def __init__(self, approval_chain: _Optional[_Union[_approval_pb2.ApprovalChain, _Mapping]] = ...) -> None: ...

class UpdateRelationshipRequest(_message.Message):
    __slots__ = ["id", "relationship"]
    ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    id: str
    relationship: _approval_pb2.Relationship
    def __init__(self, id: _Optional[str] = ..., relationship: _Optional[_Union[_approval_pb2.Relationship, _Mapping]] = ...) -> None: ...

class UpdateRelationshipResponse(_message.Message):
    __slots__ = ["relationship"]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: _approval_pb2.Relationship
    def __init__(self, relationship: _Optional[_Union[_approval_pb2.Relationship, _Mapping]] = ...) -> None: ...
