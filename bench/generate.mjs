// Deterministic Kubernetes manifest streams for the benchmark.
//
//   node bench/generate.mjs 800 [SEED] > stream.yaml
//
// Helm-like output: every document starts with a `# Source:` comment and is
// separated by `---`. Per 10 documents: 3 ConfigMaps, 3 Deployments,
// 3 Services, 1 CronJob. Deployments mostly expose containerPort 9100 with
// httpGet/tcpSocket probes; some serve gRPC (port 50051, named grpc; these also export
// OpenTelemetry over gRPC, so the preset sees gRPC clients) and some
// carry the istio sidecar label. ConfigMaps hold block scalars (|, |-, >-)
// with comments, including an embedded YAML file whose indented `---` lines
// must not be taken for document separators. No Math.random: a seeded PRNG
// makes the same bytes for the same (count, seed) on every machine.

import { pathToFileURL } from 'node:url';

/** mulberry32: tiny, fast, good enough for picking among templates. */
export function prng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = ['payments', 'search', 'identity', 'catalog', 'billing', 'ledger', 'notify', 'media'];
const WORDS = [
  'api',
  'worker',
  'gateway',
  'indexer',
  'auth',
  'cart',
  'orders',
  'profile',
  'feed',
  'ingest',
  'render',
  'quota',
];
const IMAGES = ['registry.example.com', 'ghcr.example.org', 'mirror.internal:5000'];
const CPU = ['50m', '100m', '250m', '500m'];
const MEM = ['64Mi', '128Mi', '256Mi', '512Mi'];
const SCHEDULES = ['*/15 * * * *', '0 3 * * *', '30 */6 * * *', '0 0 * * 0'];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function hex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

/** The facts about one application that its Deployment, Service and ConfigMap share. */
function app(r, index) {
  const team = TEAMS[index % TEAMS.length];
  const name = `${team}-${pick(r, WORDS)}-${index}`;
  return {
    name,
    team,
    ns: `team-${team}`,
    release: `${team}-${Math.floor(index / 3)}`,
    chart: `${team}-service`,
    version: `1.${Math.floor(r() * 20)}.${Math.floor(r() * 10)}`,
    registry: pick(r, IMAGES),
    metrics9100: r() < 0.7, // node-exporter style metrics port, the one eksfit must move away from
    grpc: r() < 0.25,
    istio: r() < 0.3,
    replicas: 1 + Math.floor(r() * 4),
    cpu: pick(r, CPU),
    mem: pick(r, MEM),
    checksum: hex(r, 64),
    // the pod label `app` of the one-rule policy (bench/policy-app.yaml, bench/app.yq): every
    // other application, by index so that the PRNG sequence (and every other byte) is unchanged
    appLabel: index % 2 === 0,
  };
}

function labels(a, indent) {
  const p = ' '.repeat(indent);
  return (
    `${p}app.kubernetes.io/name: ${a.name}\n` +
    `${p}app.kubernetes.io/instance: ${a.release}\n` +
    `${p}app.kubernetes.io/version: "${a.version}"\n` +
    `${p}app.kubernetes.io/managed-by: Helm\n` +
    `${p}helm.sh/chart: ${a.chart}-0.3.1\n`
  );
}

