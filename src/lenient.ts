/**
 * Reading what Kubernetes reads but the yaml library refuses: quoted scalars
 * and flow collections whose continuation lines sit at or left of their
 * parent's indentation (Helm 4 writes `description: 'line one.` ... `'` with
 * the closing quote at column 0; a chart's `labels: {a: b,` then `c: d}`).
 * Kubernetes' reader (goyaml v2) does not look at the indentation of those
 * lines; the YAML specification and the yaml library do.
 *
 * The leading white space of a continuation line inside a quoted scalar or a
 * flow collection is no part of any value (line folding strips it; flow
 * collections ignore indentation), so indenting such lines keeps every value.
 * `indentContinuations` does only that, and `continuationsInside` proves it
 * afterwards on the library's own reading of the result: every line it
 * indented starts inside a quoted scalar or a flow collection. A document read
 * this way is for reading only: its node offsets point into the normalised
 * text, so eksfit never edits it (render leaves it unchanged, with a warning).
 */
import { isCollection, isScalar, visit, type Document, type Node } from 'yaml';

/** The normalised text and the offsets (in it) of the line starts that were indented. */
export interface Normalised {
  readonly text: string;
  readonly indented: readonly number[];
}

/**
 * Indents the continuation lines of quoted scalars and flow collections that
 * are not indented past their construct's opening column. Undefined when
 * there is nothing to indent, or when the text cannot be scanned with
 * certainty (an unclosed quote or bracket).
 */
export function indentContinuations(text: string): Normalised | undefined {
  // Line starts (offsets in `text`) to indent, with the number of spaces to add.
  const pads: [number, number][] = [];
  const n = text.length;
  let i = 0;
  /** Leading spaces of the line starting at `at`. */
  const indentAt = (at: number): number => {
    let k = at;
    while (text.charCodeAt(k) === 0x20) k++;
    return k - at;
  };
  const columnOf = (at: number): number => at - (text.lastIndexOf('\n', at - 1) + 1);
  /** A continuation line starting at `at` inside a construct whose node sits at column `open`. */
  const continuation = (at: number, open: number): void => {
    const ind = indentAt(at);
    const c = text[at + ind];
    // Blank lines keep no indentation worth having; lines at or left of the opening column get some.
    if (c === '\n' || c === '\r' || c === undefined) return;
    if (ind <= open) pads.push([at, open + 1 - ind]);
  };
  /** Skips a quoted scalar opened at `i`; returns the offset after it, or -1 if it never closes. */
  const quoted = (start: number, open: number): number => {
    const q = text[start];
    let k = start + 1;
    while (k < n) {
      const c = text[k];
      if (c === '\n') continuation(k + 1, open);
      else if (q === '"' && c === '\\') {
        k++;
        if (text[k] === '\n') continuation(k + 1, open);
      } else if (c === q) {
        if (q === "'" && text[k + 1] === "'") k++;
        else return k + 1;
      }
      k++;
    }
    return -1;
  };
  /** Skips a flow collection opened at `start`; returns the offset after it, or -1. */
  const flow = (start: number, open: number): number => {
    let depth = 0;
    let k = start;
    let tokenStart = true;
    while (k < n) {
      const c = text[k] as string;
      if (c === '\n') {
        continuation(k + 1, open);
        tokenStart = true;
        k++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        k++;
        continue;
      }
      if (c === '#' && (k === 0 || /[ \t\n]/.test(text[k - 1] ?? ''))) {
        const nl = text.indexOf('\n', k);
        k = nl < 0 ? n : nl;
        continue;
      }
      if ((c === '"' || c === "'") && tokenStart) {
        const end = quoted(k, open);
        if (end < 0) return -1;
        k = end;
        tokenStart = false;
        continue;
      }
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) return k + 1;
      }
      tokenStart = c === '[' || c === '{' || c === ',' || c === ':' || c === '?';
      k++;
    }
    return -1;
  };
  // Block context: walk line by line, looking at where a node may start.
  while (i < n) {
    const lineStart = i;
    const lineIndent = indentAt(lineStart);
    let k = lineStart + lineIndent;
    let tokenStart = true;
    // The indentation of the line's node, past `- ` and `? ` indicators: continuation lines must go further.
    let nodeIndent = lineIndent;
    let blockScalar = false;
    while (k < n && text[k] !== '\n') {
      const c = text[k] as string;
      if (c === ' ' || c === '\t' || c === '\r') {
        k++;
        continue;
      }
      if (c === '#' && (k === lineStart || /[ \t]/.test(text[k - 1] ?? ''))) {
        const nl = text.indexOf('\n', k);
        k = nl < 0 ? n : nl;
        break;
      }
      if (tokenStart && (c === '-' || c === '?' || c === ':') && /[ \t\r\n]/.test(text[k + 1] ?? '\n')) {
        if (c !== ':' && nodeIndent === columnOf(k)) nodeIndent = columnOf(k) + 1 + (text[k + 1] === ' ' ? 1 : 0);
        k++;
        continue;
      }
      if (tokenStart && (c === '&' || c === '!')) {
        while (k < n && !/[ \t\r\n]/.test(text[k] as string)) k++;
        continue;
      }
      if (tokenStart && (c === '"' || c === "'")) {
        const end = quoted(k, nodeIndent);
        if (end < 0) return undefined;
        k = end;
        tokenStart = false;
        continue;
      }
      if (tokenStart && (c === '[' || c === '{')) {
        const end = flow(k, nodeIndent);
        if (end < 0) return undefined;
        k = end;
        tokenStart = false;
        continue;
      }
      if (tokenStart && (c === '|' || c === '>')) {
        blockScalar = true;
        const nl = text.indexOf('\n', k);
        k = nl < 0 ? n : nl;
        break;
      }
      // A plain scalar (or the rest of a key): up to `: `, ` #` or the line end.
      tokenStart = false;
      while (k < n && text[k] !== '\n') {
        const d = text[k];
        if (d === ':' && /[ \t\r\n]/.test(text[k + 1] ?? '\n')) {
          tokenStart = true;
          k++;
          break;
        }
        if (d === '#' && /[ \t]/.test(text[k - 1] ?? '')) break;
        k++;
      }
    }
    i = k < n ? k + 1 : n;
    if (blockScalar) {
      // Its content: blank lines and lines indented past the header line's (at least what the block holds).
      while (i < n) {
        const ind = indentAt(i);
        const c = text[i + ind];
        if (!(c === '\n' || c === '\r' || c === undefined || ind > lineIndent)) break;
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      }
    }
  }
  if (pads.length === 0) return undefined;
  let out = '';
  let last = 0;
  let added = 0;
  const indented: number[] = [];
  for (const [at, count] of pads) {
    out += text.slice(last, at) + ' '.repeat(count);
    added += count;
    indented.push(at + added);
    last = at;
  }
  out += text.slice(last);
  return { text: out, indented };
}

/**
 * True when every offset in `indented` lies strictly inside a quoted scalar or
 * a flow collection of `doc` (as the library read the normalised text): the
 * spaces added there are then no part of any value.
 */
export function continuationsInside(doc: Document.Parsed, indented: readonly number[]): boolean {
  const ranges: [number, number][] = [];
  visit(doc, (_key, node) => {
    const n = node as Node | null;
    if (!n?.range) return;
    if (isCollection(n) && n.flow) ranges.push([n.range[0], n.range[1]]);
    else if (isScalar(n) && (n.type === 'QUOTE_SINGLE' || n.type === 'QUOTE_DOUBLE'))
      ranges.push([n.range[0], n.range[1]]);
  });
  return indented.every((at) => ranges.some(([a, b]) => a < at && at < b));
}
