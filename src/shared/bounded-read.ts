// Reading a file a person names (a config, a token) without trusting its size: at most
// `limit` bytes are read, so `/dev/zero`, a FIFO fed forever or a huge file fails fast with
// a message naming the limit instead of filling memory.
import { open } from "node:fs/promises";
import { ValidationError } from "./errors.ts";

export async function readFileAtMost(path: string, limit: number, field = "file"): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new ValidationError(`cannot read ${path}: ${readProblem(err)}`, field);
  }
  try {
    // One byte more than the limit tells "exactly the limit" from "more".
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > limit) {
      throw new ValidationError(
        `${path} is too large: the limit is ${limit} bytes (stopped reading there)`,
        field,
      );
    }
    return buffer.subarray(0, size).toString("utf8");
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`cannot read ${path}: ${readProblem(err)}`, field);
  } finally {
    await handle.close();
  }
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES") return "permission denied";
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
