import * as kplus from 'cdk8s-plus-34';

/**
 * User the gateway, persister and migration run as: at least 10000, so it can never be a user of the
 * node (uids below that are the host's system and login users). The image's files are world-readable,
 * so any uid runs it; the writable paths are emptyDirs owned through fsGroup.
 */
export const NODE_UID = 10001;
/** User the web app's nginx-unprivileged runs as (its temp paths and pid file are in the /tmp emptyDir). */
export const NGINX_UID = 10101;

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
