// Stored strings (ack reasons, config field names, author names, whole raw values) can
// carry terminal escape sequences: `\x1b[31m[-] Node web-1 is DEAD` would print a fake red
// line. Every console and log line built from stored data goes through escapeControl.
// Pure: text in, text out.

/**
 * C0 and C1 control characters (ESC, CR, BEL, the 8-bit CSI \x9b, ...), DEL, the Unicode
 * line and paragraph separators, and the bidirectional overrides that can reorder what a
 * terminal shows.
 */
const CONTROL = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Replaces every control character by a visible escape: ESC becomes `\x1b`, U+202E `\u202e`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.codePointAt(0) as number;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * For a block of text that is several lines on purpose (a table, a help text): every line
 * is escaped, the newlines between them are kept. A stored string must still go through
 * escapeControl itself before it is put into such a block, or a newline inside it could
 * forge a line of its own.
 */
export function escapeControlLines(text: string): string {
  return text.split("\n").map(escapeControl).join("\n");
}

/**
 * For JSON text made by JSON.stringify (which escapes C0 itself): what is left (DEL, C1,
 * bidi overrides) can only sit inside strings, where `\uXXXX` is the same character, so
 * the output stays valid JSON. Newlines between lines of indented JSON are kept.
 */
export function escapeControlJson(text: string): string {
  return text
    .split("\n")
    .map((line) =>
      line.replace(CONTROL, (char) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, "0")}`),
    )
    .join("\n");
}

/** True when `text` holds a character escapeControl would replace (for tests and the fuzz suite). */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}
