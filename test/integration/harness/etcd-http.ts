// etcd's HTTP endpoints (/health and the v3 JSON gateway), used by the harness to check
// members and find the leader. Plain node:http with a fresh connection per call: no gRPC
// channel or keep-alive socket is left behind to keep the test process alive.
import { request } from "node:http";

export interface MemberStatus {
  /** Raft member id, decimal string (uint64 does not fit a JS number). */
  memberId: string;
  /** The leader this member believes in, "0" while there is none. */
  leader: string;
  raftTerm: bigint;
  revision: number;
}

/** True when GET /health answers {"health":"true"} (etcd 3.4 requires a leader and no alarm). */
export async function isHealthy(port: number, timeoutMs = 1000): Promise<boolean> {
  const body = await call("GET", port, "/health", undefined, timeoutMs);
  return (body as { health?: unknown }).health === "true";
}

export async function memberStatus(port: number, timeoutMs = 1000): Promise<MemberStatus> {
  const body = (await call("POST", port, "/v3/maintenance/status", {}, timeoutMs)) as {
    header?: { member_id?: string; revision?: string };
    leader?: string;
    raftTerm?: string;
  };
  if (!body.header?.member_id) throw new Error(`unexpected status answer: ${JSON.stringify(body)}`);
  return {
    memberId: body.header.member_id,
    leader: body.leader ?? "0",
    raftTerm: BigInt(body.raftTerm ?? "0"),
    revision: Number(body.header.revision ?? "0"),
  };
}

/** Compacts the key-value history; physical so the old revisions are gone when this resolves. */
export async function compactAt(port: number, revision: number, timeoutMs = 5000): Promise<void> {
  await call("POST", port, "/v3/kv/compaction", { revision: String(revision), physical: true }, timeoutMs);
}

function call(
  method: string,
  port: number,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        agent: false,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(
              new Error(`${method} :${port}${path}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`),
            );
            return;
          }
          if (res.statusCode !== 200) {
            reject(new Error(`${method} :${port}${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          resolve(parsed);
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${method} :${port}${path}: no answer within ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(payload);
  });
}
