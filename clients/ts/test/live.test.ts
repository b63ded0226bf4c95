// The TypeScript client against a live suite: OAuth2 token, then over gRPC with bearer
// credentials a source, the seed provisioning policy, an evaluation, a filtered trigger
// subscription, the seed Identity Attributes Changed event and its delivery history.
// Run by `make test-clients` (node --test); docs/clients.md quotes it.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, describe, it } from "node:test";

import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

import { bearer, connect, fetchToken, trackingNumberHeader, type Clients, type Token } from "../src/accessflow.js";
import { poll, startSuite, type Suite } from "./suite.js";

// The seed's PUT example (Update Provisioning Policy by UsageType), verbatim.
const seedPolicy = {
  name: "example provisioning policy for inactive identities",
  description: "this provisioning policy creates access based on an identity going inactive",
  usageType: "CREATE",
  fields: [
    {
      name: "userName",
      transform: { type: "rule", attributes: { name: "Create Unique LDAP Attribute" } },
      attributes: {
        template: "${firstname}.${lastname}${uniqueCounter}",
        cloudMaxUniqueChecks: "50",
        cloudMaxSize: "20",
        cloudRequired: "true",
      },
      type: "string",
      isMultiValued: false,
    },
  ],
};

// The seed's Identity Attributes Changed example event.
const identityAttributesChanged: JsonObject = {
  identity: { id: "ee769173319b41d19ccec6cea52f237b", name: "john.doe", type: "IDENTITY" },
  changes: [
    { attribute: "department", oldValue: "sales", newValue: "marketing" },
    {
      attribute: "manager",
      oldValue: { id: "ee769173319b41d19ccec6c235423237b", name: "nice.guy", type: "IDENTITY" },
      newValue: { id: "ee769173319b41d19ccec6c235423236c", name: "mean.guy", type: "IDENTITY" },
    },
    { attribute: "email", oldValue: "john.doe@hotmail.com", newValue: "john.doe@gmail.com" },
  ],
};

const trigger = "idn:identity-attributes-changed";
const hex32 = /^[0-9a-f]{32}$/;

