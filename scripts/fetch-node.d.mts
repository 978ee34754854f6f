// Types of scripts/fetch-node.mjs for the TypeScript tests that import it.
export declare const DEFAULT_CACHE: string;
export declare const DEFAULT_NODE_VERSION: string;
export declare const NODE_PINS: Readonly<Record<string, string>>;
export declare class FetchNodeError extends Error {}
export declare function checkPlatform(platform?: string, arch?: string): void;
export declare function pinFor(version: string): string;
export declare function verifyIntegrity(file: string, expected: string): void;
export declare function nodeVersionOf(binDir: string): string | undefined;
export declare function fetchNode(options?: {
  version?: string;
  cacheDir?: string;
  platform?: string;
  arch?: string;
  npm?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}): string;
