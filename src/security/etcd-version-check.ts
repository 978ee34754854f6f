// Once at start-up: ask the connected etcd its version (the maintenance Status call, which
// etcd 3.4 answers for any client and fixed releases for any authenticated one) and print
// one [Security] line per advisory that affects it (src/security/etcd-advisories.ts).
// Run only with client-certificate auth: without it there is no per-node promise to break.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { errorMessage } from "../shared/errors.ts";
import type { Logger } from "../shared/log.ts";
import { printable } from "../shared/node-name.ts";
import { advisoryLines, parseEtcdVersion } from "./etcd-advisories.ts";

/** etcd may not be up yet at start-up: ask a few times, then give up quietly (logged). */
const ATTEMPTS = 8;

export async function reportEtcdAdvisories(
  client: Pick<Etcd3, "maintenance">,
  print: (line: string) => void,
  log: Pick<Logger, "warn" | "info">,
  signal?: AbortSignal,
): Promise<string[]> {
  for (let attempt = 0; attempt < ATTEMPTS && !signal?.aborted; attempt++) {
    let version: string;
    try {
      version = (await client.maintenance.status()).version;
    } catch (err) {
      if (attempt === ATTEMPTS - 1)
        log.warn(
          { err: errorMessage(err) },
          "cannot read the etcd version to check it for known security problems",
        );
      else await sleep(backoffDelay(attempt), signal);
      continue;
    }
    if (!parseEtcdVersion(version)) {
      print(
        `[Security] etcd reports version "${printable(version)}", which fleetwatch cannot check for known security problems`,
      );
      return [];
    }
    const lines = advisoryLines(version);
    for (const line of lines) print(line);
    log.info({ etcdVersion: version, advisories: lines.length }, "etcd version checked");
    return lines;
  }
  return [];
}
