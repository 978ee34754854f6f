// Tries to listen on a port and lets go at once. etcd's own "bind: address already
// in use" arrives as a fatal JSON log line after a second of start-up; checking first
// lets us name the port and the flag that changes it.
import { createServer } from "node:net";

/** Resolves undefined when the port is free, or the errno code (EADDRINUSE, EACCES, …). */
export function listenProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    // exclusive: a cluster-mode worker must not share a handle with a primary here.
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(undefined));
    });
  });
}
