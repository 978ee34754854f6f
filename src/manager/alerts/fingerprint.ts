// An alert's fingerprint exactly as Alertmanager computes it (prometheus/common
// model.LabelSet.Fingerprint, model/signature.go): FNV-1a 64 over the label names in
// sorted order, each name and each value (as UTF-8 bytes) followed by the separator
// byte 0xff, printed as 16 lower-case hex digits. Tested against fingerprints returned
// by a real Alertmanager's GET /api/v2/alerts.

const OFFSET64 = 0xcbf29ce484222325n;
const PRIME64 = 0x100000001b3n;
const SEPARATOR = 0xff;
const MASK64 = 0xffffffffffffffffn;

function addBytes(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME64) & MASK64;
  return h;
}

const encoder = new TextEncoder();
const separator = Uint8Array.of(SEPARATOR);

export function labelFingerprint(labels: Readonly<Record<string, string>>): string {
  let h = OFFSET64;
  // Go sorts label names by byte order; JavaScript's default sort compares UTF-16 code
  // units, which agrees for the ASCII names Prometheus allows ([a-zA-Z_][a-zA-Z0-9_]*).
  for (const name of Object.keys(labels).sort()) {
    h = addBytes(h, encoder.encode(name));
    h = addBytes(h, separator);
    h = addBytes(h, encoder.encode(labels[name] ?? ""));
    h = addBytes(h, separator);
  }
  return h.toString(16).padStart(16, "0");
}