function deployment(r, a) {
  const metricsPort = a.metrics9100 ? 9100 : 9090;
  const readiness =
    r() < 0.5
      ? `          readinessProbe:
            tcpSocket:
              port: ${a.grpc ? 50051 : 8080}
            initialDelaySeconds: 5
            periodSeconds: 10
`
      : `          readinessProbe:
            httpGet:
              path: /ready
              port: http
              scheme: HTTP
            periodSeconds: 5
            failureThreshold: 3
`;
  const metricsProbe =
    a.metrics9100 && r() < 0.3
      ? `          startupProbe:
            httpGet:
              path: /metrics
              port: ${metricsPort}
            failureThreshold: 30
            periodSeconds: 2
`
      : '';
  return `# Source: ${a.chart}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${a.name}
  namespace: ${a.ns}
  labels:
${labels(a, 4)}  annotations:
    meta.helm.sh/release-name: ${a.release}
    meta.helm.sh/release-namespace: ${a.ns}
spec:
  replicas: ${a.replicas}
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app.kubernetes.io/name: ${a.name}
      app.kubernetes.io/instance: ${a.release}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${a.name}
        app.kubernetes.io/instance: ${a.release}
${a.appLabel ? `        app: ${a.name}\n` : ''}${a.istio ? '        sidecar.istio.io/inject: "true"\n' : ''}      annotations:
        checksum/config: ${a.checksum}
        prometheus.io/scrape: "true"
        prometheus.io/port: "${metricsPort}"
    spec:
      serviceAccountName: ${a.name}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
      terminationGracePeriodSeconds: 30
      containers:
        - name: ${a.name.split('-')[1]}
          image: "${a.registry}/${a.team}/${a.name.replace(/-\d+$/, '')}:v${a.version}"
          imagePullPolicy: IfNotPresent
          args: ["--config=/etc/app/config.yaml", "--log-level=info"${a.grpc ? ', "--grpc-listen=:50051"' : ''}]
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
${a.grpc ? '            - name: grpc\n              containerPort: 50051\n              protocol: TCP\n' : ''}            - name: metrics
              containerPort: ${metricsPort}
              protocol: TCP
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: LOG_FORMAT
              value: json
${a.grpc ? '            - name: OTEL_EXPORTER_OTLP_PROTOCOL\n              value: grpc\n' : ''}            - name: METRICS_ADDR
              value: ":${metricsPort}"
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 2
${readiness}${metricsProbe}          resources:
            requests:
              cpu: ${a.cpu}
              memory: ${a.mem}
            limits:
              cpu: "1"
              memory: 1Gi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: config
              mountPath: /etc/app
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: ${a.name}-config
        - name: tmp
          emptyDir: {}
`;
}

function service(r, a) {
  return `# Source: ${a.chart}/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: ${a.name}
  namespace: ${a.ns}
  labels:
${labels(a, 4)}${r() < 0.3 ? '  annotations:\n    service.kubernetes.io/topology-mode: Auto\n' : ''}spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${a.name}
    app.kubernetes.io/instance: ${a.release}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
${a.grpc ? '    - name: grpc\n      port: 50051\n      targetPort: grpc\n      appProtocol: grpc\n' : ''}    - name: metrics
      port: ${a.metrics9100 ? 9100 : 9090}
      targetPort: metrics
`;
}

function configMap(r, a) {
  const embeddedDocs = r() < 0.4;
  return `# Source: ${a.chart}/templates/configmap.yaml
# Rendered configuration for ${a.name}; edit values.yaml, not this file.
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${a.name}-config
  namespace: ${a.ns}
  labels:
${labels(a, 4)}data:
  # plain keys first
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout-v2,fast-search"
  MAX_CONNECTIONS: "${100 + Math.floor(r() * 900)}"
  config.yaml: |
    # ${a.name} server configuration
    server:
      listen: ":8080"
      metrics: ":${a.metrics9100 ? 9100 : 9090}"   # scraped by prometheus
      readTimeout: 15s
    database:
      host: ${a.team}-db.${a.ns}.svc.cluster.local
      port: 5432
      pool: { min: 2, max: ${4 + Math.floor(r() * 28)} }
${embeddedDocs ? '    ---\n    # a second document inside the block scalar: not a separator\n    routes:\n      - path: /v1\n        backend: ' + a.name + '\n    ---\n    kind: Extra\n' : ''}  log4j.properties: |-
    log4j.rootLogger=INFO, stdout
    log4j.appender.stdout=org.apache.log4j.ConsoleAppender
    log4j.appender.stdout.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c - %m%n
    # keep the colon: it is text, key: value is not parsed here
  motd: >-
    Welcome to ${a.name}.
    This text is folded into a single line
    by the YAML parser: "quotes" and # hashes stay.

  empty.txt: ""
`;
}

