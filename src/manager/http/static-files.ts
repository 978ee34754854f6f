// The dashboard's files: our own (src/manager/dashboard/) and uPlot from node_modules,
// read once at start and served from memory. No CDN: fleet machines have no internet.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), "../dashboard");

/** URL path -> file. Only these paths are served: nothing is read from disk per request. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(DASHBOARD_DIR)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/static/${name}`, { body: readFileSync(join(DASHBOARD_DIR, name)), type });
  }
  const uplotDist = dirname(createRequire(import.meta.url).resolve("uplot"));
  for (const name of ["uPlot.esm.js", "uPlot.min.css"]) {
    files.set(`/vendor/uplot/${name}`, {
      body: readFileSync(join(uplotDist, name)),
      type: TYPES[extname(name)] as string,
    });
  }
  return files;
}
