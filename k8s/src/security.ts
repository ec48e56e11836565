import * as kplus from 'cdk8s-plus-34';

/** Non-root user of the gateway and persister images (the `node` user of the official Node.js image). */
export const NODE_UID = 1000;
/** Non-root user of the nginx-unprivileged image that serves the web app. */
export const NGINX_UID = 101;

/**
 * Container security context that satisfies the Pod Security Standard "restricted": non-root,
 * no privilege escalation, every capability dropped, the runtime's seccomp profile, and a read-only
 * root filesystem (writable paths are emptyDir volumes the workloads mount explicitly).
 */
export function restrictedSecurityContext(uid: number): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: uid,
    group: uid,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/** Pod-level counterpart of {@link restrictedSecurityContext}. */
export function restrictedPodSecurityContext(uid: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid };
}
