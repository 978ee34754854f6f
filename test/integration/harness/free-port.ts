// Free loopback ports for etcd members, proxies and fleetwatch processes.
// The kernel picks an unused port (listen on :0); we close it again and hand the number out.
// There is an unavoidable window in which another process can take the port, so callers that
// bind it later (etcd) must treat "address already in use" as retryable.
import { createServer } from "node:net";

// The kernel may hand the same ephemeral port back right after we close it. Remembering what
// this process already gave out keeps two members of one cluster from ever getting the same port.
const handedOut = new Set<number>();

/** Bounded so a pathological kernel cannot spin us forever. */
const MAX_ATTEMPTS = 50;

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await listenOnce();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no new loopback port after ${MAX_ATTEMPTS} attempts`);
}

function listenOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: server.address() did not return a port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
