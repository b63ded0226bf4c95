// Every generated module loads with the installed runtime, and every Accessflow service in
// proto/ has a client: services added later are checked without touching this test.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { it } from "node:test";

import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";

const gen = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "gen");

it("loads every generated file and makes a client of every service", async () => {
  const files = (await readdir(gen, { recursive: true })).filter((f) => f.endsWith("_pb.js"));
  assert.ok(files.length > 0, `nothing generated in ${gen}: run make generate`);
  const transport = createGrpcTransport({ baseUrl: "http://127.0.0.1:1" });
  let services = 0;
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(gen, f)).href)) as Record<string, { kind?: string }>;
    const file = Object.entries(mod).find(([name]) => name.startsWith("file_"));
    assert.equal(file?.[1].kind, "file", `${relative(gen, f)} exports its file descriptor`);
    for (const v of Object.values(mod)) {
      if (v.kind === "service") {
        createClient(v as DescService, transport);
        services++;
      }
    }
  }
  assert.ok(services >= 10, `${services} services`);
});