function cronJob(r, a) {
  return `# Source: ${a.chart}/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${a.name}-cleanup
  namespace: ${a.ns}
  labels:
${labels(a, 4)}spec:
  schedule: "${pick(r, SCHEDULES)}"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        metadata:
          labels:
            app.kubernetes.io/name: ${a.name}-cleanup
${a.appLabel ? `            app: ${a.name}-cleanup\n` : ''}${a.istio ? '            sidecar.istio.io/inject: "true"\n' : ''}        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: "${a.registry}/${a.team}/cleanup:v${a.version}"
              command:
                - /bin/sh
                - -c
                - |
                  set -eu
                  echo "pruning ${a.name}"
                  /app/prune --older-than=72h
              ports:
                - name: metrics
                  containerPort: ${a.metrics9100 ? 9100 : 9090}
              resources:
                requests:
                  cpu: 10m
                  memory: 32Mi
`;
}

/**
 * A stream of `count` documents. Returns the text and what the recommended
 * preset is expected to touch, so the harness can check eksfit did real work.
 */
export function generateStream(count, seed = 7) {
  const r = prng(seed ^ count);
  const parts = [];
  const expect = { documents: count, kinds: {}, metricsPort: 0, grpc: 0, istio: 0, appLabel: 0 };
  let current = null;
  let appIndex = 0;
  // Per 10 documents: (ConfigMap, Deployment, Service) x 3, then a CronJob.
  for (let i = 0; i < count; i++) {
    const slot = i % 10;
    let doc;
    let kind;
    if (slot === 9) {
      kind = 'CronJob';
      doc = cronJob(r, current);
    } else if (slot % 3 === 0) {
      current = app(r, appIndex++);
      kind = 'ConfigMap';
      doc = configMap(r, current);
    } else if (slot % 3 === 1) {
      kind = 'Deployment';
      doc = deployment(r, current);
    } else {
      kind = 'Service';
      doc = service(r, current);
    }
    if (kind === 'Deployment' || kind === 'CronJob') {
      if (current.metrics9100) expect.metricsPort++;
      if (current.grpc && kind === 'Deployment') expect.grpc++;
      if (current.istio) expect.istio++;
      if (current.appLabel) expect.appLabel++;
    }
    expect.kinds[kind] = (expect.kinds[kind] ?? 0) + 1;
    parts.push(doc);
  }
  return { text: parts.join('---\n'), expect };
}

// ---------------------------------------------------------------- CRDs

// Words of the descriptions: none starts with `#`, `-`, `*`, `&`, `!`, `|`, `>`, `'`, `"`, `%`, `@`,
// `[`, `{`, none ends with `:`, so a wrapped description is a valid multi-line plain scalar.
const DESC = (
  'the of a to is and that this field specifies for be in when if by resource name ' +
  'object value list must should may will not used selects which policy rule match ' +
  'namespace label selector defaults only one more (optional) e.g. `kubectl` apply ' +
  'request webhook timeout seconds default empty means all resources are matched. ' +
  'Deprecated, use instead. See https://kubernetes.io/docs/concepts/overview/ for details. ' +
  'Required. Cannot be updated. More info https://git.k8s.io/community/contributors/devel/api-conventions.md. ' +
  'status condition reason message type true false unknown kind version group string ' +
  'array items key operator values In NotIn Exists DoesNotExist. 30s, 1m, 2h30m, validation ' +
  'mutation generation image verification attestations JMESPath expression context variables'
).split(' ');
const PROPS = (
  'name namespace selector matchLabels matchExpressions key operator values rules match exclude ' +
  'resources kinds operations annotations preconditions conditions deny message pattern anyPattern ' +
  'foreach list context configMap apiCall urlPath jmesPath data service caBundle method timeout ' +
  'imageReferences attestors entries keys publicKeys signatureAlgorithm rekor url ignoreTlog ' +
  'mutateExistingOnPolicyUpdate generateExisting background validationFailureAction failurePolicy ' +
  'webhookTimeoutSeconds admission schemaValidation useServerSideApply synchronize clone cloneList ' +
  'podSecurity level version exclude controlName images restrictedField allowedValues'
).split(' ');
const ENUMS = [
  ['Audit', 'Enforce', 'audit', 'enforce'],
  ['Ignore', 'Fail'],
  ['CREATE', 'CONNECT', 'UPDATE', 'DELETE'],
  ['Equals', 'NotEquals', 'AnyIn', 'AllIn', 'AnyNotIn', 'AllNotIn', 'GreaterThan', 'LessThan'],
  ['privileged', 'baseline', 'restricted'],
];
const PATTERNS = [
  "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
  "'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'",
  "'^v[0-9]+((alpha|beta)[0-9]+)?$'",
  "'^(?:[a-z0-9-]+\\.)*[a-z0-9-]+(?::[0-9]+)?/(?:[a-z0-9._-]+/?)+(?::[a-zA-Z0-9._-]+)?$'",
];

