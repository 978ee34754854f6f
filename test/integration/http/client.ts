// Helpers for the HTTP integration tests: a tiny API client and an etcd snapshot to
// prove that a refused request changed nothing.
import type { Etcd3 } from "etcd3";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test code reads arbitrary JSON
  json: any;
}

export function apiClient(base: string) {
  return async function call(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${base}${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}

/** Every key and mod revision under /monitor/config (values and history) — the writable state. */
export async function configState(client: Etcd3): Promise<string> {
  const res = await client.getAll().prefix("/monitor/config").exec();
  return JSON.stringify(res.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.mod_revision]));
}
