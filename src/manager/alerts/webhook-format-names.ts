// The webhook body formats by name, apart from their encoders so the `server` flag
// declarations (options.ts, loaded by every fleetwatch start) import no alert code.
export type WebhookFormat = "alertmanager" | "slack";
export const WEBHOOK_FORMATS: WebhookFormat[] = ["alertmanager", "slack"];
