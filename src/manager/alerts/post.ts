// One bounded JSON POST to an alert receiver (a webhook or Alertmanager).
// - Redirects are never followed: a 3xx is a failure (a receiver that moved must be
//   reconfigured; following could send alerts, and any credentials in the URL, elsewhere).
// - At most RESPONSE_BODY_LIMIT bytes of the answer are read, for the log line, then the
//   rest is discarded: a receiver cannot make the manager buffer its response.
// - A timeout bounds a receiver that accepts the connection and never answers.

export const RESPONSE_BODY_LIMIT = 4096;
export const POST_TIMEOUT_MS = 10_000;

export type PostResult = { ok: true; status: number } | { ok: false; problem: string };

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostResult> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.any([AbortSignal.timeout(POST_TIMEOUT_MS), signal]),
    });
    const text = await readCapped(res, RESPONSE_BODY_LIMIT);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const redirect = res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : "";
    const detail = text.trim() ? `: ${printable(text.trim().slice(0, 200))}` : "";
    return { ok: false, problem: `HTTP ${res.status}${redirect}${detail}` };
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** Reads up to `limit` bytes of the body, then cancels the rest of the stream. */
export async function readCapped(res: Response, limit: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += Math.min(value.byteLength, limit - size);
    }
  } catch {
    // A body cut short tells us no less than the status already did.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A receiver's text goes into log lines: no control characters. */
function printable(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    out += control ? `\\u${code.toString(16).padStart(4, "0")}` : c;
  }
  return out;
}
