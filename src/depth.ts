/**
 * A fast nesting-depth pre-check, run before the yaml library builds anything:
 * one pass over the text, no allocation, so that `[[[[...` a megabyte long is
 * refused in the time it takes to read it (the library would first build,
 * recursively, a structure hundreds of megabytes large).
 *
 * It counts what certainly nests: flow collections (`[` and `{`, outside
 * quoted scalars, comments, block scalars and plain scalars) and runs of block
 * sequence entries on one line (`- - - x`). Each is one level, so a count past
 * the limit is a document nested past it. What it does not see (indentation)
 * the full check after parsing still catches.
 */

const SPACE = 32;
const TAB = 9;
const CR = 13;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * The offset at which `text` nests deeper than `limit` levels by the count
 * above, or -1 when it does not.
 */
export function excessiveNesting(text: string, limit: number): number {
  const n = text.length;
  let flow = 0;
  /** The open quote (a char code), or 0. */
  let quote = 0;
  /** While skipping a block scalar's lines: the indentation of the line that opened it; else -1. */
  let blockIndent = -1;
  let i = 0;
  while (i < n) {
    // One line: [i, end).
    let end = text.indexOf('\n', i);
    if (end < 0) end = n;
    let p = i;
    while (p < end && text.charCodeAt(p) === SPACE) p++;
    const indent = p - i;
    if (blockIndent >= 0) {
      let q = p;
      while (q < end && (isBlank(text.charCodeAt(q)) || text.charCodeAt(q) === CR)) q++;
      if (q === end || indent > blockIndent) {
        i = end + 1;
        continue;
      }
      blockIndent = -1;
    }
    if (quote === 0 && flow === 0 && indent === 0 && /^(---|\.\.\.)(?=[ \t\r]|$)/.test(text.slice(p, p + 4))) {
      // A document marker: whatever was open is closed.
      p += 3;
    }
    // At a value's start in block context?
    let valueStart = quote === 0 && flow === 0;
    if (valueStart) {
      // `- - - x`: one block sequence per dash.
      let dashes = 0;
      while (p < end && text.charCodeAt(p) === 45 /* - */ && (p + 1 === end || isBlank(text.charCodeAt(p + 1)))) {
        dashes++;
        p++;
        while (p < end && isBlank(text.charCodeAt(p))) p++;
      }
      if (dashes > limit) return p;
    }
    while (p < end) {
      const c = text.charCodeAt(p);
      if (quote !== 0) {
        if (c === 92 /* \ */ && quote === 34) p += 2;
        else if (c === quote) {
          if (quote === 39 && text.charCodeAt(p + 1) === 39) p += 2;
          else {
            quote = 0;
            p++;
          }
        } else p++;
        continue;
      }
      if (isBlank(c) || c === CR) {
        p++;
        continue;
      }
      if (c === 35 /* # */ && (p === i || isBlank(text.charCodeAt(p - 1)))) break;
      if (flow > 0) {
        if (c === 91 || c === 123) {
          if (++flow > limit) return p;
        } else if (c === 93 || c === 125) flow--;
        else if ((c === 34 || c === 39) && isTokenStart(text, p, i)) quote = c;
        p++;
        continue;
      }
      // Block context.
      if (valueStart) {
        if (c === 91 || c === 123) {
          flow = 1;
          if (flow > limit) return p;
          p++;
          continue;
        }
        if (c === 34 || c === 39) {
          quote = c;
          p++;
          continue;
        }
        if (c === 124 || c === 62 /* | > */) {
          blockIndent = indent;
          break;
        }
        if (c === 38 || c === 33 || c === 42 /* & ! * */) {
          while (p < end && !isBlank(text.charCodeAt(p))) p++;
          continue;
        }
        if ((c === 63 || c === 58) /* ? : */ && (p + 1 === end || isBlank(text.charCodeAt(p + 1)))) {
          p++;
          continue;
        }
        if (c === 45 && (p + 1 === end || isBlank(text.charCodeAt(p + 1)))) {
          p++;
          continue;
        }
      }
      // A plain scalar (or the rest of one): up to `: ` (a value follows), ` #` or the line's end.
      valueStart = false;
      while (p < end) {
        const d = text.charCodeAt(p);
        if (d === 58 && (p + 1 === end || isBlank(text.charCodeAt(p + 1)) || text.charCodeAt(p + 1) === CR)) {
          valueStart = true;
          p++;
          break;
        }
        if (d === 35 && isBlank(text.charCodeAt(p - 1))) {
          p = end;
          break;
        }
        p++;
      }
    }
    i = end + 1;
  }
  return -1;
}

/** In flow context: does a quote at `p` open a quoted scalar (rather than sit inside a plain one)? */
function isTokenStart(text: string, p: number, lineStart: number): boolean {
  for (let q = p - 1; q >= lineStart; q--) {
    const c = text.charCodeAt(q);
    if (isBlank(c)) continue;
    return c === 91 || c === 123 || c === 44 || c === 58 || c === 63; // [ { , : ?
  }
  return true;
}
