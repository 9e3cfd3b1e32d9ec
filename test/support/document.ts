/**
 * Reads back the JSON-document attributes of synthesised Terraform JSON. The constructs write
 * documents as `"${jsonencode({...})}"` (constructs/json-document.ts; jsonText's
 * `"${join("", [...])}"` is read too); this decodes the
 * object expression inside — the subset cdktf emits: objects with quoted keys, lists, quoted
 * strings (with `${...}` interpolations), numbers, booleans and bare references — into the value
 * the document had when it was a JSON string: references become `"${aws_x.y.arn}"` text.
 */

const JSONENCODE = /^\$\{jsonencode\(([\s\S]*)\)\}$/;
/** jsonText's form: JSON text pieces and references joined (constructs/json-document.ts). */
const JOINED_TEXT = /^\$\{join\("", (\[[\s\S]*\])\)\}$/;

/** Whether `v` is a `${jsonencode(...)}` (or jsonText's `${join("", [...])}`) expression string. */
export function isJsonencode(v: unknown): v is string {
  return typeof v === "string" && (JSONENCODE.test(v) || JOINED_TEXT.test(v));
}

class ExpressionReader {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new Error(
      `decodeDocument: ${what} at ${this.i}: ${JSON.stringify(this.s.slice(this.i, this.i + 40))}`,
    );
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private eat(c: string): boolean {
    this.ws();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail("trailing text");
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.list();
    if (c === '"') return this.string();
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    // A reference: name, attribute and index steps (aws_x.y.arn, aws_x.y[0].id).
    const word = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_*-]+|\[\d+\])*/.exec(this.s.slice(this.i));
    if (!word) this.fail("unexpected character");
    this.i += word[0].length;
    if (word[0] === "true") return true;
    if (word[0] === "false") return false;
    if (word[0] === "null") return null;
    return `\${${word[0]}}`;
  }

  private object(): Record<string, unknown> {
    this.eat("{");
    const out: Record<string, unknown> = {};
    while (!this.eat("}")) {
      this.ws();
      const key = this.s[this.i] === '"' ? this.string() : String(this.value());
      if (!this.eat("=") && !this.eat(":")) this.fail("expected '=' after an object key");
      out[key] = this.value();
      this.eat(",");
    }
    return out;
  }

  private list(): unknown[] {
    this.eat("[");
    const out: unknown[] = [];
    while (!this.eat("]")) {
      out.push(this.value());
      this.eat(",");
    }
    return out;
  }

  /** A quoted template; interpolations are kept as `${...}` text, escapes decoded. */
  private string(): string {
    this.i++; // opening quote
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated string");
      const c = this.s[this.i];
      const next = this.s.slice(this.i, this.i + 3);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (next === "$${" || next === "%%{") {
        out += next.slice(1);
        this.i += 3;
      } else if (next.startsWith("${")) {
        const close = this.s.indexOf("}", this.i);
        if (close < 0) this.fail("unterminated interpolation");
        out += this.s.slice(this.i, close + 1);
        this.i = close + 1;
      } else if (c === "\\") {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === "u") {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          this.fail("unknown escape");
        }
      } else {
        out += c;
        this.i++;
      }
    }
  }
}

/** The document in a `${jsonencode(...)}` string, or in a JSON string. */
export function decodeDocument(v: unknown): unknown {
  if (typeof v !== "string") throw new Error(`decodeDocument: expected a string, got ${typeof v}`);
  const joined = JOINED_TEXT.exec(v);
  if (joined) {
    const r = new ExpressionReader(joined[1]);
    const parts = r.value() as string[];
    r.end();
    return JSON.parse(parts.join(""));
  }
  const m = JSONENCODE.exec(v);
  if (!m) return JSON.parse(v);
  const r = new ExpressionReader(m[1]);
  const doc = r.value();
  r.end();
  return doc;
}

/**
 * Replaces, in place, every `${jsonencode(...)}` attribute of the synthesised resources by the
 * JSON text of its document, so tests read documents with JSON.parse as they always did.
 */
export function decodeDocumentsInPlace(tf: {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}): void {
  for (const byName of Object.values(tf.resource ?? {})) {
    for (const r of Object.values(byName)) {
      for (const [k, v] of Object.entries(r)) {
        if (isJsonencode(v)) r[k] = JSON.stringify(decodeDocument(v));
      }
    }
  }
}
