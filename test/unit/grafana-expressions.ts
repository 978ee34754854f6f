// The PromQL in a Grafana dashboard JSON: every panel target's `expr` and the metric queried by
// `label_values(metric, label)` variables, and the substitution of Grafana's variables so
// Prometheus can parse (or run) them. Shared by the asset test and the Prometheus scrape test.

/** Every `expr` anywhere in the dashboard, plus the metric selector of label_values() variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value !== null && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        if (key === "expr" && typeof v === "string") out.push(v);
        else if (key === "definition" && typeof v === "string") {
          const m = /^label_values\((.+),\s*\w+\)$/.exec(v);
          if (m?.[1]) out.push(m[1]);
        } else walk(v);
      }
    }
  };
  walk(dashboard);
  return out;
}

/** Grafana's interval variables become a range; template variables (`$node`) match everything. */
export function grafanaToPromQL(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, "1m").replace(/\$\{?\w+\}?/g, ".*");
}
