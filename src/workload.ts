/**
 * Objects in the input: their identity, and for pod-bearing kinds a view of the
 * Pod template (labels, annotations, containers, ports) read from a plain
 * snapshot, with the YAML nodes kept for editing.
 */
import { type Document, isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import type { KindTable, WorkloadKind } from './kinds.ts';
import type { ResourceRef, Subject } from './results.ts';
import { isMapping, isObject, MAX_ALIAS_COUNT, str, stringMap } from './values.ts';

/** Annotations hosts use to say where an object came from. */
const PATH_KEYS = ['internal.config.kubernetes.io/path', 'config.kubernetes.io/path'];
const INDEX_KEYS = ['internal.config.kubernetes.io/index', 'config.kubernetes.io/index'];
export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

/** One Kubernetes object of the input. */
export interface KObject {
  /** The document it lives in (a stream document, a List or a ResourceList). */
  readonly docIndex: number;
  /** Path of the object within its document: [] or ['items', i]. */
  readonly path: readonly (string | number)[];
  /**
   * The mapping node, for editing; undefined for an object that comes from no
   * text (`objectOfValue`). For a document the fast reader read (`plainText`)
   * it is looked up when asked, in a tree that may be read again (documents.ts,
   * `releaseTree`): ask for it only to edit.
   */
  readonly node?: YAMLMap;
  /**
   * True when the fast reader read its text: no alias, anchor or tag, so the
   * plain value has the very shape of the text (a mapping is a mapping in both).
   */
  readonly plainText?: boolean;
  /** Plain snapshot of the object (aliases expanded, bounded). */
  readonly value: Record<string, unknown>;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace, or undefined when absent. */
  readonly namespace: string | undefined;
  readonly subject: Subject;
  readonly localConfig: boolean;
}

/** A container of the Pod template, with where it sits. */
export interface ContainerView {
  readonly list: 'containers' | 'initContainers';
  readonly index: number;
  readonly name: string;
  readonly value: Record<string, unknown>;
}

/** A pod-bearing object. */
export interface Workload {
  readonly obj: KObject;
  readonly row: WorkloadKind;
  readonly templateValue: Record<string, unknown>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containers: readonly ContainerView[];
}

/** Builds the KObject view of a mapping node the yaml library read. */
export function objectOf(
  doc: Document,
  node: YAMLMap,
  docIndex: number,
  path: readonly (string | number)[],
  origin: { file: string; index: number } | undefined,
): KObject {
  const value = node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  return { docIndex, path, node, ...identityOf(value, origin) };
}

/**
 * Builds the KObject of a mapping the fast reader read, from its plain value;
 * its node is looked up, when asked for, in the document's tree (`tree.doc`,
 * read when asked: ask only to edit).
 */
export function objectOfText(
  value: Record<string, unknown>,
  docIndex: number,
  path: readonly (string | number)[],
  origin: { file: string; index: number } | undefined,
  tree: { readonly doc: Document },
): KObject {
  const obj: KObject = { docIndex, path, plainText: true, ...identityOf(value, origin) };
  // Not enumerable: a copy of the object must not read the tree again.
  Object.defineProperty(obj, 'node', { get: () => mappingAt(tree.doc, path), enumerable: false });
  return obj;
}

/** The mapping at `path` ([] or ['items', i]) of a document read again. */
function mappingAt(doc: Document, path: readonly (string | number)[]): YAMLMap {
  const node = doc.contents === null ? undefined : nodeAt(doc.contents, path);
  if (!isMap(node))
    throw new Error(`internal: no mapping at ${path.join('.') || 'the top'} of the document read again`);
  return node;
}

/**
 * Whether the yaml library read the object's text: then its node is at hand,
 * its text's shape can differ from its value's (aliases, tags), and its value
 * may hold one object in two places. Asks a fast-read object for nothing
 * (its node may mean reading its text again).
 */
export function readByLibrary(obj: KObject): boolean {
  return obj.plainText !== true && obj.node !== undefined;
}

/**
 * The KObject of a plain object that comes from no text (one Pod an admission
 * webhook is asked about): planning works on it like on any other object, and
 * its planned changes apply to the plain value with `editValue` (changes.ts).
 * It has no node, so render.ts cannot edit it as text. The value is used as
 * given, not copied, and must be a tree (no object in it twice, as JSON.parse
 * makes it): planning only reads it, and the planned value shares its
 * unchanged parts (plan.ts, `plannedValues`).
 */
export function objectOfValue(value: Record<string, unknown>, origin?: { file: string; index: number }): KObject {
  return { docIndex: 0, path: [], ...identityOf(value, origin) };
}

/** What a KObject says of its plain value: identity, subject, local-config. */
function identityOf(
  value: Record<string, unknown>,
  origin: { file: string; index: number } | undefined,
): Omit<KObject, 'docIndex' | 'path' | 'node'> {
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  const apiVersion = str(value.apiVersion);
  const kind = str(value.kind);
  const name = str(metadata.name);
  const namespace =
    metadata.namespace === undefined || metadata.namespace === null ? undefined : str(metadata.namespace);
  const ref: ResourceRef = { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
  const annPath = PATH_KEYS.map((k) => annotations[k]).find((v): v is string => typeof v === 'string');
  const annIndex = INDEX_KEYS.map((k) => annotations[k]).find((v) => v !== undefined);
  const file =
    annPath !== undefined
      ? {
          path: annPath,
          ...(annIndex !== undefined && /^\d+$/.test(String(annIndex)) ? { index: Number(annIndex) } : {}),
        }
      : origin && origin.file !== '<stdin>'
        ? { path: origin.file, index: origin.index }
        : undefined;
  return {
    value,
    apiVersion,
    kind,
    name,
    namespace,
    subject: { ref, ...(file ? { file } : {}) },
    localConfig: String(annotations[LOCAL_CONFIG]) === 'true',
  };
}

/** Outcome of looking for a Pod template. */
export type TemplateLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly path: string }
  | { readonly kind: 'ok'; readonly workload: Workload };

/**
 * The workload view of an object, if its kind bears a Pod template. The
 * template must be a mapping in the text too (not an alias of one), where the
 * object has text: that is where its edits go.
 */
export function workloadOf(obj: KObject, kinds: KindTable): TemplateLookup {
  const row = kinds.lookup(obj.apiVersion, obj.kind);
  if (!row) return { kind: 'none' };
  // The text's shape is checked only where it can differ from the value's (aliases, tags):
  // a fast-read object has the shape of its value, and its tree may have been let go.
  const text = readByLibrary(obj);
  let node: Node | null | undefined = text ? obj.node : undefined;
  let value: unknown = obj.value;
  for (const key of row.templatePath) {
    // A mapping's value, not any object: a timestamp scalar reads as a Date.
    if (text ? !isMap(node) : !isMapping(value)) return { kind: 'invalid', path: row.templatePath.join('.') };
    node = text && isMap(node) ? node.get(key, true) : undefined;
    value = isObject(value) ? value[key] : undefined;
    if (text ? node === undefined || node === null : value === undefined) return { kind: 'missing' };
  }
  if ((text && !isMap(node)) || !isMapping(value))
    return { kind: 'invalid', path: row.templatePath.join('.') || '(object)' };
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const spec = isObject(value.spec) ? value.spec : {};
  const containers: ContainerView[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const arr = spec[list];
    if (!Array.isArray(arr)) continue;
    arr.forEach((c, index) => {
      if (isObject(c)) containers.push({ list, index, name: str(c.name), value: c });
    });
  }
  return {
    kind: 'ok',
    workload: {
      obj,
      row,
      templateValue: value,
      labels: stringMap(metadata.labels),
      annotations: stringMap(metadata.annotations),
      containers,
    },
  };
}

/** The node at a path of keys and indices below `root`, or undefined. */
export function nodeAt(root: Node, path: readonly (string | number)[]): Node | undefined {
  let node: Node | undefined = root;
  for (const part of path) {
    if (typeof part === 'number') {
      if (!isSeq(node)) return undefined;
      node = node.items[part] as Node | undefined;
    } else {
      if (!isMap(node)) return undefined;
      node = node.get(part, true);
    }
    if (node === undefined || node === null) return undefined;
  }
  return node;
}
