// Accessflow from TypeScript: an OAuth2 access token, bearer credentials on every call, and
// typed clients for the services. Messages and service descriptors are generated into ./gen by
// `make generate` (buf with protoc-gen-es); calls go over gRPC with Connect's Node transport.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { ProvisioningPolicyService } from "./gen/accessflow/policy/v1/provisioning_policy_service_pb.js";
import { SourceService } from "./gen/accessflow/policy/v1/source_service_pb.js";
import { EventService } from "./gen/accessflow/trigger/v1/event_service_pb.js";
import { SubscriptionService } from "./gen/accessflow/trigger/v1/subscription_service_pb.js";

/** The response header (gRPC metadata) every call answers with its trackingNumber. */
export const trackingNumberHeader = "x-tracking-number";

/** A token from the client credentials grant. */
export interface Token {
  accessToken: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  /** The scopes granted, space-separated. */
  scope: string;
}

/**
 * fetchToken gets an access token with the OAuth2 client credentials grant (RFC 6749 §4.4) from
 * the gateway's token endpoint, e.g. http://localhost:8080/oauth/token. `scope` (space-separated)
 * narrows the token to fewer scopes than the client has.
 */
export async function fetchToken(
  tokenURL: string,
  clientId: string,
  clientSecret: string,
  scope?: string,
): Promise<Token> {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (scope !== undefined) {
    form.set("scope", scope);
  }
  const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
  const res = await fetch(tokenURL, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return {
    accessToken: String(body.access_token),
    expiresIn: Number(body.expires_in),
    scope: String(body.scope),
  };
}

/** bearer sends `authorization: Bearer <token>` with every call. */
export function bearer(token: string): Interceptor {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** Where each service listens for gRPC: host:port, as given to `accessflow serve`. */
export interface Endpoints {
  /** --policy-addr (sources, provisioning policies). */
  policy: string;
  /** --trigger-ingest-addr (events, subscriptions, deliveries). */
  triggerIngest: string;
}

/** The service clients the examples use; every generated service is in ./gen. */
export interface Clients {
  sources: Client<typeof SourceService>;
  policies: Client<typeof ProvisioningPolicyService>;
  events: Client<typeof EventService>;
  subscriptions: Client<typeof SubscriptionService>;
}

/**
 * connect returns clients over plaintext gRPC (HTTP/2) to each service, with the interceptors
 * (e.g. bearer(token)) on every call. Use https:// base URLs when the services serve TLS.
 */
export function connect(endpoints: Endpoints, ...interceptors: Interceptor[]): Clients {
  const transport = (addr: string): Transport =>
    createGrpcTransport({ baseUrl: `http://${addr}`, interceptors });
  const policy = transport(endpoints.policy);
  const triggerIngest = transport(endpoints.triggerIngest);
  return {
    sources: createClient(SourceService, policy),
    policies: createClient(ProvisioningPolicyService, policy),
    events: createClient(EventService, triggerIngest),
    subscriptions: createClient(SubscriptionService, triggerIngest),
  };
}
