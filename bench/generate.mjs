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
${a.istio ? '        sidecar.istio.io/inject: "true"\n' : ''}      annotations:
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
${a.istio ? '            sidecar.istio.io/inject: "true"\n' : ''}        spec:
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
  const expect = { documents: count, kinds: {}, metricsPort: 0, grpc: 0, istio: 0 };
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
    }
    expect.kinds[kind] = (expect.kinds[kind] ?? 0) + 1;
    parts.push(doc);
  }
  return { text: parts.join('---\n'), expect };
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
  const count = Number(process.argv[2] ?? 160);
  const seed = Number(process.argv[3] ?? 7);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write('usage: node bench/generate.mjs COUNT [SEED]\n');
    process.exit(2);
  }
  process.stdout.write(generateStream(count, seed).text);
}
