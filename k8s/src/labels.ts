/** Components of the platform, each a set of pods with its own labels and NetworkPolicies. */
export type Component = 'gateway' | 'persister' | 'assistant' | 'web' | 'migration' | 'redis' | 'postgres' | 'file-sweep' | 'thumbnails' | 'object-store';

/** Labels that select the pods of one component (stable: used by Services, PDBs, NetworkPolicies). */
export function selectorLabels(component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': `chat-${component}`, 'app.kubernetes.io/part-of': 'chat' };
}

/** Labels put on every object of one component: the selector labels plus the component. */
export function componentLabels(component: Component): Record<string, string> {
  return { ...selectorLabels(component), 'app.kubernetes.io/component': component };
}

/** Label every pod of the Strimzi cluster carries (brokers, controllers, entity operator). */
export function strimziClusterLabels(clusterName: string): Record<string, string> {
  return { 'strimzi.io/cluster': clusterName };
}
