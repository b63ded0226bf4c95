// Starts the all-in-one binary (ACCESSFLOW_BIN, built by `make test-clients`) on free loopback
// ports with a temporary data dir, the way an operator runs `accessflow serve`.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { Endpoints } from "../src/accessflow.js";

/** The admin client's credentials, as the first start writes them to the data dir. */
export interface AdminCredentials {
  client_id: string;
  client_secret: string;
  token_url: string;
}

export interface Suite {
  endpoints: Endpoints;
  gatewayURL: string;
  admin: AdminCredentials;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  await once(srv, "close");
  if (addr === null || typeof addr === "string") {
    throw new Error("no TCP address");
  }
  return addr.port;
}

/** poll calls fn until it returns a value other than undefined, or fails after timeoutMs. */
export async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms (last error: ${String(last)})`);
    }
    await sleep(50);
  }
}

export async function startSuite(): Promise<Suite> {
  const bin = process.env.ACCESSFLOW_BIN;
  if (!bin) {
    throw new Error("ACCESSFLOW_BIN must name the accessflow binary (make test-clients builds it)");
  }
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) {
    ports.push(await freePort());
  }
  const addr = (i: number) => `127.0.0.1:${ports[i]}`;
  const dataDir = await mkdtemp(join(tmpdir(), "accessflow-ts-"));
  const args = [
    "serve",
    "--data-dir", dataDir,
    "--gateway-addr", addr(0),
    "--admin-addr", addr(1),
    "--policy-addr", addr(2),
    "--trigger-ingest-addr", addr(3),
    "--approval-addr", addr(4),
    "--action-execution-addr", addr(5),
    // Lets the test's loopback subscriber receive deliveries.
    "--outbound-allow-cidrs", "127.0.0.0/8",
    "--log-level", "warn",
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  child.stdout?.on("data", (b: Buffer) => (logs += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (logs += b.toString()));
  const exited = once(child, "exit");

  const gatewayURL = `http://${addr(0)}`;
  try {
    await poll("readyz", 60_000, async () => {
      if (child.exitCode !== null) {
        throw new Error(`accessflow exited with ${child.exitCode}`);
      }
      const res = await fetch(`${gatewayURL}/readyz`);
      return res.ok ? true : undefined;
    });
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${String(err)}\n${logs}`);
  }
  const admin = JSON.parse(await readFile(join(dataDir, "admin-client.json"), "utf8")) as AdminCredentials;

  return {
    endpoints: { policy: addr(2), triggerIngest: addr(3) },
    gatewayURL,
    admin,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
