"""The Python client against a live suite: OAuth2 token, then over gRPC with bearer credentials a
source, the seed provisioning policy, an evaluation, a filtered trigger subscription, the seed
Identity Attributes Changed event and its delivery history.

Run by `make test-clients` with Debian's /usr/bin/python3 -m unittest; docs/clients.md quotes it.
The steps share state and run in order (unittest sorts test methods by name: test_01, test_02...).
"""

import re
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "gen"))

try:
    import grpc
    from google.protobuf import json_format, struct_pb2
except ImportError as err:  # fail, never skip: CI installs them
    raise ImportError(f"{err}: run with Debian's /usr/bin/python3 (apt-get install python3-grpcio python3-protobuf)") from err

from accessflow.policy.v1 import (  # noqa: E402 - after the path set-up
    provisioning_policy_pb2,
    provisioning_policy_service_pb2,
    source_pb2,
    source_service_pb2,
)
from accessflow.trigger.v1 import event_service_pb2, subscription_pb2, subscription_service_pb2  # noqa: E402
from accessflow.type.v1 import reference_pb2  # noqa: E402
from accessflow_client import TRACKING_NUMBER_HEADER, Clients, fetch_token, tracking_number  # noqa: E402
from livesuite import Subscriber, poll, start_suite  # noqa: E402

# The seed's PUT example (Update Provisioning Policy by UsageType), verbatim.
SEED_POLICY = {
    "name": "example provisioning policy for inactive identities",
    "description": "this provisioning policy creates access based on an identity going inactive",
    "usageType": "CREATE",
    "fields": [
        {
            "name": "userName",
            "transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
            "attributes": {
                "template": "${firstname}.${lastname}${uniqueCounter}",
                "cloudMaxUniqueChecks": "50",
                "cloudMaxSize": "20",
                "cloudRequired": "true",
            },
            "type": "string",
            "isMultiValued": False,
        }
    ],
}