/** A webhook subscriber on loopback that records every request. */
interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe("Accessflow over gRPC from TypeScript", () => {
  let suite: Suite;
  let token: Token;
  let af: Clients;
  let subscriber: Server;
  const received: Received[] = [];
  // State the steps hand on, in order.
  let sourceId = "";
  let subscriptionId = "";
  let event = { id: "", trackingNumber: "" };

  before(async () => {
    suite = await startSuite();
    subscriber = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200).end();
      });
    });
    subscriber.listen(0, "127.0.0.1");
    await once(subscriber, "listening");

    // The OAuth2 way: the client credentials grant with the admin client's id and secret.
    const { client_id, client_secret, token_url } = suite.admin;
    token = await fetchToken(token_url, client_id, client_secret);
    af = connect(suite.endpoints, bearer(token.accessToken));
  });

  after(async () => {
    subscriber?.close();
    await suite?.stop();
  });

  it("gets a token with the client credentials grant", () => {
    assert.ok(token.accessToken.split(".").length === 3, "a JWT");
    assert.ok(token.expiresIn > 0);
    for (const scope of ["idn:sources:manage", "idn:provisioning-policy:manage", "af:events:publish"]) {
      assert.ok(token.scope.split(" ").includes(scope), scope);
    }
  });

  it("refuses a call without a token (UNAUTHENTICATED) and without the scope (PERMISSION_DENIED)", async () => {
    const anonymous = connect(suite.endpoints);
    await assert.rejects(anonymous.sources.listSources({}), (err: unknown) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unauthenticated);
      assert.match(String(err.metadata.get(trackingNumberHeader)), hex32, "errors carry a trackingNumber too");
      return true;
    });

    const { client_id, client_secret, token_url } = suite.admin;
    const readOnly = await fetchToken(token_url, client_id, client_secret, "idn:sources:read");
    assert.equal(readOnly.scope, "idn:sources:read");
    const reader = connect(suite.endpoints, bearer(readOnly.accessToken));
    await reader.sources.listSources({});
    await assert.rejects(
      reader.sources.createSource({ source: { name: "nope", connector: "openldap", owner: { id: "x" } } }),
      (err: unknown) => err instanceof ConnectError && err.code === Code.PermissionDenied,
    );
  });

  it("creates a source, answering with a new trackingNumber", async () => {
    let tracking: string | null = null;
    const { source } = await af.sources.createSource(
      {
        source: {
          name: "Corp LDAP",
          connector: "openldap",
          owner: { type: "IDENTITY", id: "2c91808568c529c60168cca6f90c1313", name: "William Wilson" },
          features: ["PROVISIONING"],
        },
      },
      { onHeader: (h) => (tracking = h.get(trackingNumberHeader)) },
    );
    assert.ok(source);
    assert.match(source.id, hex32);
    assert.equal(source.name, "Corp LDAP");
    assert.equal(source.owner?.name, "William Wilson");
    assert.deepEqual(source.features, ["PROVISIONING"]);
    assert.match(String(tracking), hex32);
    sourceId = source.id;

    const { source: got } = await af.sources.getSource({ id: sourceId });
    assert.equal(got?.name, "Corp LDAP");
  });

  it("creates a provisioning policy and replaces it with the seed (PUT)", async () => {
    const { policy: first } = await af.policies.createProvisioningPolicy({
      sourceId,
      policy: {
        name: "Account",
        usageType: "CREATE",
        fields: [{ name: "displayName", transform: { type: "identityAttribute", attributes: { name: "displayName" } } }],
      },
    });
    assert.equal(first?.fields[0]?.name, "displayName");

    const { policy } = await af.policies.replaceProvisioningPolicy({
      sourceId,
      usageType: "CREATE",
      policy: seedPolicy,
    });
    assert.ok(policy);
    assert.equal(policy.name, seedPolicy.name);
    assert.equal(policy.usageType, "CREATE");
    assert.equal(policy.fields.length, 1);
    assert.deepEqual(policy.fields[0].transform, seedPolicy.fields[0].transform);
    assert.deepEqual(policy.fields[0].attributes, seedPolicy.fields[0].attributes);
  });

  it("evaluates it under the caller's trackingNumber", async () => {
    const mine = "0af7651916cd43dd8448eb211c80319c";
    let echoed: string | null = null;
    const res = await af.policies.evaluateProvisioningPolicy(
      {
        sourceId,
        usageType: "CREATE",
        identity: {
          id: "2c9180835d191a86015d28455b4a2329",
          name: "John Smith",
          attributes: { firstname: "John", lastname: "Smith" },
        },
      },
      { headers: { [trackingNumberHeader]: mine }, onHeader: (h) => (echoed = h.get(trackingNumberHeader)) },
    );
    assert.equal(echoed, mine);
    assert.deepEqual(res.attributes, { userName: "John.Smith" });
    assert.equal(res.reservations.length, 1);
    const [reservation] = res.reservations;
    assert.equal(reservation.attribute, "userName");
    assert.equal(reservation.value, "John.Smith");
    assert.equal(reservation.trackingNumber, mine, "the reservation records who asked");
    assert.equal(reservation.identityId, "2c9180835d191a86015d28455b4a2329");
  });

  it("refuses a malformed trackingNumber (INVALID_ARGUMENT)", async () => {
    await assert.rejects(
      af.sources.getSource({ id: sourceId }, { headers: { [trackingNumberHeader]: "not-hex" } }),
      (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument,
    );
  });

  it("creates a trigger subscription with a filter", async () => {
    const addr = subscriber.address();
    assert.ok(addr !== null && typeof addr !== "string");
    const { subscription } = await af.subscriptions.createSubscription({
      subscription: {
        name: "department changes",
        triggerId: trigger,
        type: "HTTP",
        httpConfig: { url: `http://127.0.0.1:${addr.port}/hooks` },
        filter: "$.changes[?(@.attribute == 'department')]",
      },
    });
    assert.ok(subscription);
    assert.match(subscription.id, hex32);
    assert.equal(subscription.triggerId, trigger);
    assert.equal(subscription.triggerName, "Identity Attributes Changed");
    assert.equal(subscription.filter, "$.changes[?(@.attribute == 'department')]");
    assert.match(String(subscription.signingSecret), /^whsec_/);
    subscriptionId = subscription.id;
  });

  it("publishes the seed Identity Attributes Changed event; the subscriber receives it", async () => {
    let tracking: string | null = null;
    const res = await af.events.publishEvent(
      { triggerId: trigger, event: identityAttributesChanged, idempotencyKey: "ts-seed-1" },
      { onHeader: (h) => (tracking = h.get(trackingNumberHeader)) },
    );
    assert.match(res.id, hex32);
    assert.match(res.trackingNumber, hex32);
    assert.equal(tracking, res.trackingNumber);
    event = { id: res.id, trackingNumber: res.trackingNumber };

    const got = await poll("the delivery", 30_000, async () => (received.length > 0 ? received[0] : undefined));
    assert.deepEqual(got.body, identityAttributesChanged);
    assert.equal(got.headers[trackingNumberHeader], event.trackingNumber);
    assert.ok(got.headers["webhook-signature"], "signed (Standard Webhooks)");
  });

  it("does not deliver an event the filter does not select", async () => {
    const emailOnly: JsonObject = {
      identity: identityAttributesChanged.identity ?? null,
      changes: [{ attribute: "email", oldValue: "john.doe@hotmail.com", newValue: "john.doe@gmail.com" }],
    };
    const res = await af.events.publishEvent({ triggerId: trigger, event: emailOnly });
    // Deliveries are stored with the event, before PublishEvent returns.
    const { deliveries } = await af.events.listDeliveries({ filters: `eventId eq "${res.id}"` });
    assert.deepEqual(deliveries, []);
  });

  it("reads the delivery history", async () => {
    const delivery = await poll("a SUCCEEDED delivery", 30_000, async () => {
      const { deliveries } = await af.events.listDeliveries({ filters: `eventId eq "${event.id}"` });
      return deliveries.find((d) => d.status === "SUCCEEDED");
    });
    assert.equal(delivery.subscriptionId, subscriptionId);
    assert.equal(delivery.triggerId, trigger);
    assert.equal(delivery.trackingNumber, event.trackingNumber);
    assert.equal(delivery.kind, "REAL_TIME");
    assert.equal(delivery.attempts.length, 1);
    assert.equal(delivery.attempts[0].statusCode, 200);
    assert.equal(received[0].headers["webhook-id"], delivery.id, "the delivery ID is the webhook-id");

    const byTracking = await af.events.listDeliveries({ filters: `trackingNumber eq "${event.trackingNumber}"` });
    assert.deepEqual(byTracking.deliveries.map((d) => d.id), [delivery.id]);
  });
});
