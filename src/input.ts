/**
 * The input as eksfit sees it: the documents of every file (documents.ts),
 * which of them must be read at all, whether the input is a KRM call (one
 * ResourceList), and the Kubernetes objects it holds, each with where it sits
 * so that its changes can be written back as text.
 */
import { isMap, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import {
  checkSyntax,
  parseSegment,
  parseSlowly,
  positionOf,
  splitSegments,
  type DuplicateKey,
  type ParsedSegment,
  type Segment,
} from './documents.ts';
import { formatPosition, InputError } from './errors.ts';
import { fastValue } from './fastyaml.ts';
import { result, type Result, type Subject } from './results.ts';
import type { KindTable } from './kinds.ts';
import { isMapping, isObject, MAX_ALIAS_COUNT, stringMap } from './values.ts';
import { objectOf, objectOfText, type KObject } from './workload.ts';

/** One input file's text. */
export interface Source {
  readonly file: string;
  readonly text: string;
}

/** One document of the input; `parsed` is absent for one passed through as text. */
export interface InputDoc {
  readonly segment: Segment;
  readonly parsed?: ParsedSegment | undefined;
}

/** The object a document holds, for a result about the document as a whole (its file and index at least). */
function subjectOf(segment: Segment, doc: Document | undefined): Subject {
  const c = doc?.contents;
  const text = (k: string | string[]): string => {
    const v: unknown = isMap(c) ? (Array.isArray(k) ? c.getIn(k) : c.get(k)) : undefined;
    return typeof v === 'string' ? v : '';
  };
  const namespace = text(['metadata', 'namespace']);
  return {
    ref: {
      apiVersion: text('apiVersion'),
      kind: text('kind') || '(document)',
      name: text(['metadata', 'name']),
      ...(namespace ? { namespace } : {}),
    },
    file: { path: segment.file, index: segment.index },
  };
}

/** What Kubernetes reads in a document that eksfit warns about: its duplicated keys (the last one counts). */
function duplicateWarnings(parsed: ParsedSegment | undefined, segment: Segment): Result[] {
  const duplicates: readonly DuplicateKey[] = parsed?.duplicates ?? [];
  if (duplicates.length === 0) return [];
  const subject = subjectOf(segment, parsed?.doc);
  return duplicates.map((d) =>
    result(
      'warning',
      subject,
      `${formatPosition(d.position)}: duplicate key "${d.key}": Kubernetes reads this one and ignores the one${d.shadowed.length > 1 ? 's' : ''} at line ${d.shadowed.map((p) => p.line).join(', ')}`,
    ),
  );
}

/** A document that was read. */
export type ReadDoc = InputDoc & { readonly parsed: ParsedSegment };

/** The input, read. */
export interface Input {
  /** Every document of every file, in order. */
  readonly docs: readonly InputDoc[];
  /** Indexes into `docs` where a new file starts. */
  readonly firstOfFile: ReadonlySet<number>;
  /** The ResourceList of a KRM call; undefined for a plain stream. */
  readonly resourceList: ReadDoc | undefined;
  /** The Kubernetes objects (a List's and a ResourceList's items one by one). */
  readonly objects: readonly KObject[];
  /** The ResourceList's functionConfig as a plain value; undefined when there is none. */
  functionConfig(): unknown;
  /** Warnings about how the input reads (duplicated keys), in input order. */
  readonly warnings: readonly Result[];
}

/**
 * The data of the ConfigMaps of the input that were passed through as text
 * (input.ts does not read them: they are many and can be large), read only when
 * a Pod asks for one: the preset looks for gRPC Services named in a ConfigMap
 * a Pod mounts or takes `envFrom`. Objects without a namespace are in `namespace`.
 *
 * On the first question every such ConfigMap the fast reader reads is read,
 * in values mode, and indexed by namespace and name (its previous names too):
 * that costs about what finding names in their texts did, and then each
 * question is one lookup. A document the fast reader does not read (a tab in
 * a script, an anchor) would take the yaml library, much slower: it is read
 * only when its text holds the name asked for, found through an index of the
 * runs of name characters (`[A-Za-z0-9._-]`) in those texts (a name written
 * out as a YAML value is such a run, whole; a name with other characters is
 * looked for in every such text). Either way the first ConfigMap of that
 * namespace and name in input order is the one.
 */
export function unreadConfigMaps(
  input: Input,
  namespace: string,
): (ns: string, name: string) => Readonly<Record<string, string>> | undefined {
  // Made on the first question: most runs never ask.
  let named: Map<string, Record<string, unknown>[]> | undefined;
  const slow: InputDoc[] = [];
  let slowRuns: Map<string, InputDoc[]> | undefined;
  const order = new Map<InputDoc | Record<string, unknown>, number>();
  const slowValues = new Map<InputDoc, Record<string, unknown> | null>();
  const key = (ns: string, name: string): string => `${ns}\n${name}`;
  const nsOf = (md: Record<string, unknown>): string =>
    md.namespace === undefined || md.namespace === null ? namespace : String(md.namespace);
  const index = (): Map<string, Record<string, unknown>[]> => {
    const byName = new Map<string, Record<string, unknown>[]>();
    input.docs.forEach((d, at) => {
      if (d.parsed !== undefined || !/^kind:[ \t]*["']?ConfigMap\b/m.test(d.segment.text)) return;
      const fast = d.segment.text.includes('\n\uFEFF') ? undefined : fastValue(d.segment.text);
      if (!fast) {
        slow.push(d);
        order.set(d, at);
        return;
      }
      const value = fast.value;
      if (!isMapping(value) || value.kind !== 'ConfigMap') return;
      const md = isObject(value.metadata) ? value.metadata : {};
      order.set(value, at);
      for (const name of new Set([String(md.name), ...previousNames(md)])) {
        const list = byName.get(key(nsOf(md), name));
        if (list) list.push(value);
        else byName.set(key(nsOf(md), name), [value]);
      }
    });
    return byName;
  };
  const slowValue = (d: InputDoc): Record<string, unknown> | null => {
    let value = slowValues.get(d);
    if (value === undefined) {
      let v: unknown;
      try {
        // The fast reader did not read it (see index): straight to the library.
        v = parseSlowly(d.segment).doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
      } catch {
        v = undefined; // its syntax was checked; a value it cannot give (too many aliases) names nothing
      }
      value = isObject(v) ? v : null;
      slowValues.set(d, value);
    }
    return value;
  };
  const slowHolding = (name: string): readonly InputDoc[] => {
    if (slow.length === 0) return [];
    if (!NAME_CHARS.test(name)) return slow.filter((d) => d.segment.text.includes(name));
    slowRuns ??= runIndex(slow);
    return slowRuns.get(name) ?? [];
  };
  return (ns, name) => {
    named ??= index();
    let first: Record<string, unknown> | undefined = named.get(key(ns, name))?.[0];
    let at = first === undefined ? Infinity : (order.get(first) as number);
    for (const d of slowHolding(name)) {
      if ((order.get(d) as number) > at) break;
      const value = slowValue(d);
      if (!value) continue;
      const md = isObject(value.metadata) ? value.metadata : {};
      if (value.kind !== 'ConfigMap' || nsOf(md) !== ns) continue;
      if (String(md.name) === name || previousNames(md).includes(name)) {
        first = value;
        at = order.get(d) as number;
        break;
      }
    }
    return first === undefined ? undefined : stringMap(first.data);
  };
}

/** A name made only of the characters of Kubernetes names (and `_`, upper case). */
const NAME_CHARS = /^[A-Za-z0-9._-]+$/;

/** Each maximal run of name characters in the documents' texts, with the documents holding it, in input order. */
function runIndex(docs: readonly InputDoc[]): Map<string, InputDoc[]> {
  const index = new Map<string, InputDoc[]>();
  const run = /[A-Za-z0-9._-]+/g;
  for (const d of docs) {
    run.lastIndex = 0;
    for (let m = run.exec(d.segment.text); m; m = run.exec(d.segment.text)) {
      const list = index.get(m[0]);
      if (!list) index.set(m[0], [d]);
      else if (list[list.length - 1] !== d) list.push(d);
    }
  }
  return index;
}

/**
 * The names kustomize gave an object before its name transformers ran
 * (`internal.config.kubernetes.io/previousNames`): a legacy exec plugin sees
 * `namePrefix` applied to the ConfigMap, but not yet to the references to it.
 */
export function previousNames(metadata: Record<string, unknown>): string[] {
  const v = stringMap(metadata.annotations)['internal.config.kubernetes.io/previousNames'];
  return v === undefined ? [] : v.split(',').map((n) => n.trim());
}

/** Splits, reads and classifies the sources. Throws InputError. */
export function readInput(sources: readonly Source[], kinds: KindTable): Input {
  const docs: InputDoc[] = [];
  const warnings: Result[] = [];
  const firstOfFile = new Set<number>();
  // The objects of each document, taken as soon as it is read so that its tree can go
  // (a large stream's trees are most of the memory); a ResourceList's wait (a KRM call?).
  const perDoc: (KObject[] | undefined)[] = [];
  let real = 0;
  let resourceList = -1;
  for (const src of sources) {
    firstOfFile.add(docs.length);
    for (const segment of splitSegments(src.text, src.file)) {
      // Analyse only what must be looked at: a document whose top-level kind is
      // known and cannot matter (a ConfigMap, a Secret, a CRD...) passes through as
      // text, once its syntax is checked (malformed YAML is refused with its position).
      if (mustRead(segment.text, kinds)) {
        const parsed = parseSegment(segment);
        warnings.push(...duplicateWarnings(parsed, segment));
        const docIndex = docs.length;
        docs.push({ segment, parsed });
        if (parsed.fast === true || parsed.doc.contents !== null) real++;
        if (kindOf(parsed) === 'ResourceList') {
          resourceList = docIndex;
          perDoc.push(undefined);
        } else perDoc.push(objectsOf(parsed, docIndex));
      } else {
        warnings.push(...duplicateWarnings(checkSyntax(segment), segment));
        docs.push({ segment });
        perDoc.push([]);
      }
    }
  }
  // A ResourceList is a KRM call only when it is the one document of the input.
  const krm = sources.length === 1 && docs.every((d) => d.parsed !== undefined) && real === 1 && resourceList >= 0;
  if (krm) {
    const rl = docs[resourceList] as ReadDoc;
    return { docs, firstOfFile, resourceList: rl, warnings, ...itemsOf(rl, resourceList) };
  }
  const objects = perDoc.flatMap((list, docIndex) => list ?? objectsOf((docs[docIndex] as ReadDoc).parsed, docIndex));
  return { docs, firstOfFile, resourceList: undefined, objects, functionConfig: () => undefined, warnings };
}

/** The top-level `kind` of a document read (a string, as `String` makes it), or undefined when it is no mapping. */
function kindOf(parsed: ParsedSegment): string | undefined {
  if (parsed.fast === true) return isMapping(parsed.value) ? String(parsed.value.kind) : undefined;
  const contents = parsed.doc.contents;
  return isMap(contents) ? String(contents.get('kind')) : undefined;
}

/**
 * The objects of a document of a stream: the document, or a List's items. A
 * fast-read document gives its objects' plain values without a tree; their
 * nodes are looked up in its tree, read when asked, only if the document is edited.
 */
function objectsOf(parsed: ParsedSegment, docIndex: number): KObject[] {
  const origin = { file: parsed.segment.file, index: parsed.segment.index };
  const objects: KObject[] = [];
  if (parsed.fast === true) {
    const value = parsed.value;
    if (!isMapping(value)) return [];
    const items = value.items;
    if (Array.isArray(items) && String(value.kind ?? '').endsWith('List')) {
      items.forEach((item, i) => {
        if (isMapping(item)) objects.push(objectOfText(item, docIndex, ['items', i], origin, parsed));
      });
    } else objects.push(objectOfText(value, docIndex, [], origin, parsed));
    return objects;
  }
  const doc = parsed.doc;
  const contents = doc.contents as Node | null;
  if (!isMap(contents)) return [];
  const items = contents.get('items', true) as Node | undefined;
  const kind = String(contents.get('kind') ?? '');
  if (isSeq(items) && kind.endsWith('List')) {
    items.items.forEach((item, i) => {
      if (isMap(item)) objects.push(objectOf(doc, item, docIndex, ['items', i], origin));
    });
  } else objects.push(objectOf(doc, contents, docIndex, [], origin));
  return objects;
}

/** The items and the functionConfig of a ResourceList. */
function itemsOf(rlDoc: ReadDoc, docIndex: number): Pick<Input, 'objects' | 'functionConfig'> {
  const parsed = rlDoc.parsed;
  if (parsed.fast === true) {
    // Without its tree, unless an item is wrong: then the tree says where.
    const rl = parsed.value as Record<string, unknown>;
    const items = rl.items;
    if (items === undefined || items === null || (Array.isArray(items) && items.every(isMapping))) {
      const objects = (items ?? []).map((item, i) => objectOfText(item, docIndex, ['items', i], undefined, parsed));
      return { objects, functionConfig: () => structuredClone(rl.functionConfig) };
    }
  }
  const doc = parsed.doc;
  const rl = doc.contents as YAMLMap;
  const items = rl.get('items', true) as Node | undefined;
  if (items !== undefined && items !== null && !(isSeq(items) || isScalarNull(items))) {
    throw new InputError('ResourceList items must be a list', positionOf(rlDoc.segment, items.range?.[0] ?? 0));
  }
  const objects: KObject[] = [];
  if (isSeq(items)) {
    items.items.forEach((item, i) => {
      const node = item as Node;
      if (!isMap(node)) {
        const at = positionOf(rlDoc.segment, node?.range?.[0] ?? 0);
        throw new InputError(`ResourceList items[${i}] is not a mapping`, at);
      }
      objects.push(objectOf(doc, node, docIndex, ['items', i], undefined));
    });
  }
  const fc = rl.get('functionConfig', true) as Node | undefined;
  return { objects, functionConfig: () => fc?.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
}

const KIND_LINE = /^kind:[ \t]*(["']?)([A-Za-z0-9._-]+)\1[ \t]*(?:#.*)?\r?$/gm;

/** Kinds read besides the pod-bearing ones: Services (gRPC, remap), Namespaces (Istio), HPAs (quota checks). */
const READ_KINDS = new Set(['Service', 'Namespace', 'HorizontalPodAutoscaler']);

/**
 * False only when the document's top-level `kind:` line names a kind that can
 * neither be changed nor inform a change. Anything unclear (no such line, two
 * of them, flow or JSON style) is read.
 */
export function mustRead(text: string, kinds: KindTable): boolean {
  KIND_LINE.lastIndex = 0;
  const first = KIND_LINE.exec(text);
  if (!first) return true;
  if (KIND_LINE.exec(text)) return true;
  const kind = first[2] as string;
  return kinds.hasKind(kind) || READ_KINDS.has(kind) || kind.endsWith('List');
}

function isScalarNull(n: Node): boolean {
  return 'value' in n && (n as { value: unknown }).value === null;
}
