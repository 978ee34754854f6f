// prom-client's runtime values, loaded with require() (./require.ts says why), exported as
// value and type under one name, as `import { Gauge } from "prom-client"` would.
import type * as PromClient from "prom-client";
import { requireCjs } from "./require.ts";

const promClient = requireCjs("prom-client") as typeof PromClient;

export const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = promClient;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
export type Registry = PromClient.Registry;
