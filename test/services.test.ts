/** The Service view and index: which Services select a workload's Pods. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KindTable } from '../src/kinds.ts';
import { serviceOf, ServiceIndex, selects, type ServiceView } from '../src/services.ts';
import { objectOfValue, workloadOf, type KObject, type Workload } from '../src/workload.ts';

const ns = (o: KObject): string => o.namespace ?? 'default';

function service(name: string, selector: Record<string, string> | undefined, namespace?: string): ServiceView {
  const view = serviceOf(
    objectOfValue({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: { ...(selector ? { selector } : {}), ports: [{ name: 'http', port: 80, targetPort: '9100' }] },
    }),
  );
  if (!view) throw new Error('not a Service');
  return view;
}

function workload(labels: Record<string, string>, namespace?: string): Workload {
  const obj = objectOfValue({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w', ...(namespace ? { namespace } : {}) },
    spec: { template: { metadata: { labels }, spec: { containers: [] } } },
  });
  const look = workloadOf(obj, new KindTable());
  if (look.kind !== 'ok') throw new Error('not a workload');
  return look.workload;
}

const view = suite('serviceOf');

view('reads selector, type and ports (a numeric-string targetPort is a number)', () => {
  const s = service('a', { app: 'web' });
  assert.equal(s.selector, { app: 'web' });
  assert.equal(s.ports, [{ index: 0, name: 'http', port: 80, targetPort: 9100, appProtocol: '' }]);
});

view('is undefined for another kind or group', () => {
  assert.is(serviceOf(objectOfValue({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })), undefined);
  assert.is(serviceOf(objectOfValue({ apiVersion: 'x.io/v1', kind: 'Service', metadata: { name: 'a' } })), undefined);
});

const index = suite('ServiceIndex.selecting');

index('finds the Services whose whole selector the Pod labels satisfy, in input order', () => {
  const a = service('a', { app: 'web' });
  const b = service('b', { app: 'web', tier: 'front' });
  const c = service('c', { app: 'web', tier: 'back' });
  const idx = new ServiceIndex([c, b, a], ns);
  const names = idx.selecting(workload({ app: 'web', tier: 'front' })).map((s) => s.obj.name);
  assert.equal(names.sort(), ['a', 'b']);
});

index('a Service without a selector, or in another namespace, selects nothing', () => {
  const idx = new ServiceIndex([service('none', undefined), service('other', { app: 'web' }, 'prod')], ns);
  assert.equal(idx.selecting(workload({ app: 'web' })), []);
  assert.equal(
    idx.selecting(workload({ app: 'web' }, 'prod')).map((s) => s.obj.name),
    ['other'],
  );
});

index('agrees with selects() for every pairing', () => {
  const services = [service('a', { app: 'web' }), service('b', { tier: 'x' }), service('c', { app: 'web', tier: 'x' })];
  const idx = new ServiceIndex(services, ns);
  const cases: Record<string, string>[] = [{ app: 'web' }, { tier: 'x' }, { app: 'web', tier: 'x' }, {}];
  for (const labels of cases) {
    const w = workload(labels);
    const want = services.filter((s) => selects(s, w, ns)).map((s) => s.obj.name);
    assert.equal(
      idx
        .selecting(w)
        .map((s) => s.obj.name)
        .sort(),
      want.sort(),
      JSON.stringify(labels),
    );
  }
});

view.run();
index.run();
