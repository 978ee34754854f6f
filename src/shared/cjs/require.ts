// CommonJS packages (etcd3, cockatiel, pino, commander, prom-client) are loaded with
// require(), not with `import`. An ES-module import of a CommonJS module makes Node run
// cjs-module-lexer over its source, and over every file it re-exports, to learn its named
// exports before evaluating it; require() skips that. Measured on Node 20 (etcd3 + pino +
// commander): 310 ms and 69-73 MB by `import`, 260 ms and 64 MB by require() (bench/RESULTS.md
// section 8). Types still come from `import type`, which the compiler erases, and
// test/unit/agent-imports.test.ts counts these calls as the static imports they replace.
import { createRequire } from "node:module";

export const requireCjs = createRequire(import.meta.url);
