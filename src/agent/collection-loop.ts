// Runs the collectors at the configured interval; `reconfigure` reschedules the
// pending run at once (see schedule.ts). One run at a time: a slow collector delays
// the next run rather than stacking runs on top of each other.
import type { Clock } from "../shared/clock.ts";
import type { EffectiveConfig } from "../shared/schema.ts";
import { nextRunDelay } from "./schedule.ts";

export interface CollectionLoopOptions {
  clock: Clock;
  run(config: EffectiveConfig): Promise<void>;
  /** A run failed; the loop goes on at the next interval. */
  onError?(err: unknown): void;
}

export class CollectionLoop {
  private config: EffectiveConfig | undefined;
  private lastRunAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly options: CollectionLoopOptions) {}

  /** Starts the loop, or reschedules it for a new config. */
  reconfigure(config: EffectiveConfig): void {
    this.config = config;
    if (!this.running) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped || !this.config) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = nextRunDelay(this.lastRunAt, this.config.interval, this.options.clock.now());
    this.timer = setTimeout(() => void this.runOnce(), delay);
  }

  private async runOnce(): Promise<void> {
    const config = this.config;
    if (this.stopped || !config) return;
    this.running = true;
    this.lastRunAt = this.options.clock.now();
    try {
      await this.options.run(config);
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
