/**
 * A unified diff of two texts, line by line (Myers' O(ND) algorithm), for
 * `--diff`. Colour only when asked (a terminal).
 */

/** The unified diff of `a` and `b`, empty when they are equal. */
export function unifiedDiff(
  a: string,
  b: string,
  opts: { from: string; to: string; colour?: boolean; context?: number },
): string {
  if (a === b) return '';
  const x = splitLines(a);
  const y = splitLines(b);
  const ops = diffLines(x, y);
  const ctx = opts.context ?? 3;
  const c = opts.colour
    ? {
        del: (s: string) => `\x1b[31m${s}\x1b[0m`,
        add: (s: string) => `\x1b[32m${s}\x1b[0m`,
        hunk: (s: string) => `\x1b[36m${s}\x1b[0m`,
      }
    : { del: (s: string) => s, add: (s: string) => s, hunk: (s: string) => s };
  const out: string[] = [`--- ${opts.from}`, `+++ ${opts.to}`];
  let i = 0;
  while (i < ops.length) {
    if ((ops[i] as Op).t === '=') {
      i++;
      continue;
    }
    // A hunk: from ctx lines before the change to ctx lines after the last nearby change.
    let start = i;
    while (start > 0 && i - start < ctx && (ops[start - 1] as Op).t === '=') start--;
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if ((ops[end] as Op).t !== '=') lastChange = end;
      else if (end - lastChange > 2 * ctx) break;
      end++;
    }
    end = Math.min(ops.length, lastChange + ctx + 1);
    const hunk = ops.slice(start, end);
    const first = hunk[0] as Op;
    const aLen = hunk.filter((o) => o.t !== '+').length;
    const bLen = hunk.filter((o) => o.t !== '-').length;
    out.push(c.hunk(`@@ -${first.ai + (aLen ? 1 : 0)},${aLen} +${first.bi + (bLen ? 1 : 0)},${bLen} @@`));
    for (const o of hunk) {
      const line = o.text.replace(/\r?\n$/, '');
      out.push(o.t === '-' ? c.del(`-${line}`) : o.t === '+' ? c.add(`+${line}`) : ` ${line}`);
    }
    i = end;
  }
  return out.join('\n') + '\n';
}

interface Op {
  readonly t: '=' | '-' | '+';
  readonly text: string;
  /** Lines of a and b before this op. */
  readonly ai: number;
  readonly bi: number;
}

function splitLines(s: string): string[] {
  const lines = s.split(/(?<=\n)/);
  return lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
}

/** The edit script from x to y (Myers). */
export function diffLines(x: readonly string[], y: readonly string[]): Op[] {
  const n = x.length;
  const m = y.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && (v[max + k - 1] as number) < (v[max + k + 1] as number)))
        px = v[max + k + 1] as number;
      else px = (v[max + k - 1] as number) + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      v[max + k] = px;
      if (px >= n && py >= m) {
        found = true;
        break;
      }
    }
  }
  trace.push(v.slice());
  // Backtrack.
  const ops: Op[] = [];
  let px = n;
  let py = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    const vv = trace[d] as Int32Array;
    const k = px - py;
    let prevK: number;
    if (k === -d || (k !== d && (vv[max + k - 1] as number) < (vv[max + k + 1] as number))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : (vv[max + prevK] as number);
    const prevY = prevX - prevK;
    while (px > prevX && py > prevY) {
      px--;
      py--;
      ops.push({ t: '=', text: x[px] as string, ai: px, bi: py });
    }
    if (d > 0) {
      if (px === prevX) {
        py--;
        ops.push({ t: '+', text: y[py] as string, ai: px, bi: py });
      } else {
        px--;
        ops.push({ t: '-', text: x[px] as string, ai: px, bi: py });
      }
    }
  }
  while (px > 0 && py > 0) {
    px--;
    py--;
    ops.push({ t: '=', text: x[px] as string, ai: px, bi: py });
  }
  return ops.reverse();
}
