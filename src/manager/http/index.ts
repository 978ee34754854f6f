// Entry point used by src/manager/main.ts: starts the HTTP server from the parsed flags
// and says on the console where the dashboard is and whether writes are possible.
import { errorMessage, FleetwatchError } from "../../shared/errors.ts";
import { resolveApiToken } from "./api-token.ts";
import type { HttpCliOptions } from "./options.ts";
import { FleetHttpServer, type HttpServerDeps } from "./server.ts";

export { FleetHttpServer } from "./server.ts";

export async function startHttpServer(
  opts: Partial<HttpCliOptions>,
  deps: HttpServerDeps,
  print: (line: string) => void,
): Promise<FleetHttpServer | undefined> {
  const listen = opts.http ?? { host: "127.0.0.1", port: 8080 };
  if (listen === "off") return undefined;
  const token = await resolveApiToken(opts);
  const server = new FleetHttpServer(
    {
      host: listen.host,
      port: listen.port,
      token,
      externalUrl: opts.externalUrl,
      maxStreams: opts.httpMaxStreams,
    },
    deps,
  );
  let url: string;
  try {
    url = await server.start();
  } catch (err) {
    throw new FleetwatchError(
      `cannot serve HTTP on ${listen.host}:${listen.port} (${errorMessage(err)}); choose another with --http host:port, or --http off`,
    );
  }
  print(`[HTTP] Dashboard at ${url}/ (JSON API under /api, Prometheus metrics at /metrics)`);
  if (!token) {
    print(
      "[HTTP] No API token set (--api-token-file, --api-token or FLEETWATCH_API_TOKEN): config writes over HTTP are refused",
    );
  }
  return server;
}
