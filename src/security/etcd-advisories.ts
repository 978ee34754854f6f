// Known etcd security problems that break a promise docs/security.md makes about a node's
// certificate, and the releases that fix them. Pure: a version string in, advisories out.
//
// Source: etcd's CHANGELOG-3.4/3.5/3.6/3.7.md and the fixing commits (read in the etcd-io/etcd
// repository; docs/security.md lists each with its link). Each entry says, per minor line,
// the first patch release with the fix. A line that is not listed and is older than the
// newest listed line never got the fix (3.4 reached end of life at 3.4.45); a line newer
// than every listed line was released with the fix.

export interface EtcdAdvisory {
  /** CVE or GitHub advisory id. */
  id: string;
  /** What a node's certificate can do because of it, in fleetwatch's words. */
  problem: string;
  /** "3.4" -> 26 means fixed in 3.4.26. */
  fixedIn: Readonly<Record<string, number>>;
}

export const ETCD_ADVISORIES: readonly EtcdAdvisory[] = [
  {
    id: "CVE-2023-32082",
    problem:
      "LeaseTimeToLive with keys returns the names of keys the caller may not read (a node's certificate learns other nodes' key names)",
    fixedIn: { "3.4": 26, "3.5": 9 },
  },
  {
    id: "CVE-2026-33413",
    problem:
      "lease and compaction calls are not permission-checked (any client certificate from the CA can list every lease, keep another node's lease alive so a dead node stays ALIVE, and compact history)",
    fixedIn: { "3.4": 42, "3.5": 28, "3.6": 9 },
  },
  {
    id: "CVE-2026-33343",
    problem:
      "operations nested in a transaction skip the permission check (a node's certificate can read and write keys outside its role)",
    fixedIn: { "3.4": 42, "3.5": 28, "3.6": 9 },
  },
  {
    // No CVE id: etcd's changelogs cite the pull requests (21683 on 3.4, 21682 on 3.5).
    id: "etcd-io/etcd#21683",
    problem:
      "a put nested in a transaction can read through prevKv or attach a lease without permission (a node's certificate can read keys outside its role)",
    fixedIn: { "3.4": 44, "3.5": 30, "3.6": 11 },
  },
  {
    id: "GHSA-xg4h-6gfc-h4m8",
    problem:
      "read permission on one key lets a watch receive every key after it (a node's certificate can watch other nodes' configs and heartbeats)",
    // 3.4 reached end of life before this fix: no 3.4 release has it.
    fixedIn: { "3.5": 33, "3.6": 14, "3.7": 1 },
  },
];

export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
}

/** "3.4.23", "v3.5.9", "3.7.0-rc.0" -> numbers; undefined when it is not a version. */
export function parseEtcdVersion(text: string): EtcdVersion | undefined {
  const m = /^v?(\d{1,4})\.(\d{1,4})\.(\d{1,6})(?:[-+][0-9A-Za-z.-]*)?$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** The first release that fixes `advisory` for a server on `v`'s line: "3.4.26", or a newer line. */
export function fixedReleaseFor(advisory: EtcdAdvisory, v: EtcdVersion): string {
  const line = `${v.major}.${v.minor}`;
  const patch = advisory.fixedIn[line];
  if (patch !== undefined) return `${line}.${patch}`;
  return Object.entries(advisory.fixedIn)
    .map(([l, p]) => `${l}.${p}`)
    .join(" / ");
}

function isAffected(advisory: EtcdAdvisory, v: EtcdVersion): boolean {
  const line = `${v.major}.${v.minor}`;
  const patch = advisory.fixedIn[line];
  if (patch !== undefined) return v.patch < patch;
  const lines = Object.keys(advisory.fixedIn).map((l) => l.split(".").map(Number) as [number, number]);
  const newest = lines.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
  // Not listed: older than the newest fixed line means never fixed on that line.
  return v.major < newest[0] || (v.major === newest[0] && v.minor < newest[1]);
}

/**
 * The advisories that affect etcd `version` (as etcd's status API reports it). An
 * unparseable version gives none: the caller says that it could not tell.
 */
export function etcdVersionAdvisories(version: string): EtcdAdvisory[] {
  const v = parseEtcdVersion(version);
  if (!v) return [];
  return ETCD_ADVISORIES.filter((a) => isAffected(a, v));
}

/** One console line per advisory: the version, the problem and the release that fixes it. */
export function advisoryLines(version: string): string[] {
  const v = parseEtcdVersion(version);
  if (!v) return [];
  return etcdVersionAdvisories(version).map(
    (a) =>
      `[Security] etcd ${version} is affected by ${a.id}: ${a.problem}; fixed in etcd ${fixedReleaseFor(a, v)}`,
  );
}