# The seed's Identity Attributes Changed example event.
IDENTITY_ATTRIBUTES_CHANGED = {
    "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
    "changes": [
        {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
        {
            "attribute": "manager",
            "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
            "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"},
        },
        {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"},
    ],
}

TRIGGER = "idn:identity-attributes-changed"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def struct(d: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


class LiveSuiteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = start_suite()
        cls.addClassCleanup(cls.suite.stop)
        cls.subscriber = Subscriber()
        cls.addClassCleanup(cls.subscriber.close)
        # The OAuth2 way: the client credentials grant with the admin client's id and secret.
        admin = cls.suite.admin
        cls.token = fetch_token(admin["token_url"], admin["client_id"], admin["client_secret"])
        cls.af = Clients(cls.suite.endpoints, cls.token.access_token)
        cls.addClassCleanup(cls.af.close)
        cls.state = {}

    def test_01_token(self):
        self.assertEqual(len(self.token.access_token.split(".")), 3, "a JWT")
        self.assertGreater(self.token.expires_in, 0)
        for scope in ("idn:sources:manage", "idn:provisioning-policy:manage", "af:events:publish"):
            self.assertIn(scope, self.token.scope.split(" "))

    def test_02_unauthenticated_and_missing_scope(self):
        with Clients(self.suite.endpoints) as anonymous, self.assertRaises(grpc.RpcError) as caught:
            anonymous.sources.ListSources(source_service_pb2.ListSourcesRequest())
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertRegex(tracking_number(caught.exception), HEX32, "errors carry a trackingNumber too")

        admin = self.suite.admin
        read_only = fetch_token(admin["token_url"], admin["client_id"], admin["client_secret"], "idn:sources:read")
        self.assertEqual(read_only.scope, "idn:sources:read")
        with Clients(self.suite.endpoints, read_only.access_token) as reader:
            reader.sources.ListSources(source_service_pb2.ListSourcesRequest())
            with self.assertRaises(grpc.RpcError) as caught:
                reader.sources.CreateSource(
                    source_service_pb2.CreateSourceRequest(
                        source=source_pb2.Source(name="nope", connector="openldap", owner=reference_pb2.Reference(id="x"))
                    )
                )
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

    def test_03_create_source(self):
        resp, call = self.af.sources.CreateSource.with_call(
            source_service_pb2.CreateSourceRequest(
                source=source_pb2.Source(
                    name="Corp LDAP",
                    connector="openldap",
                    owner=reference_pb2.Reference(type="IDENTITY", id="2c91808568c529c60168cca6f90c1313", name="William Wilson"),
                    features=["PROVISIONING"],
                )
            )
        )
        self.assertRegex(resp.source.id, HEX32)
        self.assertEqual(resp.source.name, "Corp LDAP")
        self.assertEqual(resp.source.owner.name, "William Wilson")
        self.assertEqual(list(resp.source.features), ["PROVISIONING"])
        self.assertRegex(tracking_number(call), HEX32)
        self.state["source_id"] = resp.source.id

        got = self.af.sources.GetSource(source_service_pb2.GetSourceRequest(id=resp.source.id))
        self.assertEqual(got.source.name, "Corp LDAP")

    def test_04_put_seed_policy(self):
        source_id = self.state["source_id"]
        first = self.af.policies.CreateProvisioningPolicy(
            provisioning_policy_service_pb2.CreateProvisioningPolicyRequest(
                source_id=source_id,
                policy=provisioning_policy_pb2.ProvisioningPolicy(
                    name="Account",
                    usage_type="CREATE",
                    fields=[
                        provisioning_policy_pb2.FieldDetails(
                            name="displayName",
                            transform=struct({"type": "identityAttribute", "attributes": {"name": "displayName"}}),
                        )
                    ],
                ),
            )
        )
        self.assertEqual(first.policy.fields[0].name, "displayName")

        # The seed's JSON body parses straight into the generated message (proto JSON names).
        seed = json_format.ParseDict(SEED_POLICY, provisioning_policy_pb2.ProvisioningPolicy())
        resp = self.af.policies.ReplaceProvisioningPolicy(
            provisioning_policy_service_pb2.ReplaceProvisioningPolicyRequest(source_id=source_id, usage_type="CREATE", policy=seed)
        )
        want = {**SEED_POLICY, "fields": [{**SEED_POLICY["fields"][0], "isRequired": False}]}  # filled in
        self.assertEqual(json_format.MessageToDict(resp.policy, including_default_value_fields=True), want)

    def test_05_evaluate_under_callers_tracking_number(self):
        mine = "0af7651916cd43dd8448eb211c80319c"
        resp, call = self.af.policies.EvaluateProvisioningPolicy.with_call(
            provisioning_policy_service_pb2.EvaluateProvisioningPolicyRequest(
                source_id=self.state["source_id"],
                usage_type="CREATE",
                identity=provisioning_policy_pb2.EvaluationIdentity(
                    id="2c9180835d191a86015d28455b4a2329",
                    name="John Smith",
                    attributes=struct({"firstname": "John", "lastname": "Smith"}),
                ),
            ),
            metadata=[(TRACKING_NUMBER_HEADER, mine)],
        )
        self.assertEqual(tracking_number(call), mine)
        self.assertEqual(json_format.MessageToDict(resp.attributes), {"userName": "John.Smith"})
        self.assertEqual(len(resp.reservations), 1)
        reservation = resp.reservations[0]
        self.assertEqual(reservation.attribute, "userName")
        self.assertEqual(reservation.value, "John.Smith")
        self.assertEqual(reservation.tracking_number, mine, "the reservation records who asked")
        self.assertEqual(reservation.identity_id, "2c9180835d191a86015d28455b4a2329")

    def test_06_malformed_tracking_number(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.af.sources.GetSource(
                source_service_pb2.GetSourceRequest(id=self.state["source_id"]), metadata=[(TRACKING_NUMBER_HEADER, "not-hex")]
            )
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_07_create_filtered_subscription(self):
        resp = self.af.subscriptions.CreateSubscription(
            subscription_service_pb2.CreateSubscriptionRequest(
                subscription=subscription_pb2.Subscription(
                    name="department changes",
                    trigger_id=TRIGGER,
                    type="HTTP",
                    http_config=subscription_pb2.HttpConfig(url=self.subscriber.url),
                    filter="$.changes[?(@.attribute == 'department')]",
                )
            )
        )
        sub = resp.subscription
        self.assertRegex(sub.id, HEX32)
        self.assertEqual(sub.trigger_id, TRIGGER)
        self.assertEqual(sub.trigger_name, "Identity Attributes Changed")
        self.assertEqual(sub.filter, "$.changes[?(@.attribute == 'department')]")
        self.assertTrue(sub.signing_secret.startswith("whsec_"))
        self.state["subscription_id"] = sub.id

    def test_08_publish_seed_event(self):
        resp, call = self.af.events.PublishEvent.with_call(
            event_service_pb2.PublishEventRequest(
                trigger_id=TRIGGER, event=struct(IDENTITY_ATTRIBUTES_CHANGED), idempotency_key="py-seed-1"
            )
        )
        self.assertRegex(resp.id, HEX32)
        self.assertRegex(resp.tracking_number, HEX32)
        self.assertEqual(tracking_number(call), resp.tracking_number)
        self.state["event"] = resp

        received = self.subscriber.received
        got = poll("the delivery", 30, lambda: received[0] if received else None)
        self.assertEqual(got.body, IDENTITY_ATTRIBUTES_CHANGED)
        self.assertEqual(got.headers[TRACKING_NUMBER_HEADER], resp.tracking_number)
        self.assertIn("webhook-signature", got.headers, "signed (Standard Webhooks)")

    def test_09_filter_skips_other_events(self):
        email_only = {
            "identity": IDENTITY_ATTRIBUTES_CHANGED["identity"],
            "changes": [{"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}],
        }
        resp = self.af.events.PublishEvent(event_service_pb2.PublishEventRequest(trigger_id=TRIGGER, event=struct(email_only)))
        # Deliveries are stored with the event, before PublishEvent returns.
        listed = self.af.events.ListDeliveries(event_service_pb2.ListDeliveriesRequest(filters=f'eventId eq "{resp.id}"'))
        self.assertEqual(list(listed.deliveries), [])

    def test_10_delivery_history(self):
        event = self.state["event"]

        def succeeded():
            listed = self.af.events.ListDeliveries(event_service_pb2.ListDeliveriesRequest(filters=f'eventId eq "{event.id}"'))
            return next((d for d in listed.deliveries if d.status == "SUCCEEDED"), None)

        delivery = poll("a SUCCEEDED delivery", 30, succeeded)
        self.assertEqual(delivery.subscription_id, self.state["subscription_id"])
        self.assertEqual(delivery.trigger_id, TRIGGER)
        self.assertEqual(delivery.tracking_number, event.tracking_number)
        self.assertEqual(delivery.kind, "REAL_TIME")
        self.assertEqual(len(delivery.attempts), 1)
        self.assertEqual(delivery.attempts[0].status_code, 200)
        self.assertEqual(self.subscriber.received[0].headers["webhook-id"], delivery.id, "the delivery ID is the webhook-id")

        by_tracking = self.af.events.ListDeliveries(
            event_service_pb2.ListDeliveriesRequest(filters=f'trackingNumber eq "{event.tracking_number}"')
        )
        self.assertEqual([d.id for d in by_tracking.deliveries], [delivery.id])


if __name__ == "__main__":
    unittest.main()
