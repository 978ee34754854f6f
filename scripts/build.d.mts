// Types of scripts/build.mjs for the TypeScript tests that import it.
export declare const REPO_ROOT: string;
export declare function gitCommit(root?: string): string | undefined;
export declare function buildStaleReason(root?: string): string | undefined;
export declare function build(options?: { root?: string; log?: (line: string) => void }): void;
export declare function ensureBuild(options?: { root?: string; log?: (line: string) => void }): boolean;
