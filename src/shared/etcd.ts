// The one place an etcd3 client is built, with its fault handling set on purpose
// (see docs/liveness.md: etcd3 client traps): the library defaults retry three times and open a
// 5 s circuit per host, which hides outages and delays recovery after an etcd restart.
import type * as Cockatiel from "cockatiel";
import { Etcd3, isRecoverableError } from "./cjs/etcd3.ts";
import { requireCjs } from "./cjs/require.ts";
import { type Endpoint, formatEndpoint } from "./endpoints.ts";

const { ConsecutiveBreaker, circuitBreaker, ExponentialBackoff, handleWhen, noop } = requireCjs(
  "cockatiel",
) as typeof Cockatiel;

export interface EtcdClientOptions {
  endpoints: Endpoint[];
  /** TLS material, when etcd serves client TLS. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

/** Generous for a loaded etcd, short enough that a partitioned caller retries promptly. */
export const UNARY_DEADLINE_MS = 5000;

export function createEtcdClient(options: EtcdClientOptions): Etcd3 {
  const scheme = options.tls ? "https" : "http";
  return new Etcd3({
    hosts: options.endpoints.map((e) => `${scheme}://${formatEndpoint(e)}`),
    credentials: options.tls
      ? { rootCertificate: options.tls.ca, certChain: options.tls.cert, privateKey: options.tls.key }
      : undefined,
    dialTimeout: 2000,
    // Without a deadline a unary call into a silent partition waits until gRPC's keepalive
    // gives up on the connection; streams (watch, keepalive) must stay open, so no deadline.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + UNARY_DEADLINE_MS }),
    grpcOptions: {
      // A silent partition (no RST, no FIN) is only noticed through gRPC pings.
      // etcd rejects pings more often than every 5 s (--grpc-keepalive-min-time).
      "grpc.keepalive_time_ms": 5000,
      "grpc.keepalive_timeout_ms": 2000,
      "grpc.keepalive_permit_without_calls": 1,
      // Reconnect quickly after an etcd restart instead of grpc's default 1-120 s backoff.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
      // gRPC's default 4 MiB answer limit is hit by a list of ~8,000 registry entries
      // (measured: 5.8 MB at 11,000 nodes stopped a manager restart with RESOURCE_EXHAUSTED).
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
    },
    faultHandling: {
      // Skip a dead member of a cluster for a second, not five.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1000,
          breaker: new ConsecutiveBreaker(3),
        }),
      // Retries are done by the callers, who know whether a call is idempotent.
      global: noop,
      // etcd3's typings say Cockatiel.IBackoff but its watch manager calls `.next()` on a factory,
      // exactly what the library itself passes by default.
      watchBackoff: new ExponentialBackoff({
        initialDelay: 100,
        maxDelay: 2000,
      }) as unknown as Cockatiel.IBackoff<unknown>,
    },
  });
}
