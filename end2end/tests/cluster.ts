// Two Sesame processes on one PostgreSQL database behind a round-robin load balancer, as an
// operator who outgrows one machine runs them (docs/operations.md). The processes are
// started (and killed) by the test itself; the balancer is a small node HTTP proxy that
// alternates between the processes for each method and path (so that repeated posts of one
// form alternate too, and different steps of a flow start at different processes), skips
// one that refuses connections, appends
// X-Forwarded-For like a real balancer, and counts what each process served.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { POSTGRES } from "../playwright.config";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Cluster {
  /** The balancer's URL: the public URL (issuer) of both processes. */
  url: string;
  /** Requests each process served, by name ("a", "b"). */
  served: Record<string, number>;
  /** Paths of the requests each process served, in order. */
  paths: Record<string, string[]>;
  /** Kills one process with SIGKILL (no shutdown, requests in flight are cut). */
  kill(name: "a" | "b"): Promise<void>;
  stop(): Promise<void>;
}

function psql(sql: string) {
  execFileSync("psql", [POSTGRES!, "-qtAc", sql], { stdio: "pipe" });
}

function configText(name: string, port: number, publicUrl: string, database: string) {
  return `
[server]
listen = "127.0.0.1:${port}"
public_url = "${publicUrl}"
site_root = "target/site"
data_dir = "target/e2e-cluster-${name}"

[database]
url = "${database}"

[demo]
enabled = false

# Behind the balancer every connection comes from it; it appends the client's address.
[lockout]
trust_forwarded_for = true
identifier_max_failures = 3

[experience]
sign_up_identifiers = ["username"]

[[experience.sign_in]]
identifier = "username"
methods = ["password"]

[[clients]]
id = "e2e-cluster"
secret = "e2e-cluster-secret"
name = "Cluster App"
redirect_uris = ["http://127.0.0.1/cb"]
`;
}

async function waitForHealth(url: string, child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`sesame at ${url} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sesame at ${url} did not start`);
}

/**
 * Starts the pair on a new database; `slot` (the worker's parallel index) keeps the ports and
 * the database of tests running at the same time apart.
 */
export async function startCluster(slot: number): Promise<Cluster> {
  if (!POSTGRES) throw new Error("the cluster tests need SESAME_E2E_POSTGRES");
  const base = 3130 + slot * 10;
  const ports = { a: base, b: base + 1 };
  const url = `http://127.0.0.1:${base + 2}`;
  const dbName = `sesame_e2e_cluster_${slot}_${Date.now()}`;
  psql(`CREATE DATABASE ${dbName}`);
  const database = `${POSTGRES.replace(/\/[^/]*$/, "")}/${dbName}`;
  const children: Record<string, ChildProcess> = {};
  const served: Record<string, number> = { a: 0, b: 0 };
  const paths: Record<string, string[]> = { a: [], b: [] };
  const start = (name: "a" | "b") => {
    const file = path.join(ROOT, "target", `e2e-cluster-${slot}-${name}.toml`);
    fs.writeFileSync(file, configText(`${slot}-${name}`, ports[name], url, database));
    const child = spawn(path.join(ROOT, "target/debug/sesame"), ["--config", file], {
      cwd: ROOT,
      env: { ...process.env, SESAME_LOG: "warn" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    children[name] = child;
    return child;
  };
  // Started together on the empty database: both migrate and elect one key maker.
  const a = start("a");
  const b = start("b");
  await Promise.all([waitForHealth(`http://127.0.0.1:${ports.a}`, a), waitForHealth(`http://127.0.0.1:${ports.b}`, b)]);

  const counters = new Map<string, number>();
  const order: Array<"a" | "b"> = ["a", "b"];
  const offset = (key: string) => [...key].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const key = `${req.method} ${req.url?.split("?")[0]}`;
      const count = counters.get(key) ?? 0;
      counters.set(key, count + 1);
      const first = (count + offset(key)) % 2;
      const forward = (attempt: number) => {
        const name = order[(first + attempt) % 2];
        const headers = { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "127.0.0.1" };
        const upstream = http.request(
          { host: "127.0.0.1", port: ports[name], method: req.method, path: req.url, headers },
          (up) => {
            served[name]++;
            paths[name].push(`${req.method} ${req.url?.split("?")[0]}`);
            res.writeHead(up.statusCode ?? 502, { ...up.headers, "x-served-by": name });
            up.pipe(res);
          },
        );
        upstream.on("error", (e: NodeJS.ErrnoException) => {
          // A dead process refuses connections: the balancer tries the other one.
          if (attempt === 0 && e.code === "ECONNREFUSED") {
            forward(1);
          } else if (!res.headersSent) {
            res.writeHead(502);
            res.end(`bad gateway: ${e.message}`);
          }
        });
        upstream.end(body);
      };
      forward(0);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(base + 2, "127.0.0.1", resolve));

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once("exit", () => resolve()));
  return {
    url,
    served,
    paths,
    async kill(name) {
      children[name].kill("SIGKILL");
      await exited(children[name]);
    },
    async stop() {
      proxy.close();
      for (const c of Object.values(children)) {
        c.kill("SIGTERM");
        await exited(c);
      }
      try {
        psql(`DROP DATABASE IF EXISTS ${dbName}`);
      } catch {
        // left for scripts/lib/postgres.sh to drop on the next run
      }
    },
  };
}
