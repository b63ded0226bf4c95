"""Accessflow from Python: an OAuth2 access token, bearer credentials on every call, and the
generated gRPC stubs for the services.

The messages and stubs are generated into gen/ by `make generate` (buf with protoc's python and
pyi builtins and grpc_python_plugin); put that directory on sys.path (or PYTHONPATH) before
importing this module. The runtime is Debian's python3-grpcio and python3-protobuf.
"""

from __future__ import annotations

import base64
import collections
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import grpc

from accessflow.policy.v1 import provisioning_policy_service_pb2_grpc, source_service_pb2_grpc
from accessflow.trigger.v1 import event_service_pb2_grpc, subscription_service_pb2_grpc

# The response metadata key every call answers with its trackingNumber; send it to choose one.
TRACKING_NUMBER_HEADER = "x-tracking-number"


@dataclass(frozen=True)
class Token:
    """A token from the client credentials grant."""

    access_token: str
    expires_in: int  # seconds
    scope: str  # the scopes granted, space-separated


def fetch_token(token_url: str, client_id: str, client_secret: str, scope: str | None = None) -> Token:
    """Gets an access token with the OAuth2 client credentials grant (RFC 6749 section 4.4) from
    the gateway's token endpoint, e.g. http://localhost:8080/oauth/token. scope (space-separated)
    narrows the token to fewer scopes than the client has."""
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    req = urllib.request.Request(
        token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"token endpoint answered {err.code}: {err.read().decode()}") from err
    return Token(body["access_token"], int(body["expires_in"]), body["scope"])


class _CallDetails(
    collections.namedtuple("_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
    grpc.ClientCallDetails,
):
    pass


class BearerInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Sends `authorization: Bearer <token>` with every call.

    On a TLS channel, grpc.composite_channel_credentials(grpc.ssl_channel_credentials(),
    grpc.access_token_call_credentials(token)) does the same; gRPC refuses call credentials on a
    plaintext channel, which is why this interceptor exists for loopback."""

    def __init__(self, token: str):
        self._pair = ("authorization", f"Bearer {token}")

    def _details(self, d: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = [*(d.metadata or ()), self._pair]
        return _CallDetails(d.method, d.timeout, metadata, d.credentials, d.wait_for_ready, d.compression)

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)


@dataclass(frozen=True)
class Endpoints:
    """Where each service listens for gRPC (host:port), as given to `accessflow serve`."""

    policy: str  # --policy-addr: sources, provisioning policies
    trigger_ingest: str  # --trigger-ingest-addr: events, subscriptions, deliveries


class Clients:
    """The stubs the examples use over plaintext gRPC; with a token, every call carries it."""

    def __init__(self, endpoints: Endpoints, token: str | None = None):
        interceptors = [BearerInterceptor(token)] if token is not None else []
        self._channels = [grpc.insecure_channel(endpoints.policy), grpc.insecure_channel(endpoints.trigger_ingest)]
        policy, trigger_ingest = (grpc.intercept_channel(c, *interceptors) for c in self._channels)
        self.sources = source_service_pb2_grpc.SourceServiceStub(policy)
        self.policies = provisioning_policy_service_pb2_grpc.ProvisioningPolicyServiceStub(policy)
        self.events = event_service_pb2_grpc.EventServiceStub(trigger_ingest)
        self.subscriptions = subscription_service_pb2_grpc.SubscriptionServiceStub(trigger_ingest)

    def close(self) -> None:
        for c in self._channels:
            c.close()

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def tracking_number(call: grpc.Call) -> str | None:
    """The trackingNumber a call was answered under (its x-tracking-number response metadata)."""
    for key, value in call.initial_metadata() or ():
        if key == TRACKING_NUMBER_HEADER:
            return value
    return None
