/**
 * A unified diff of two texts, line by line, for `--diff`. Colour only when
 * asked (a terminal). Memory stays linear in the input: the common beginning
 * and end are set aside, lines that occur exactly once on both sides anchor
 * the rest (patience diff; eksfit's edits leave most lines, and every object's
 * name, alone), and only the small stretches between anchors go to Myers'
 * O(ND) algorithm, whose trace is bounded: past MYERS_MAX_D edits a stretch is
 * shown as removed and added whole (a correct diff, if not the shortest).
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
  const lines: string[] = [];
  let at = 0;
  while (at < s.length) {
    const nl = s.indexOf('\n', at);
    const end = nl < 0 ? s.length : nl + 1;
    lines.push(s.slice(at, end));
    at = end;
  }
  return lines;
}

/** Past this many edits in one stretch between anchors, Myers' search gives up (its trace grows with the square). */
export const MYERS_MAX_D = 2000;

/** The edit script from x to y. */
export function diffLines(x: readonly string[], y: readonly string[]): Op[] {
  // Lines become numbers once: every comparison and count below is on integers.
  const ids = new Map<string, number>();
  const intern = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] as string;
      let id = ids.get(l);
      if (id === undefined) ids.set(l, (id = ids.size));
      out[i] = id;
    }
    return out;
  };
  const X = intern(x);
  const Y = intern(y);
  const ctx: Ctx = {
    x,
    y,
    X,
    Y,
    // Per line id: occurrences and the last position in the range at hand (reset after use).
    countX: new Int32Array(ids.size),
    posX: new Int32Array(ids.size),
    countY: new Int32Array(ids.size),
    posY: new Int32Array(ids.size),
    ops: [],
  };
  diffRange(ctx, 0, x.length, 0, y.length, 0);
  return ctx.ops;
}

interface Ctx {
  readonly x: readonly string[];
  readonly y: readonly string[];
  readonly X: Int32Array;
  readonly Y: Int32Array;
  readonly countX: Int32Array;
  readonly posX: Int32Array;
  readonly countY: Int32Array;
  readonly posY: Int32Array;
  readonly ops: Op[];
}

/** Appends the edit script of x[a0, a1) to y[b0, b1). */
function diffRange(c: Ctx, a0: number, a1: number, b0: number, b1: number, depth: number): void {
  const { X, Y, ops } = c;
  while (a0 < a1 && b0 < b1 && X[a0] === Y[b0]) {
    ops.push({ t: '=', text: c.x[a0] as string, ai: a0, bi: b0 });
    a0++;
    b0++;
  }
  let same = 0;
  while (a1 - same > a0 && b1 - same > b0 && X[a1 - same - 1] === Y[b1 - same - 1]) same++;
  const ea = a1 - same;
  const eb = b1 - same;
  if (a0 === ea || b0 === eb) replaceAll(c, a0, ea, b0, eb);
  else {
    const anchors = depth < 32 ? uniqueAnchors(c, a0, ea, b0, eb) : [];
    if (anchors.length === 0) {
      if (!myers(c, a0, ea, b0, eb)) replaceAll(c, a0, ea, b0, eb);
    } else {
      let pa = a0;
      let pb = b0;
      for (let n = 0; n < anchors.length; n += 2) {
        const ai = anchors[n] as number;
        const bi = anchors[n + 1] as number;
        diffRange(c, pa, ai, pb, bi, depth + 1);
        ops.push({ t: '=', text: c.x[ai] as string, ai, bi });
        pa = ai + 1;
        pb = bi + 1;
      }
      diffRange(c, pa, ea, pb, eb, depth + 1);
    }
  }
  for (let i = 0; i < same; i++) ops.push({ t: '=', text: c.x[ea + i] as string, ai: ea + i, bi: eb + i });
}

function replaceAll(c: Ctx, a0: number, a1: number, b0: number, b1: number): void {
  for (let i = a0; i < a1; i++) c.ops.push({ t: '-', text: c.x[i] as string, ai: i, bi: b0 });
  for (let j = b0; j < b1; j++) c.ops.push({ t: '+', text: c.y[j] as string, ai: a1, bi: j });
}

