// Keeps the last lines of a child's output so a failure can be explained from what
// etcd said last, without holding its whole log in memory.

export class LineTail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly max = 50) {}

  /** Feeds a chunk as it arrives (lines may be split across chunks); returns the lines it completed. */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    const complete = parts.filter((line) => line.length > 0);
    for (const line of complete) this.add(line);
    return complete;
  }

  /** The kept lines, oldest first, including an unfinished last line. */
  snapshot(): string[] {
    return this.partial.length > 0 ? [...this.lines, this.partial] : [...this.lines];
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}
