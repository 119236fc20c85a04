// deploy/rbac.yaml: the deployer's rules follow the rendered set.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { deployerClusterRules, operatorRules, renderDeployerRbac } from '../../src/render/kubernetes/rbac.js';
import { PRUNABLE } from '../../src/deploy/plan.js';
import { PRUNABLE_RESOURCES, resourceOf } from '../../src/render/kubernetes/rbac.js';

async function rendered(example: string) {
  const { app } = await loadConfig(`examples/${example}`);
  const manifests = renderManifests(app, { imageTag: 'abc1234' });
  return { app, manifests, rbac: renderDeployerRbac(app, manifests, 'abc1234') as any[] };
}

describe('deploy/rbac.yaml', () => {
  it('storecove: namespaces, the ServiceAccount, a deployer Role and binding per namespace, the operator Role, one ClusterRole', async () => {
    const { rbac } = await rendered('storecove');
    expect(rbac.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//storecove',
      'Namespace//logging',
      'ServiceAccount/storecove/railyard-deployer',
      'Role/storecove/railyard-deployer',
      'RoleBinding/storecove/railyard-deployer',
      'Role/logging/railyard-deployer',
      'RoleBinding/logging/railyard-deployer',
      'Role/storecove/railyard-operator',
      'RoleBinding/storecove/railyard-operator',
      'ClusterRole//railyard-deployer-storecove',
      'ClusterRoleBinding//railyard-deployer-storecove',
    ]);
    // Never labelled as a release object: prune selects on managed-by *and* instance.
    for (const o of rbac.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.labels['app.kubernetes.io/instance']).toBeUndefined();
    const logging = rbac.find((o) => o.kind === 'Role' && o.metadata.namespace === 'logging');
    expect(logging.rules[0]).toEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['storecove-app-logzio'] });
    expect(logging.rules[1]).toEqual({ apiGroups: ['', 'apps', 'networking.k8s.io'], resources: ['configmaps', 'daemonsets', 'networkpolicies', 'serviceaccounts'], verbs: ['get', 'create', 'patch'] });
    const app = rbac.find((o) => o.kind === 'Role' && o.metadata.name === 'railyard-deployer' && o.metadata.namespace === 'storecove');
    expect(app.rules.find((r: any) => r.verbs.includes('patch') && r.resources.includes('deployments')).resources).toEqual(['cronjobs', 'deployments', 'horizontalpodautoscalers', 'ingresses', 'networkpolicies', 'poddisruptionbudgets', 'services']);
    // No unnamed read of Secrets outside the app namespace, no wildcard anywhere.
    for (const role of rbac.filter((o) => o.rules)) for (const r of role.rules) {
      expect(JSON.stringify(r)).not.toContain('*');
      if (r.resources.includes('secrets') && role.metadata.namespace !== 'storecove') expect(r.resourceNames).toBeDefined();
    }
  });

  it('the ClusterRole covers only the namespaces by name and the cluster-scoped objects of the rendered set', async () => {
    const { manifests } = await rendered('storecove');
    expect(deployerClusterRules(manifests.flatMap((f) => f.objects), ['storecove', 'logging'])).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'], resourceNames: ['logging', 'storecove'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'patch', 'escalate', 'bind'], resourceNames: ['fluent-bit'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['get', 'patch'], resourceNames: ['fluent-bit'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['create', 'list', 'delete'] },
    ]);
  });

  it('the gateway variant grants its route kinds, and the operator Role is what the day-2 commands use', async () => {
    const { rbac } = await rendered('storecove-gateway');
    const app = rbac.find((o) => o.kind === 'Role' && o.metadata.name === 'railyard-deployer' && o.metadata.namespace === 'storecove');
    const apply = app.rules.find((r: any) => r.verbs.join() === 'get,create,patch' && r.resources.includes('deployments'));
    expect(apply.resources).toEqual(expect.arrayContaining(['httproutes', 'clientsettingspolicies']));
    expect(apply.resources).not.toContain('ingresses');
    expect(operatorRules().map((r) => `${r.resources.join()}:${r.verbs.join()}`)).toEqual(['pods/log:get', 'pods/exec:create', 'pods:create,delete', 'jobs:create', 'cronjobs:get,patch']);
  });

  it('lists the same kinds prune does', () => {
    expect(PRUNABLE_RESOURCES.map((p) => `${p.group}/${p.resource}/${p.namespaced}`)).toEqual(PRUNABLE.map((k) => `${resourceOf(k).group}/${resourceOf(k).resource}/${k.namespaced}`));
  });
});
