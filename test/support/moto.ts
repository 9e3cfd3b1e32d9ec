/**
 * Starts a moto server (the Python package, from the repo's .venv) on 127.0.0.1 on a free port
 * for integration tests. Fails loudly when moto is not installed: run `make install`.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { EMRClient } from "@aws-sdk/client-emr";
import { epochTimestamps } from "./emulator-timestamps.cjs";

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  /** Wipes all moto state (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const REPO_ROOT = join(__dirname, "..", "..");

/** Environment for AWS SDK clients and child processes talking to this moto server. */
export function motoEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "testing",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
  };
}

/**
 * Sets `vars` on process.env and returns what undoes it, in place (the same object: modules
 * holding process.env keep seeing it): added keys are removed, changed ones get their old value.
 */
export function setProcessEnv(vars: Record<string, string>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, vars);
  return () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  };
}

/**
 * `NODE_OPTIONS` for a child Node process (the submit-job CLI) that talks EMR to moto: preloads
 * the timestamp rewrite (see emulator-timestamps.cjs), keeping any options already given.
 */
export function emulatorNodeOptions(existing = process.env.NODE_OPTIONS): string {
  const preload = `--require ${join(__dirname, "emulator-timestamps-preload.cjs")}`;
  return existing ? `${existing} ${preload}` : preload;
}

/**
 * An in-process EMR client that accepts moto's ISO-8601 timestamps: a deserialize middleware
 * rewrites the response body before the SDK parses it (see emulator-timestamps.cjs).
 */
export function withEmulatorTimestamps<C extends EMRClient>(client: C): C {
  const rewrite =
    (next: (a: unknown) => Promise<{ response: { body?: unknown } }>) => async (args: unknown) => {
      const out = await next(args);
      const res = out.response as { body?: unknown };
      const body = res.body as AsyncIterable<Uint8Array> | undefined;
      if (!body || typeof body[Symbol.asyncIterator] !== "function") return out;
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(Buffer.from(c));
      res.body = Buffer.from(epochTimestamps(Buffer.concat(chunks).toString("utf8")), "utf8");
      return out;
    };
  client.middlewareStack.add(rewrite as never, {
    step: "deserialize",
    priority: "low",
    name: "emulatorIsoTimestamps",
  });
  return client;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<MotoServer> {
  const bin = join(REPO_ROOT, ".venv", "bin", "moto_server");
  if (!existsSync(bin)) {
    throw new Error(
      `moto_server not found at ${bin}: run \`make install\` (installs requirements.txt into .venv)`,
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not start on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // SIGTERM lets werkzeug finish; it can wait on idle keep-alive sockets, so SIGKILL after 5 s.
        const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
