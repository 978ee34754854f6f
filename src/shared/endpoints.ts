// `--etcd host:port[,host:port...]` parsing. Pure, so every subcommand and the
// demo script agree on what an endpoint list means.
import { ValidationError } from "./errors.ts";

export const DEFAULT_ETCD_ENDPOINTS = "127.0.0.1:2379";

export interface Endpoint {
  host: string;
  port: number;
}

export function parseEndpoints(text: string): Endpoint[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0)
    throw new ValidationError("--etcd: no endpoint given (expected host:port[,host:port...])", "etcd");
  return parts.map(parseEndpoint);
}

function parseEndpoint(raw: string): Endpoint {
  const text = raw.replace(/^https?:\/\//, "");
  const match = /^(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})$/.exec(text);
  if (!match)
    throw new ValidationError(`--etcd: "${raw}" is not host:port (example: 127.0.0.1:2379)`, "etcd");
  const port = Number(match[2]);
  if (port < 1 || port > 65535)
    throw new ValidationError(`--etcd: port ${port} in "${raw}" is out of range 1-65535`, "etcd");
  return { host: match[1] as string, port };
}

export const formatEndpoint = (e: Endpoint): string => `${e.host}:${e.port}`;
