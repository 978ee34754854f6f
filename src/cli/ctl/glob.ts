// Node selectors for bulk config: shell-style globs over node names. `*` any run of
// characters, `?` one character, `[abc]`/`[a-z]`/`[!a]` a class; everything else literal.
import { ValidationError } from "../../shared/errors.ts";

const MAX_SELECTOR_LENGTH = 256;

export function globToRegExp(glob: string): RegExp {
  if (glob.length === 0) throw new ValidationError("selector is empty", "selector");
  if (glob.length > MAX_SELECTOR_LENGTH) {
    throw new ValidationError(`selector is longer than ${MAX_SELECTOR_LENGTH} characters`, "selector");
  }
  if (/[\p{Cc}/\s]/u.test(glob)) {
    throw new ValidationError(
      `selector ${JSON.stringify(glob)} contains "/", whitespace or a control character`,
      "selector",
    );
  }
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0)
        throw new ValidationError(`selector ${JSON.stringify(glob)} has an unclosed "["`, "selector");
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      source += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function matchNodes<Name extends string>(glob: string, names: Iterable<Name>): Name[] {
  const re = globToRegExp(glob);
  return [...new Set(names)].filter((n) => re.test(n)).sort();
}
