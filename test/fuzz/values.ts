// Random and adversarial values for every key family under /monitor/, for the fuzz suite
// (test/integration/fuzz.test.ts). Pure: a seeded PRNG in, keys and values out, so a failing
// seed reproduces exactly.

/** mulberry32: small, fast, good enough to spread cases; the same seed gives the same stream. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, max: number) => Math.floor(rng() * max);

/** Strings that have hurt terminals and parsers. */
export const NASTY_STRINGS = [
  "\u001b[31m[-] Node web-1 is DEAD (TTL expired)\u001b[0m",
  "line\n[-] Node web-2 is DEAD (TTL expired)",
  "\r\u001b[2K[+] Node web-3 is ALIVE",
  "\u009b31m8-bit CSI",
  "bell\u0007\u0000nul",
  "rtl\u202eevil",
  "\u2028separator",
  "",
  " ",
  "../../etc/passwd",
  "__proto__",
  "constructor",
  "🚀",
] as const;

/** Numbers JSON can carry that code may not expect (1e999 parses to Infinity). */
const NASTY_NUMBER_TEXT = [
  "0",
  "-1",
  "-0",
  "1e300",
  "-1e300",
  "1e999",
  "-1e999",
  "8640000000000001",
  "9007199254740993",
  "18446744073709551616",
  "0.5",
  "1e-320",
  "86401",
] as const;

function nastyString(rng: Rng): string {
  if (rng() < 0.2) return `${pick(rng, NASTY_STRINGS)}${"x".repeat(int(rng, 3) * 1000)}`;
  return pick(rng, NASTY_STRINGS);
}

/** A JSON text of any type, often adversarial. `depth` bounds nesting. */
function anyJson(rng: Rng, depth = 0): string {
  const r = rng();
  if (r < 0.2) return pick(rng, NASTY_NUMBER_TEXT);
  if (r < 0.4) return JSON.stringify(nastyString(rng));
  if (r < 0.5) return pick(rng, ["null", "true", "false", "[]", "{}"]);
  if (depth > 2) return "0";
  if (r < 0.7) {
    const n = int(rng, 4);
    return `[${Array.from({ length: n }, () => anyJson(rng, depth + 1)).join(",")}]`;
  }
  const n = int(rng, 4);
  const fields = Array.from(
    { length: n },
    () => `${JSON.stringify(nastyString(rng))}:${anyJson(rng, depth + 1)}`,
  );
  return `{${fields.join(",")}}`;
}

/** An object whose known fields get values of any type: the shape is right, the types are not. */
function shaped(rng: Rng, fields: Record<string, () => string>): string {
  const parts: string[] = [];
  for (const [name, good] of Object.entries(fields)) {
    const r = rng();
    if (r < 0.15) continue; // missing
    parts.push(`${JSON.stringify(name)}:${r < 0.55 ? good() : anyJson(rng, 1)}`);
  }
  if (rng() < 0.2) parts.push(`${JSON.stringify(nastyString(rng))}:${anyJson(rng, 1)}`);
  return `{${parts.join(",")}}`;
}

const nowMs = () => "1764806400000";
const epoch = (rng: Rng) => () => (rng() < 0.5 ? nowMs() : pick(rng, NASTY_NUMBER_TEXT));

