// The fleet table's order, filters and URL state. Pure (no DOM, no imports), so node:test
// loads it as is (test/unit/dashboard-order.test.ts).

const names = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
/** Natural order of names: sim-2 before sim-10. */
export const compareNames = (a, b) => names.compare(a, b);

/** Problems first: DEAD, then a live node whose config is rejected or pending, then LEFT, then ALIVE. */
export function problemRank(n) {
  if (n.state === "DEAD") return 0;
  if (n.state === "ALIVE" && (n.compliance?.status === "rejected" || n.compliance?.status === "pending"))
    return 1;
  if (n.state === "LEFT") return 2;
  return 3;
}

export const GROUPS = [
  { id: "DEAD", label: "DEAD" },
  { id: "CONFIG", label: "config pending/rejected" },
  { id: "LEFT", label: "LEFT" },
  { id: "ALIVE", label: "ALIVE" },
];
const GROUP_OF_RANK = ["DEAD", "CONFIG", "LEFT", "ALIVE"];
export const groupOf = (n) => GROUP_OF_RANK[problemRank(n)];

const value = (n, key) => n.latest?.values?.[key];
/** Sortable columns: key -> value to compare (undefined sorts last). */
export const SORT_KEYS = {
  problems: null,
  node: (n) => n.node,
  state: (n) => problemRank(n),
  since: (n) => n.since,
  report: (n) => n.lastHeartbeat ?? undefined,
  config: (n) => n.compliance?.status,
  cpu: (n) => value(n, "cpu.usage_ratio"),
  memory: (n) => value(n, "memory.used_ratio"),
  load: (n) => value(n, "load.load1"),
  network: (n) => (value(n, "network.rx_bytes_per_s") ?? 0) + (value(n, "network.tx_bytes_per_s") ?? 0),
  disk: (n) => (value(n, "disk_io.read_bytes_per_s") ?? 0) + (value(n, "disk_io.write_bytes_per_s") ?? 0),
  processes: (n) => value(n, "process_count.count"),
};

/** A comparator for `sort` ("problems" or a column key) and `dir` ("asc" | "desc"). */
export function comparator(sort, dir) {
  if (sort === "problems" || !SORT_KEYS[sort]) {
    // Within a group, the most recent change first; then by name.
    return (a, b) => problemRank(a) - problemRank(b) || b.since - a.since || compareNames(a.node, b.node);
  }
  const get = SORT_KEYS[sort];
  const sign = dir === "desc" ? -1 : 1;
  return (a, b) => {
    const x = get(a);
    const y = get(b);
    if (x === undefined && y !== undefined) return 1;
    if (y === undefined && x !== undefined) return -1;
    let c = 0;
    if (typeof x === "string" || typeof y === "string") c = compareNames(String(x ?? ""), String(y ?? ""));
    else c = (x ?? 0) - (y ?? 0);
    return sign * c || compareNames(a.node, b.node);
  };
}

function globToRegExp(glob) {
  let source = "";
  for (const c of glob) {
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "i");
}

/**
 * The search box: words are ANDed. `state:dead` (or a bare `dead`, `alive`, `left`),
 * `config:pending|rejected|in-sync|unknown`, a glob (`web-*`) or a substring of the name.
 */
export function parseQuery(text) {
  const tests = [];
  for (const word of (text ?? "").trim().split(/\s+/).filter(Boolean)) {
    const lower = word.toLowerCase();
    const m = /^(state|config):(.+)$/.exec(lower);
    if (m?.[1] === "state") tests.push((n) => n.state.toLowerCase() === m[2]);
    else if (m?.[1] === "config") tests.push((n) => (n.compliance?.status ?? "unknown") === m[2]);
    else if (lower === "dead" || lower === "alive" || lower === "left")
      tests.push((n) => n.state.toLowerCase() === lower);
    else if (/[*?]/.test(word)) {
      const re = globToRegExp(word);
      tests.push((n) => re.test(n.node));
    } else tests.push((n) => n.node.toLowerCase().includes(lower));
  }
  return (n) => tests.every((t) => t(n));
}

/** The view a URL describes; defaults are left out of the URL so links stay short. */
export function viewFromSearch(search) {
  const p = new URLSearchParams(search);
  const page = Number(p.get("page"));
  return {
    q: p.get("q") ?? "",
    group: GROUPS.some((g) => g.id === p.get("group")) ? p.get("group") : "",
    sort: p.get("sort") in SORT_KEYS ? p.get("sort") : "problems",
    dir: p.get("dir") === "desc" ? "desc" : "asc",
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

export function searchFromView(view) {
  const p = new URLSearchParams();
  if (view.q) p.set("q", view.q);
  if (view.group) p.set("group", view.group);
  if (view.sort !== "problems") p.set("sort", view.sort);
  if (view.sort !== "problems" && view.dir === "desc") p.set("dir", "desc");
  if (view.page > 1) p.set("page", String(view.page));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Filter, sort and cut one page: `{ rows, total, pages, page, counts }`. */
export function arrange(nodes, view, pageSize) {
  const counts = { all: 0, DEAD: 0, CONFIG: 0, LEFT: 0, ALIVE: 0 };
  const match = parseQuery(view.q);
  const shown = [];
  for (const n of nodes) {
    counts.all++;
    const group = groupOf(n);
    counts[group]++;
    if ((!view.group || view.group === group) && match(n)) shown.push(n);
  }
  shown.sort(comparator(view.sort, view.dir));
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const page = Math.min(view.page, pages);
  return {
    rows: shown.slice((page - 1) * pageSize, page * pageSize),
    total: shown.length,
    pages,
    page,
    counts,
  };
}
