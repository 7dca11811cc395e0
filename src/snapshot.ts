/**
 * Entry of the V8 start-up snapshot (scripts/build.mjs builds it with
 * `node --build-snapshot`): loads eksfit, runs the common path once so its code
 * is compiled into the snapshot, and makes `run` the main function of a
 * process started from it. bin/eksfit uses the snapshot when it matches the
 * Node.js binary it was built with, else the plain bundle (main.ts).
 */
import { startupSnapshot } from 'node:v8';
import { run } from './cli.ts';
import { EKS_METRICS_PORT, GRPC_PORT } from './eks.ts';
import { formatReport } from './report.ts';
import { transform } from './transform.ts';

const WARM_UP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: warm-up}
spec:
  template:
    metadata:
      labels: {app: warm-up, sidecar.istio.io/inject: "true"}
    spec:
      containers:
        - name: a
          image: a
          ports: [{containerPort: ${EKS_METRICS_PORT}}, {name: grpc, containerPort: ${GRPC_PORT}}]
---
apiVersion: v1
kind: Service
metadata: {name: warm-up}
spec: {selector: {app: warm-up}, ports: [{port: 80, targetPort: ${EKS_METRICS_PORT}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: warm-up}
data: {a: b}
`;

for (let i = 0; i < 3; i++) {
  const out = transform([{ file: 'warm-up.yaml', text: WARM_UP }]);
  formatReport(out.results, { changed: out.changed });
}

startupSnapshot.setDeserializeMainFunction(() => {
  void run().then((code) => {
    process.exitCode = code;
  });
});