/**
 * Pairs (i, j), flattened, with x[i] === y[j] a line that occurs once in each
 * range: the longest run of them in the same order on both sides (patience sorting).
 */
function uniqueAnchors(c: Ctx, a0: number, a1: number, b0: number, b1: number): number[] {
  const { X, Y, countX, posX, countY, posY } = c;
  for (let i = a0; i < a1; i++) {
    const id = X[i] as number;
    countX[id] = (countX[id] as number) + 1;
    posX[id] = i;
  }
  for (let j = b0; j < b1; j++) {
    const id = Y[j] as number;
    countY[id] = (countY[id] as number) + 1;
    posY[id] = j;
  }
  // In order of j: the i of each line unique on both sides.
  const is: number[] = [];
  const js: number[] = [];
  for (let j = b0; j < b1; j++) {
    const id = Y[j] as number;
    if (countY[id] === 1 && countX[id] === 1) {
      is.push(posX[id] as number);
      js.push(j);
    }
  }
  for (let i = a0; i < a1; i++) countX[X[i] as number] = 0;
  for (let j = b0; j < b1; j++) countY[Y[j] as number] = 0;
  if (is.length === 0) return [];
  // Longest increasing subsequence of i: tails and back links.
  const tails: number[] = [];
  const back = new Int32Array(is.length);
  for (let p = 0; p < is.length; p++) {
    const i = is[p] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((is[tails[mid] as number] as number) < i) lo = mid + 1;
      else hi = mid;
    }
    back[p] = lo > 0 ? (tails[lo - 1] as number) : -1;
    tails[lo] = p;
  }
  const out: number[] = [];
  for (let p = tails[tails.length - 1] as number; p >= 0; p = back[p] as number)
    out.push(js[p] as number, is[p] as number);
  return out.reverse();
}

/**
 * Myers' shortest edit script of x[a0, a1) to y[b0, b1), appended to `ops`;
 * false (and nothing appended) past MYERS_MAX_D edits.
 */
function myers(c: Ctx, a0: number, a1: number, b0: number, b1: number): boolean {
  const { x, y, X, Y, ops } = c;
  const n = a1 - a0;
  const m = b1 - b0;
  const dmax = Math.min(n + m, MYERS_MAX_D);
  const off = dmax + 1;
  const v = new Int32Array(2 * dmax + 3);
  // trace[d]: v after round d, for k in [-d, d] (index k + d).
  const trace: Int32Array[] = [];
  let end = -1;
  for (let d = 0; d <= dmax && end < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      let px =
        k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number))
          ? (v[off + k + 1] as number)
          : (v[off + k - 1] as number) + 1;
      let py = px - k;
      while (px < n && py < m && X[a0 + px] === Y[b0 + py]) {
        px++;
        py++;
      }
      v[off + k] = px;
      if (px >= n && py >= m) {
        end = d;
        break;
      }
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  if (end < 0) return false;
  const rev: Op[] = [];
  let px = n;
  let py = m;
  for (let d = end; d > 0; d--) {
    const prev = trace[d - 1] as Int32Array;
    const get = (k: number): number => prev[k + d - 1] as number;
    const k = px - py;
    const down = k === -d || (k !== d && get(k - 1) < get(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = get(prevK);
    const prevY = prevX - prevK;
    const startX = down ? prevX : prevX + 1;
    const startY = down ? prevY + 1 : prevY;
    while (px > startX && py > startY) {
      px--;
      py--;
      rev.push({ t: '=', text: x[a0 + px] as string, ai: a0 + px, bi: b0 + py });
    }
    if (down) {
      py--;
      rev.push({ t: '+', text: y[b0 + py] as string, ai: a0 + px, bi: b0 + py });
    } else {
      px--;
      rev.push({ t: '-', text: x[a0 + px] as string, ai: a0 + px, bi: b0 + py });
    }
  }
  while (px > 0 && py > 0) {
    px--;
    py--;
    rev.push({ t: '=', text: x[a0 + px] as string, ai: a0 + px, bi: b0 + py });
  }
  for (let i = rev.length - 1; i >= 0; i--) ops.push(rev[i] as Op);
  return true;
}
