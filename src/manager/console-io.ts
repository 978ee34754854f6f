// The manager's console: readline over stdin (a tmux pane, a terminal or a pipe).
// Lines printed while the operator types are written above the prompt so the half-typed
// command survives a DEAD announcement.
import readline from "node:readline";
import { escapeControlLines } from "../shared/escape.ts";

export interface ConsoleIO {
  print(text: string): void;
  close(): void;
}

export function openConsole(onLine: (line: string) => Promise<void>, onClose: () => void): ConsoleIO {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: tty,
    prompt: "> ",
  });
  let busy = Promise.resolve();
  rl.on("line", (line) => {
    // One command at a time, in the order typed.
    busy = busy
      .then(() => onLine(line))
      // A command that fails unexpectedly is reported; it must not become an unhandled
      // rejection (which ends the process) nor stop the console.
      .catch((err: unknown) => io.print(`Error: ${err instanceof Error ? err.message : String(err)}`))
      .then(() => {
        if (tty) rl.prompt();
      });
  });
  // End of input stops the server only at a terminal (Ctrl+D). Piped or empty stdin
  // (a pod, systemd, `server < /dev/null`) just means nobody types: keep serving.
  rl.on("close", () => {
    if (tty) onClose();
  });
  // Ctrl+C at the prompt arrives as a keypress in raw mode: treat it as `quit`, as the
  // lab's Ctrl+C on the server did.
  rl.on("SIGINT", onClose);
  if (tty) rl.prompt();
  const io: ConsoleIO = {
    print(raw: string) {
      // The last line of defence: whatever a line was built from, no control character
      // reaches the terminal (stored strings are escaped, newlines included, where they
      // are put into a line; this keeps the newlines of multi-line output).
      const text = escapeControlLines(raw);
      if (!tty) {
        process.stdout.write(`${text}\n`);
        return;
      }
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(`${text}\n`);
      rl.prompt(true);
    },
    close: () => rl.close(),
  };
  return io;
}