/** Values shaped like each stored value, with fields of wrong type or range. */
const SHAPES: Record<Family, (rng: Rng) => string> = {
  heartbeat: (rng) =>
    shaped(rng, {
      status: () => pick(rng, ['"alive"', '"leaving"', '"dead"']),
      ts: () => pick(rng, NASTY_NUMBER_TEXT),
      config: () =>
        shaped(rng, {
          nodeRevision: () => pick(rng, NASTY_NUMBER_TEXT),
          defaultRevision: () => pick(rng, NASTY_NUMBER_TEXT),
          interval: () => pick(rng, NASTY_NUMBER_TEXT),
          metrics: () => pick(rng, ['["cpu"]', '"cpu"', "5", '["cpu","cpu"]', '["nope"]']),
          rejected: () =>
            shaped(rng, {
              key: () => JSON.stringify(nastyString(rng)),
              revision: () => pick(rng, NASTY_NUMBER_TEXT),
              reason: () => JSON.stringify(nastyString(rng)),
            }),
        }),
    }),
  config: (rng) =>
    shaped(rng, {
      interval: () => pick(rng, NASTY_NUMBER_TEXT),
      metrics: () => pick(rng, ['["cpu"]', '["memory","load"]', '"cpu"', "[5]", '["cpu","cpu"]']),
    }),
  metrics: (rng) =>
    shaped(rng, {
      ts: () => pick(rng, NASTY_NUMBER_TEXT),
      interval: () => pick(rng, NASTY_NUMBER_TEXT),
      values: () => anyJson(rng, 1),
    }),
  nodes: (rng) =>
    shaped(rng, {
      node: () => JSON.stringify(nastyString(rng)),
      state: () => pick(rng, ['"ALIVE"', '"DEAD"', '"LEFT"', '"GONE"']),
      since: epoch(rng),
      firstSeen: epoch(rng),
      lastSeen: epoch(rng),
      createRevision: () => pick(rng, NASTY_NUMBER_TEXT),
      leaving: () => pick(rng, ["true", "false", '"yes"']),
      history: () =>
        `[${shaped(rng, {
          state: () => '"DEAD"',
          at: epoch(rng),
          reason: () => JSON.stringify(nastyString(rng)),
          revision: () => "1",
        })}]`,
    }),
  leader: (rng) => shaped(rng, { id: () => JSON.stringify(nastyString(rng)), since: epoch(rng) }),
  "config-history": (rng) =>
    shaped(rng, {
      version: () => pick(rng, NASTY_NUMBER_TEXT),
      at: epoch(rng),
      author: () => JSON.stringify(nastyString(rng)),
      value: () => SHAPES.config(rng),
      rollbackOf: () => pick(rng, NASTY_NUMBER_TEXT),
    }),
  alerts: (rng) =>
    shaped(rng, {
      node: () => JSON.stringify(nastyString(rng)),
      revision: () => pick(rng, NASTY_NUMBER_TEXT),
      at: epoch(rng),
      delivered: () => anyJson(rng, 1),
    }),
  events: (rng) => anyJson(rng),
  forgotten: (rng) =>
    shaped(rng, {
      node: () => JSON.stringify(nastyString(rng)),
      at: epoch(rng),
      by: () => JSON.stringify(nastyString(rng)),
      purgeConfig: () => pick(rng, ["true", "false", '"yes"', "1"]),
    }),
};

export const FAMILIES = [
  "heartbeat",
  "config",
  "metrics",
  "nodes",
  "leader",
  "config-history",
  "alerts",
  "events",
  "forgotten",
] as const;
export type Family = (typeof FAMILIES)[number];

/** Node names: mostly valid fuzz names, sometimes names every reader must refuse. */
function nodeName(rng: Rng, protectedNames: readonly string[]): string {
  const r = rng();
  if (r < 0.1 && protectedNames.length > 0) return pick(rng, protectedNames);
  if (r < 0.2) return pick(rng, ["_default", "a b", "\u001b[31mx", "-dash", "x".repeat(300), "a/b", ""]);
  return `fz-${int(rng, 40)}`;
}

function keyFor(rng: Rng, family: Family, protectedNames: readonly string[]): string {
  const node = nodeName(rng, protectedNames);
  switch (family) {
    case "leader":
      return "/monitor/leader";
    case "config":
      return rng() < 0.15 ? "/monitor/config/_default" : `/monitor/config/${node}`;
    case "config-history": {
      const version = pick(rng, ["0000000001", "0000000002", "9999999999", "zzz", "1", "0000000003x", ""]);
      return `/monitor/config-history/${rng() < 0.2 ? "_default" : node}/${version}`;
    }
    case "alerts":
      return `/monitor/alerts/${node}/${String(int(rng, 5)).padStart(20, "0")}`;
    case "events":
      return `/monitor/events/${node}/${int(rng, 5)}`;
    default:
      return `/monitor/${family}/${node}`;
  }
}

export interface FuzzCase {
  family: Family;
  key: string;
  value: string;
}

/** Bytes of the few huge values (etcd's request limit is 1.5 MiB). */
export const HUGE_VALUE_BYTES = 200 * 1024;

/**
 * One case: a key of `family` (or a random family) and a value that is, by turns, shaped
 * like the stored value with wrong fields, of another JSON type, not JSON, or huge.
 * `protectedNames` (the real agents) are chosen now and then, so their own keys are hit too.
 */
export function fuzzCase(rng: Rng, protectedNames: readonly string[] = [], family?: Family): FuzzCase {
  const fam = family ?? pick(rng, FAMILIES);
  const key = keyFor(rng, fam, protectedNames);
  const r = rng();
  let value: string;
  if (r < 0.55) value = SHAPES[fam](rng);
  else if (r < 0.8) value = anyJson(rng);
  else if (r < 0.98)
    value = pick(rng, ["", "{", "alive", "\u0000\u0001", '{"status":"alive"', nastyString(rng), "[]]"]);
  else value = `{"status":"alive","ts":1,"pad":"${"a".repeat(HUGE_VALUE_BYTES)}"}`;
  return { family: fam, key, value };
}

/** `count` cases from `seed`, covering every family. */
export function fuzzBatch(seed: number, count: number, protectedNames: readonly string[] = []): FuzzCase[] {
  const rng = prng(seed);
  return Array.from({ length: count }, (_, i) =>
    fuzzCase(rng, protectedNames, i < FAMILIES.length ? FAMILIES[i] : undefined),
  );
}
