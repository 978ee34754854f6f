// A stored registry entry (/monitor/nodes/<node>) for a node the registry says is DEAD, as a
// manager writes it: tests put these to seed a fleet, or to plant one with a bad date.
export function deadRegistryEntry(node: string, since: number, seen = since): string {
  return JSON.stringify({
    node,
    state: "DEAD",
    since,
    firstSeen: seen,
    lastSeen: seen,
    createRevision: 0,
    leaving: false,
    history: [{ state: "DEAD", at: since, reason: "TTL expired", revision: 1 }],
  });
}
