from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccessRequest(_message.Message):
    __slots__ = ["approval_ids", "comment", "created", "end_date", "id", "recipient_id", "relationship_ids", "request_type", "requester_id", "tracking_number"]
    APPROVAL_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    approval_ids: _containers.RepeatedScalarFieldContainer[str]
    comment: str
    created: _timestamp_pb2.Timestamp
    end_date: _timestamp_pb2.Timestamp
    id: str
    recipient_id: str
    relationship_ids: _containers.RepeatedScalarFieldContainer[str]
    request_type: str
    requester_id: str
    tracking_number: str
    def __init__(self, id: _Optional[str] = ..., request_type: _Optional[str] = ..., requester_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., relationship_ids: _Optional[_Iterable[str]] = ..., comment: _Optional[str] = ..., end_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tracking_number: _Optional[str] = ..., approval_ids: _Optional[_Iterable[str]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ["access_request_id", "action_flow_ids", "approval_criteria", "approved_by", "approvers", "assignments", "chain_id", "comments", "completed_date", "created_date", "due_date", "epoch", "escalation_step", "grant", "history", "id", "in_review", "is_escalated", "is_revoke", "level", "modified_date", "name", "operation", "rejected_by", "relationship_id", "reminders_sent", "requestee", "requester", "serial_step", "status", "tracking_number", "type"]
    class ActionFlowIdsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCESS_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FLOW_IDS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_STEP_FIELD_NUMBER: _ClassVar[int]
    GRANT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IN_REVIEW_FIELD_NUMBER: _ClassVar[int]
    IS_ESCALATED_FIELD_NUMBER: _ClassVar[int]
    IS_REVOKE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BY_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    REMINDERS_SENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTEE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    SERIAL_STEP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    access_request_id: str
    action_flow_ids: _containers.ScalarMap[str, str]
    approval_criteria: ApprovalCriteria
    approved_by: _containers.RepeatedCompositeFieldContainer[ApprovalIdentity]
    approvers: _containers.RepeatedCompositeFieldContainer[ApprovalIdentity]
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    chain_id: str
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    completed_date: _timestamp_pb2.Timestamp
    created_date: _timestamp_pb2.Timestamp
    due_date: _timestamp_pb2.Timestamp
    epoch: int
    escalation_step: int
    grant: Grant
    history: _containers.RepeatedCompositeFieldContainer[Decision]
    id: str
    in_review: bool
    is_escalated: bool
    is_revoke: bool
    level: int
    modified_date: _timestamp_pb2.Timestamp
    name: str
    operation: str
    rejected_by: _containers.RepeatedCompositeFieldContainer[ApprovalIdentity]
    relationship_id: str
    reminders_sent: int
    requestee: ApprovalIdentity
    requester: ApprovalIdentity
    serial_step: int
    status: str
    tracking_number: str
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., operation: _Optional[str] = ..., is_revoke: bool = ..., status: _Optional[str] = ..., name: _Optional[str] = ..., access_request_id: _Optional[str] = ..., relationship_id: _Optional[str] = ..., chain_id: _Optional[str] = ..., level: _Optional[int] = ..., approvers: _Optional[_Iterable[_Union[ApprovalIdentity, _Mapping]]] = ..., assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., serial_step: _Optional[int] = ..., escalation_step: _Optional[int] = ..., is_escalated: bool = ..., requester: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., requestee: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ..., approved_by: _Optional[_Iterable[_Union[ApprovalIdentity, _Mapping]]] = ..., rejected_by: _Optional[_Iterable[_Union[ApprovalIdentity, _Mapping]]] = ..., approval_criteria: _Optional[_Union[ApprovalCriteria, _Mapping]] = ..., created_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., completed_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., grant: _Optional[_Union[Grant, _Mapping]] = ..., history: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., epoch: _Optional[int] = ..., tracking_number: _Optional[str] = ..., in_review: bool = ..., reminders_sent: _Optional[int] = ..., action_flow_ids: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ApprovalChain(_message.Message):
    __slots__ = ["created", "group_id", "id", "levels", "modified", "name", "priority", "relationship_id"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    group_id: str
    id: str
    levels: _containers.RepeatedCompositeFieldContainer[ApprovalLevel]
    modified: _timestamp_pb2.Timestamp
    name: str
    priority: int
    relationship_id: str
    def __init__(self, id: _Optional[str] = ..., relationship_id: _Optional[str] = ..., name: _Optional[str] = ..., group_id: _Optional[str] = ..., priority: _Optional[int] = ..., levels: _Optional[_Iterable[_Union[ApprovalLevel, _Mapping]]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApprovalCriteria(_message.Message):
    __slots__ = ["approval", "rejection", "type"]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    approval: Threshold
    rejection: Threshold
    type: str
    def __init__(self, type: _Optional[str] = ..., approval: _Optional[_Union[Threshold, _Mapping]] = ..., rejection: _Optional[_Union[Threshold, _Mapping]] = ...) -> None: ...

class ApprovalIdentity(_message.Message):
    __slots__ = ["email", "identity_id", "name", "type"]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    email: str
    identity_id: str
    name: str
    type: str
    def __init__(self, identity_id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class ApprovalLevel(_message.Message):
    __slots__ = ["approval_criteria", "approvers", "audit_after", "escalation_config", "expires_after", "name", "reminder_config", "requires_comment", "timeout_config"]
    APPROVAL_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_AFTER_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_CONFIG_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REMINDER_CONFIG_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_COMMENT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    approval_criteria: ApprovalCriteria
    approvers: _containers.RepeatedCompositeFieldContainer[Approver]
    audit_after: _duration_pb2.Duration
    escalation_config: EscalationConfig
    expires_after: _duration_pb2.Duration
    name: str
    reminder_config: ReminderConfig
    requires_comment: str
    timeout_config: TimeoutConfig
    def __init__(self, name: _Optional[str] = ..., approvers: _Optional[_Iterable[_Union[Approver, _Mapping]]] = ..., approval_criteria: _Optional[_Union[ApprovalCriteria, _Mapping]] = ..., requires_comment: _Optional[str] = ..., reminder_config: _Optional[_Union[ReminderConfig, _Mapping]] = ..., escalation_config: _Optional[_Union[EscalationConfig, _Mapping]] = ..., timeout_config: _Optional[_Union[TimeoutConfig, _Mapping]] = ..., expires_after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., audit_after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Approver(_message.Message):
    __slots__ = ["id", "type"]
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ["approver", "reason", "status"]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    approver: ApprovalIdentity
    reason: str
    status: str
    def __init__(self, approver: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ["author", "comment", "comment_id", "created_date"]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    author: ApprovalIdentity
    comment: str
    comment_id: str
    created_date: _timestamp_pb2.Timestamp
    def __init__(self, comment_id: _Optional[str] = ..., author: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., comment: _Optional[str] = ..., created_date: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ["action", "actor", "caller_subject", "comment", "created", "id", "level", "reassigned_to"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CALLER_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASSIGNED_TO_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor: ApprovalIdentity
    caller_subject: str
    comment: str
    created: _timestamp_pb2.Timestamp
    id: str
    level: int
    reassigned_to: ApprovalIdentity
    def __init__(self, id: _Optional[str] = ..., action: _Optional[str] = ..., level: _Optional[int] = ..., actor: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., caller_subject: _Optional[str] = ..., comment: _Optional[str] = ..., reassigned_to: _Optional[_Union[ApprovalIdentity, _Mapping]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EscalationConfig(_message.Message):
    __slots__ = ["after", "enabled", "fallback_chain_id"]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    after: _duration_pb2.Duration
    enabled: bool
    fallback_chain_id: str
    def __init__(self, enabled: bool = ..., after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., fallback_chain_id: _Optional[str] = ...) -> None: ...

class Grant(_message.Message):
    __slots__ = ["audit_after", "end_reason", "ended", "expires_at", "granted", "review_at", "review_level", "status"]
    AUDIT_AFTER_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    REVIEW_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    audit_after: _duration_pb2.Duration
    end_reason: str
    ended: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    granted: _timestamp_pb2.Timestamp
    review_at: _timestamp_pb2.Timestamp
    review_level: int
    status: str
    def __init__(self, status: _Optional[str] = ..., granted: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., review_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., audit_after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., review_level: _Optional[int] = ..., ended: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_reason: _Optional[str] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ["created", "description", "id", "member_ids", "modified", "name"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    description: str
    id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    modified: _timestamp_pb2.Timestamp
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Identity(_message.Message):
    __slots__ = ["attributes", "created", "email", "id", "manager_id", "modified", "name", "subject"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    attributes: _struct_pb2.Struct
    created: _timestamp_pb2.Timestamp
    email: str
    id: str
    manager_id: str
    modified: _timestamp_pb2.Timestamp
    name: str
    subject: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., manager_id: _Optional[str] = ..., subject: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ["created", "deprovisioning_chain_id", "description", "id", "modified", "name", "owner_ids", "pre_approval", "provisioning_chain_id", "request_comment_required", "requestable", "revocable", "source_id", "source_owner_id", "target_id", "target_kind", "target_name"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DEPROVISIONING_CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_IDS_FIELD_NUMBER: _ClassVar[int]
    PRE_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    PROVISIONING_CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTABLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COMMENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REVOCABLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    deprovisioning_chain_id: str
    description: str
    id: str
    modified: _timestamp_pb2.Timestamp
    name: str
    owner_ids: _containers.RepeatedScalarFieldContainer[str]
    pre_approval: bool
    provisioning_chain_id: str
    request_comment_required: bool
    requestable: bool
    revocable: bool
    source_id: str
    source_owner_id: str
    target_id: str
    target_kind: str
    target_name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., source_id: _Optional[str] = ..., target_kind: _Optional[str] = ..., target_id: _Optional[str] = ..., target_name: _Optional[str] = ..., owner_ids: _Optional[_Iterable[str]] = ..., source_owner_id: _Optional[str] = ..., provisioning_chain_id: _Optional[str] = ..., deprovisioning_chain_id: _Optional[str] = ..., requestable: bool = ..., revocable: bool = ..., request_comment_required: bool = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., modified: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., pre_approval: bool = ...) -> None: ...

class ReminderConfig(_message.Message):
    __slots__ = ["enabled", "interval", "max_reminders"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    MAX_REMINDERS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    interval: _duration_pb2.Duration
    max_reminders: int
    def __init__(self, enabled: bool = ..., interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., max_reminders: _Optional[int] = ...) -> None: ...

class Threshold(_message.Message):
    __slots__ = ["calculation_type", "value"]
    CALCULATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    calculation_type: str
    value: int
    def __init__(self, calculation_type: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...

class TimeoutConfig(_message.Message):
    __slots__ = ["after", "enabled", "timeout_result"]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_RESULT_FIELD_NUMBER: _ClassVar[int]
    after: _duration_pb2.Duration
    enabled: bool
    timeout_result: str
    def __init__(self, enabled: bool = ..., after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., timeout_result: _Optional[str] = ...) -> None: ...
