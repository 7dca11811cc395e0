/**
 * Streams of documents and how they are written. `renderStream` writes the
 * semantic trees as YAML text, choosing from a seed how each node is spelled:
 * block or flow style, plain, single- or double-quoted scalars, block
 * scalars, comments before entries and after values, indentation width,
 * indented or flush sequences, and around the documents `---` (with
 * comments), `...` end markers, empty and comment-only documents, a
 * byte-order mark and CRLF line ends. Shrinking a failing case shrinks the
 * tree and lowers `density` (0 = plain block style, no comments).
 *
 * Every comment the renderer writes carries a unique marker `# c<N>` so the
 * properties can check that none is lost; no generated scalar contains one.
 */
import fc from 'fast-check';
import { parse } from 'yaml';
import { EKS, k8sObject, list } from './k8s-objects.ts';
import { type SVal, anyScalar, seq } from './yaml-values.ts';

// ---------------------------------------------------------------------------
// Documents and streams

/** One document of a stream. */
export interface DocSpec {
  /** null: an empty or comment-only document. */
  readonly body: SVal | null;
  /** Write the `---` line (forced for every document after the first unless the previous ended with `...`). */
  readonly marker: boolean;
  /** End the document with a `...` line. */
  readonly end: boolean;
}

export const docSpec: fc.Arbitrary<DocSpec> = fc.record({
  body: fc.oneof(
    { weight: 12, arbitrary: k8sObject },
    { weight: 1, arbitrary: list },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(anyScalar, fc.array(anyScalar, { maxLength: 2 }).map(seq)) },
  ),
  marker: fc.boolean(),
  end: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

/** How a stream is written. */
export interface StreamStyle {
  /** Seed of every choice of spelling. */
  readonly seed: number;
  /** 0: block style, no comments; 4: comments and flow style almost everywhere. */
  readonly density: number;
  readonly unit: number;
  readonly indentSeq: boolean;
  readonly crlf: boolean;
  readonly bom: boolean;
  readonly finalNewline: boolean;
}

export const streamStyle: fc.Arbitrary<StreamStyle> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  density: fc.integer({ min: 0, max: 4 }),
  unit: fc.constantFrom(2, 2, 4, 3),
  indentSeq: fc.boolean(),
  crlf: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  bom: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  finalNewline: fc.integer({ min: 0, max: 5 }).map((n) => n !== 0),
});

/** A stream: documents plus how to write them. */
export interface StreamSpec {
  readonly docs: readonly DocSpec[];
  readonly style: StreamStyle;
}

export const streamSpec: fc.Arbitrary<StreamSpec> = fc.record({
  docs: fc.array(docSpec, { minLength: 1, maxLength: 6 }),
  style: streamStyle,
});

/** A generated stream, as the text eksfit reads. */
export const stream: fc.Arbitrary<string> = streamSpec.map(renderStream);

// ---------------------------------------------------------------------------
// Rendering

/** mulberry32: a small seeded PRNG, so a layout drawn from a seed is repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMENT_TEXT = [
  '',
  'note',
  'ünïcødé 注释 🚀',
  'key: value',
  '- not an item',
  '--- not a marker',
  '"quoted"',
  "it's",
  '#hash',
  `${EKS}ipvs-udp-timeout: "1s"`,
  '...',
];

/** Plain-scalar safety: `s` may be written plain and reads back as the same string. */
const plainCache = new Map<string, boolean>();
export function plainOk(s: string, flow: boolean): boolean {
  const key = `${flow ? 'f' : 'b'}${s}`;
  const hit = plainCache.get(key);
  if (hit !== undefined) return hit;
  let ok = s !== '' && s === s.trim() && !/[\n\r\t\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\u00a0\u200b]/.test(s);
  // (`--- x` and `... x` would end a document when a top-level scalar starts a line.)
  ok &&= !/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/: |:$| #/.test(s) && !/^\.\.\./.test(s);
  if (flow) ok &&= !/[,[\]{}]/.test(s) && !/:/.test(s);
  if (ok) {
    try {
      ok = (parse(`k: ${s}\n`, { version: '1.1' }) as { k?: unknown } | null)?.k === s;
    } catch {
      ok = false;
    }
  }
  plainCache.set(key, ok);
  return ok;
}

