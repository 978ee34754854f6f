// Pushes the fleet's alerts to Alertmanager (API v2, POST /api/v2/alerts) as Prometheus
// does: the whole current set (alertmanager-alerts.ts), every RESEND_MS and shortly after
// each alerting transition. Only the leader pushes; a new leader pushes at once, so the
// firing set survives a failover. Grouping, silences, inhibition and routing are
// Alertmanager's.
import { backoffDelay, sleep } from "../../shared/backoff.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/log.ts";
import type { NodeView } from "../liveness.ts";
import { alertmanagerAlerts, RESEND_MS } from "./alertmanager-alerts.ts";
import { postJson } from "./post.ts";

/** Transitions within this window go in one push (a burst of deaths is one POST). */
const COALESCE_MS = 100;
const RETRY = { initialMs: 1000, maxMs: RESEND_MS };

export interface AlertmanagerPushOptions {
  /** Base URLs, without a trailing slash. */
  urls: string[];
  alertOnLeave: boolean;
  externalUrl: () => string;
  clock: Clock;
  log: Logger;
  views: () => Iterable<NodeView>;
  onPush?: (ok: boolean) => void;
}

export class AlertmanagerPush {
  private term: AbortController | undefined;
  /** One waiter per Alertmanager loop, woken by a transition. */
  private readonly pokes = new Set<() => void>();

  constructor(private readonly o: AlertmanagerPushOptions) {}

  lead(): void {
    if (this.o.urls.length === 0 || this.term) return;
    const term = new AbortController();
    this.term = term;
    for (const url of this.o.urls) void this.loop(`${url}/api/v2/alerts`, term.signal);
  }

  follow(): void {
    this.term?.abort();
    this.term = undefined;
  }

  /** An alerting transition happened: push soon rather than at the next resend. */
  changed(): void {
    for (const poke of [...this.pokes]) poke();
  }

  private async loop(endpoint: string, signal: AbortSignal): Promise<void> {
    const pokes = this.pokes;
    for (let failures = 0; !signal.aborted; ) {
      const alerts = alertmanagerAlerts(this.o.views(), this.o.clock.now(), {
        alertOnLeave: this.o.alertOnLeave,
        externalUrl: this.o.externalUrl(),
      });
      let wait = RESEND_MS;
      if (alerts.length > 0) {
        const result = await postJson(endpoint, JSON.stringify(alerts), {}, signal);
        if (signal.aborted) return;
        this.o.onPush?.(result.ok);
        if (result.ok) {
          failures = 0;
        } else {
          wait = backoffDelay(failures++, RETRY);
          this.o.log.warn(
            { alertmanager: endpoint, problem: result.problem, retryInMs: wait },
            "alert push failed",
          );
        }
      }
      // Until the next resend, or a transition (then a short pause gathers a burst).
      const poked = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), wait);
        const onPoke = () => done(true);
        const onAbort = () => done(false);
        pokes.add(onPoke);
        signal.addEventListener("abort", onAbort, { once: true });
        function done(value: boolean) {
          clearTimeout(timer);
          pokes.delete(onPoke);
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        }
      });
      if (poked) await sleep(COALESCE_MS, signal);
    }
  }
}
