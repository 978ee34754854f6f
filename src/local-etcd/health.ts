// etcd's /health endpoint on the client port: {"health":"true"} once the member
// has a leader and serves requests. Used to know when to say "ready" and to tell an
// etcd apart from any other process holding the port.
import { type ClientRequest, get as httpGet, type IncomingMessage, type RequestOptions } from "node:http";
import { bareHost } from "./etcd-args.ts";

/** Pure: whether a /health response body says healthy. */
export function isHealthyBody(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { health?: unknown };
    return parsed.health === "true" || parsed.health === true;
  } catch {
    return false;
  }
}

/** True when an etcd answers healthy at host:port within `timeoutMs`; never rejects. */
export function etcdIsHealthy(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return askHealth(httpGet, { host: bareHost(host), port, path: "/health", timeout: timeoutMs });
}

/**
 * GET /health with `get` (node:http's, or node:https's for a TLS etcd) and read the
 * answer; every failure is "not healthy", never a rejection.
 */
export function askHealth<O extends RequestOptions>(
  get: (options: O, callback: (res: IncomingMessage) => void) => ClientRequest,
  options: O,
): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(res.statusCode === 200 && isHealthyBody(body)));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
  });
}
