// Which keys under /monitor/config-history/<target>/ are version keys. Anyone who can write
// there can leave a stray key; it is ignored, never taken for a version. Pure.
import type { IRangeResponse } from "etcd3";

/** Versions are zero-padded to 10 digits so etcd's key order is version order. */
const VERSION_KEY = /^\d{10}$/;
/** Stray keys among the newest version keys skipped before giving up (then numbering restarts at 1). */
export const STRAY_KEYS_SKIPPED = 100;
/**
 * A billion versions is more than any target will see; a key naming a larger one is stray
 * (taken for the newest, "9999999999" would make the next version an 11-digit key that
 * sorts before it, and every later write would collide).
 */
export const MAX_VERSION = 999_999_999;

/** The version a history key names, or undefined for a key that is not `<prefix><10 digits>`. */
export function versionOfKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const suffix = key.slice(prefix.length);
  if (!VERSION_KEY.test(suffix)) return undefined;
  const version = Number(suffix);
  return version >= 1 && version <= MAX_VERSION ? version : undefined;
}

/**
 * The newest version number among the listed history keys. Keys that are not version keys
 * (a stray `etcdctl put`) are ignored: once, one made every later write of that node fail
 * (the next version was computed from it and always collided, or was not a number).
 */
export function newestVersion(prefix: string, range: IRangeResponse | undefined): number {
  for (const kv of range?.kvs ?? []) {
    const version = versionOfKey(prefix, kv.key.toString());
    if (version !== undefined) return version;
  }
  return 0;
}
