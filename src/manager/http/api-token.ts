// The API token from `--api-token` / FLEETWATCH_API_TOKEN, or from a file
// (`--api-token-file` / FLEETWATCH_API_TOKEN_FILE) so it never appears in `ps` or in a
// pod's args. The file is read once at start-up, at most MAX_TOKEN_FILE_BYTES, and trimmed
// (a trailing newline from `echo` or a Secret is not part of the token).
import { readFileAtMost } from "../../shared/bounded-read.ts";
import { ValidationError } from "../../shared/errors.ts";

export const MAX_TOKEN_FILE_BYTES = 4096;

export async function resolveApiToken(opts: {
  apiToken?: string;
  apiTokenFile?: string;
}): Promise<string | undefined> {
  if (opts.apiTokenFile === undefined || opts.apiTokenFile === "") return opts.apiToken || undefined;
  if (opts.apiToken) {
    throw new ValidationError(
      "give the API token once: --api-token (FLEETWATCH_API_TOKEN) or --api-token-file (FLEETWATCH_API_TOKEN_FILE), not both",
      "api-token-file",
    );
  }
  let text: string;
  try {
    text = await readFileAtMost(opts.apiTokenFile, MAX_TOKEN_FILE_BYTES, "api-token-file");
  } catch (err) {
    throw new ValidationError(`--api-token-file: ${(err as Error).message}`, "api-token-file");
  }
  const token = text.trim();
  if (token === "") {
    throw new ValidationError(
      `--api-token-file ${opts.apiTokenFile} is empty; put the token in it`,
      "api-token-file",
    );
  }
  if (/\s/.test(token)) {
    throw new ValidationError(
      `--api-token-file ${opts.apiTokenFile} holds more than one word; a bearer token has no spaces or line breaks`,
      "api-token-file",
    );
  }
  return token;
}