/** `description:` as controller-gen writes it: a plain scalar wrapped at 80 columns. */
function description(r, indent, words) {
  const text = [];
  for (let i = 0; i < words; i++) text.push(pick(r, DESC));
  if (/^[`(]/.test(text[0])) text[0] = 'The';
  const p = ' '.repeat(indent);
  const lines = [];
  let line = `${p}description: ${text[0]}`;
  for (const w of text.slice(1)) {
    if (line.length + 1 + w.length > 80 && line.trim().length > 0) {
      lines.push(line);
      line = `${p}  ${w}`;
    } else line += ` ${w}`;
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}

/** One schema node at `indent`: its keys (description, type, properties, ...), sorted as controller-gen sorts them. */
function schemaNode(r, depth, indent) {
  const p = ' '.repeat(indent);
  const roll = r();
  const desc = r() < 0.85 ? description(r, indent, 4 + Math.floor(r() * (depth < 2 ? 60 : 30))) : '';
  if (depth < 6 && roll < 0.3) {
    const n = 2 + Math.floor(r() * (depth < 2 ? 8 : 4));
    const names = [...new Set(Array.from({ length: n }, () => pick(r, PROPS)))].sort();
    let out = desc + `${p}properties:\n`;
    for (const name of names) out += `${p}  ${name}:\n${schemaNode(r, depth + 1, indent + 4)}`;
    if (r() < 0.3) out += `${p}required:\n${p}- ${names[0]}\n`;
    out += `${p}type: object\n`;
    if (r() < 0.2) out += `${p}x-kubernetes-map-type: atomic\n`;
    return out;
  }
  if (depth < 6 && roll < 0.42) {
    let out = desc + `${p}items:\n${schemaNode(r, depth + 1, indent + 2)}`;
    if (r() < 0.2) out += `${p}maxItems: ${1 + Math.floor(r() * 100)}\n`;
    out += `${p}type: array\n`;
    if (r() < 0.5) out += `${p}x-kubernetes-list-type: ${pick(r, ['atomic', 'set', 'map'])}\n`;
    return out;
  }
  if (roll < 0.5) {
    return (
      `${p}anyOf:\n${p}- type: integer\n${p}- type: string\n` +
      desc +
      (r() < 0.5 ? `${p}pattern: ${pick(r, PATTERNS)}\n` : '') +
      `${p}x-kubernetes-int-or-string: true\n`
    );
  }
  if (roll < 0.58) return desc + `${p}type: object\n${p}x-kubernetes-preserve-unknown-fields: true\n`;
  if (roll < 0.66) return desc + `${p}format: int${pick(r, ['32', '64'])}\n${p}type: integer\n`;
  if (roll < 0.72) return desc + `${p}type: boolean\n`;
  let out = desc;
  if (r() < 0.25)
    out += `${p}enum:\n${pick(r, ENUMS)
      .map((v) => `${p}- ${v}\n`)
      .join('')}`;
  if (r() < 0.1) out += `${p}format: ${pick(r, ['date-time', 'byte', 'uri'])}\n`;
  if (r() < 0.15) out += `${p}maxLength: ${63 + Math.floor(r() * 200)}\n`;
  if (r() < 0.2) out += `${p}pattern: ${pick(r, PATTERNS)}\n`;
  return out + `${p}type: string\n`;
}

function crd(r, index) {
  const word = pick(r, PROPS).toLowerCase();
  const plural = `${word}${index}s`;
  const kind = `${word[0].toUpperCase()}${word.slice(1)}${index}`;
  const group = pick(r, ['kyverno.io', 'policies.kyverno.io', 'reports.kyverno.io', 'argoproj.io']);
  let versions = '';
  for (const v of ['v1', 'v2beta1']) {
    versions += `  - additionalPrinterColumns:
    - jsonPath: .spec.admission
      name: ADMISSION
      type: boolean
    - jsonPath: .metadata.creationTimestamp
      name: AGE
      type: date
    name: ${v}
    schema:
      openAPIV3Schema:
${description(r, 8, 30)}        properties:
          apiVersion:
            description: |-
              APIVersion defines the versioned schema of this representation of an object.
              Servers should convert recognized schemas to the latest internal value, and
              may reject unrecognized values.
              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources
            type: string
          kind:
            description: |-
              Kind is a string value representing the REST resource this object represents.
              Servers may infer this from the endpoint the client submits requests to.
              Cannot be updated.
              In CamelCase.
              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
            type: string
          metadata:
            type: object
          spec:
${schemaNode(r, 0, 12)}          status:
${schemaNode(r, 1, 12)}        required:
        - spec
        type: object
    served: true
    storage: ${v === 'v1'}
    subresources:
      status: {}
`;
  }
  return `# Source: kyverno/charts/crds/templates/${group}/${group}_${plural}.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.17.3
  labels:
    app.kubernetes.io/component: crds
    app.kubernetes.io/instance: kyverno
    app.kubernetes.io/part-of: kyverno-crds
    app.kubernetes.io/version: 3.5.0
  name: ${plural}.${group}
spec:
  group: ${group}
  names:
    categories:
    - kyverno
    kind: ${kind}
    listKind: ${kind}List
    plural: ${plural}
    singular: ${word}${index}
  scope: Namespaced
  versions:
${versions}`;
}

/**
 * A CRD-heavy stream in the shape Helm renders for kyverno or argo-cd: deep
 * `properties`, descriptions wrapped as multi-line plain scalars (and some
 * `|-`), `enum`, `pattern` in single quotes, `x-kubernetes-*`. CRDs are added
 * until the stream has at least `bytes` bytes (default about 2.7 MB).
 */
export function generateCrdStream(bytes = 2_700_000, seed = 11) {
  const r = prng(seed);
  const parts = [];
  let size = 0;
  while (size < bytes) {
    // a schema of a few kB to a few hundred kB, as real CRDs vary
    let doc = crd(r, parts.length);
    if (size + doc.length > bytes * 1.1 && parts.length) doc = crd(r, parts.length);
    parts.push(doc);
    size += doc.length + 4;
  }
  return { text: parts.join('---\n'), expect: { documents: parts.length } };
}

/** One small Deployment, for the start-up measurement. */
export function smallDeployment() {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels:
    app: hello
spec:
  replicas: 1
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
        - name: hello
          image: nginx:1.27
          ports:
            - containerPort: 8080
            - name: metrics
              containerPort: 9100
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = process.argv[2] === 'crd' ? 1 : Number(process.argv[2] ?? 160);
  const seed = Number(process.argv[3] ?? 7);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write('usage: node bench/generate.mjs COUNT [SEED]\n');
    process.exit(2);
  }
  process.stdout.write(process.argv[2] === 'crd' ? generateCrdStream().text : generateStream(count, seed).text);
}