/** Writes YAML text for a stream spec. */
export function renderStream(spec: StreamSpec): string {
  const r = new Renderer(spec.style);
  const out: string[] = [];
  let prevEnded = false;
  spec.docs.forEach((doc, i) => {
    const needMarker = i > 0 && !prevEnded;
    if (r.chance(0.3)) out.push(...r.comments(0));
    if (doc.marker || needMarker || (doc.body === null && i > 0)) {
      if ((i === 0 || prevEnded) && r.chance(0.15)) out.push(r.pick(['%YAML 1.1', '%TAG !e! tag:example.com,2000:']));
      out.push(r.chance(0.4) ? `--- ${r.comment()}` : '---');
      if (r.chance(0.3)) out.push(`# Source: chart/templates/t${i}.yaml`);
    }
    if (doc.body !== null) out.push(...r.top(doc.body));
    else if (r.chance(0.5)) out.push(...r.comments(0, true));
    if (r.chance(0.2)) out.push(...r.comments(0));
    if (doc.end) {
      out.push(r.chance(0.3) ? `... ${r.comment()}` : '...');
      if (r.chance(0.3)) out.push(...r.comments(0, true));
    }
    prevEnded = doc.end;
  });
  const eol = spec.style.crlf ? '\r\n' : '\n';
  let text = out.join('\n') + (spec.style.finalNewline ? '\n' : '');
  if (spec.style.crlf) text = text.replace(/\n/g, eol);
  // The yaml library misreads a byte-order mark right before a top-level `- ` (a library bug, not eksfit's).
  return (spec.style.bom && !text.startsWith('-') ? '\uFEFF' : '') + text;
}

class Renderer {
  private readonly rnd: () => number;
  private n = 0;
  private readonly p: number;

  constructor(private readonly style: StreamStyle) {
    this.rnd = prng(style.seed);
    this.p = style.density / 4;
  }

  chance(x: number): boolean {
    return this.rnd() < x * this.p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }

  comment(): string {
    const t = this.pick(COMMENT_TEXT);
    return `# c${this.n++}${t ? ` ${t}` : ''}`;
  }

  /** Comment lines at `col` (or sometimes at column 0). */
  comments(col: number, force = false): string[] {
    const k = force ? 1 + Math.floor(this.rnd() * 2) : 1;
    const out: string[] = [];
    for (let i = 0; i < k; i++) out.push(`${' '.repeat(this.rnd() < 0.2 ? 0 : col)}${this.comment()}`);
    if (this.chance(0.2)) out.push('');
    return out;
  }

  /** A trailing comment (with its separating whitespace), or nothing. */
  trail(): string {
    if (!this.chance(0.25)) return '';
    return `${this.rnd() < 0.1 ? '\t' : ' '.repeat(1 + Math.floor(this.rnd() * 2))}${this.comment()}`;
  }

  /** A whole document body. */
  top(v: SVal): string[] {
    if (v.s === 'map' && v.entries.length > 0 && this.chance(0.05)) return this.json(v, 0);
    if (v.s === 'map' && v.entries.length > 0 && !this.chance(0.08)) return this.mapLines(v, 0);
    if (v.s === 'seq' && v.items.length > 0 && !this.chance(0.1)) return this.seqLines(v, 0);
    return [this.flow(v)];
  }

  scalar(v: SVal, flow: boolean): string {
    switch (v.s) {
      case 'str': {
        const x = this.rnd();
        if (x < 0.6 && plainOk(v.v, flow)) return v.v;
        if (x < 0.8 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(v.v))
          return `'${v.v.replace(/'/g, "''")}'`;
        return JSON.stringify(v.v);
      }
      case 'raw':
        return flow && /[,[\]{}:]/.test(v.src) ? JSON.stringify(v.src) : v.src;
      case 'num':
        return v.src;
      case 'bool':
        return this.pick(v.v ? ['true', 'True'] : ['false', 'FALSE']);
      case 'null':
        return this.pick(['null', '~', 'Null']);
      case 'text':
        return JSON.stringify(textValue(v));
      default:
        throw new Error('not a scalar');
    }
  }

  /** A value in flow style, on one line. */
  flow(v: SVal): string {
    if (v.s === 'anchor') return `&${v.name} ${this.flow(v.v)}`;
    if (v.s === 'alias') return `*${v.name}`;
    if (v.s === 'map') return `{${v.entries.map(([k, x]) => `${this.key(k, true)}: ${this.flow(x)}`).join(', ')}}`;
    if (v.s === 'seq') return `[${v.items.map((x) => this.flow(x)).join(', ')}]`;
    return this.scalar(v, true);
  }

