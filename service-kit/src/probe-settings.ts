/** How an orchestrator probes one endpoint: the fields of a Kubernetes probe. */
export interface ProbeSettings {
  path: string;
  /** Seconds between two probes. */
  periodSeconds: number;
  /** Seconds one probe may take before it counts as failed. */
  timeoutSeconds: number;
  /** Failed probes in a row before the orchestrator acts (restarts for liveness, unroutes for readiness). */
  failureThreshold: number;
}

/**
 * The probes of every service, in one place: the Kubernetes Deployments declare them and the local
 * supervisor (`npm start`) applies the liveness one the way a kubelet does, so a hung process is
 * treated alike everywhere. A test compares the synthesized manifests with these numbers.
 */
export const PROBES: { readonly liveness: ProbeSettings; readonly readiness: ProbeSettings } = Object.freeze({
  liveness: Object.freeze({ path: '/healthz', periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 }),
  readiness: Object.freeze({ path: '/readyz', periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 }),
});