  /** A document as pretty-printed JSON-like flow text (what kubectl -o json gives). */
  json(v: SVal, col: number): string[] {
    const pad = ' '.repeat(col + 2);
    if (v.s === 'map' && v.entries.length > 0) {
      const lines = [`${' '.repeat(col)}{`];
      v.entries.forEach(([k, x], i) => {
        const sub = this.json(x, col + 2);
        sub[0] = `${pad}${JSON.stringify(k)}: ${(sub[0] as string).trimStart()}`;
        if (i < v.entries.length - 1) sub[sub.length - 1] += ',';
        lines.push(...sub);
      });
      lines.push(`${' '.repeat(col)}}`);
      return lines;
    }
    if (v.s === 'seq' && v.items.length > 0) {
      const lines = [`${' '.repeat(col)}[`];
      v.items.forEach((x, i) => {
        const sub = this.json(x, col + 2);
        if (i < v.items.length - 1) sub[sub.length - 1] += ',';
        lines.push(...sub);
      });
      lines.push(`${' '.repeat(col)}]`);
      return lines;
    }
    const s = v.s === 'str' ? JSON.stringify(v.v) : this.flow(v);
    return [`${' '.repeat(col)}${s}`];
  }

  key(k: string, flow: boolean): string {
    return plainOk(k, flow) && !this.chance(0.1) ? k : JSON.stringify(k);
  }

  private isBlockCollection(v: SVal): boolean {
    return (v.s === 'map' && v.entries.length > 0) || (v.s === 'seq' && v.items.length > 0);
  }

  /** Lines of a block mapping at column `col`. */
  mapLines(v: Extract<SVal, { s: 'map' }>, col: number): string[] {
    const pad = ' '.repeat(col);
    const out: string[] = [];
    for (const [k, x] of v.entries) {
      if (this.chance(0.15)) out.push(...this.comments(col));
      const key = `${pad}${this.key(k, false)}:`;
      out.push(...this.valueAfter(key, x, col));
    }
    return out;
  }

  /** `prefix` (a `key:` or `-`) followed by a value whose parent sits at `col`. */
  private valueAfter(prefix: string, x: SVal, col: number): string[] {
    if (x.s === 'anchor') {
      if (!this.isBlockCollection(x.v)) return [`${prefix} ${this.flow(x)}${this.trail()}`];
      const lines = this.valueAfter(`${prefix} &${x.name}`, x.v, col);
      return lines;
    }
    if (x.s === 'text') {
      if (this.chance(0.1)) return [`${prefix} ${JSON.stringify(textValue(x))}${this.trail()}`];
      const inner = ' '.repeat(col + this.style.unit);
      return [`${prefix} ${x.header}${this.trail()}`, ...x.lines.map((l) => (l === '' ? '' : inner + l))];
    }
    if (this.isBlockCollection(x) && !this.chance(0.12)) {
      const head = `${prefix}${this.trail()}`;
      const between = this.chance(0.1) ? this.comments(col + this.style.unit) : [];
      if (x.s === 'map') return [head, ...between, ...this.mapLines(x, col + this.style.unit)];
      const seqCol = this.style.indentSeq || prefix.trimStart().startsWith('-') ? col + this.style.unit : col;
      return [head, ...between, ...this.seqLines(x as Extract<SVal, { s: 'seq' }>, seqCol)];
    }
    if (x.s === 'null' && this.rnd() < 0.3) return [`${prefix}${this.trail()}`];
    return [`${prefix} ${this.flow(x)}${this.trail()}`];
  }

  /** Lines of a block sequence whose dashes sit at column `col`. */
  seqLines(v: Extract<SVal, { s: 'seq' }>, col: number): string[] {
    const pad = ' '.repeat(col);
    const out: string[] = [];
    for (const x of v.items) {
      if (this.chance(0.15)) out.push(...this.comments(col));
      if (x.s === 'map' && x.entries.length > 0 && !this.chance(0.1)) {
        // Compact form: the first entry on the dash line.
        const lines = this.mapLines(x, col + 2);
        const first = lines.findIndex((l) => !/^\s*(#|$)/.test(l));
        out.push(...lines.slice(0, first));
        out.push(`${pad}- ${(lines[first] as string).slice(col + 2)}`, ...lines.slice(first + 1));
      } else if (x.s === 'seq' && x.items.length > 0 && !this.chance(0.3)) {
        const lines = this.seqLines(x, col + 2);
        const first = lines.findIndex((l) => !/^\s*(#|$)/.test(l));
        out.push(...lines.slice(0, first));
        out.push(`${pad}- ${(lines[first] as string).slice(col + 2)}`, ...lines.slice(first + 1));
      } else {
        out.push(...this.valueAfter(`${pad}-`, x, col));
      }
    }
    return out;
  }
}

/** The string a block scalar spec stands for (used when it is written quoted instead). */
export function textValue(v: Extract<SVal, { s: 'text' }>): string {
  return v.lines.join('\n') + '\n';
}
