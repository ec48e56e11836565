/**
 * Tags every AWS resource of the platform carries, so cost reports, audits and clean-ups can find
 * them. Tags are passed explicitly to each resource (not as provider default tags) so that the
 * resource's own inputs show them and the unit tests can check every resource.
 */
import type { PlatformConfig } from './config';

/** A set of AWS tags. */
export type Tags = Readonly<Record<string, string>>;

/** Tag keys every resource has; the tests audit them. */
export const REQUIRED_TAG_KEYS = ['Project', 'Environment', 'Stack', 'ManagedBy'] as const;

/** The tags of every resource of this stack: the configured extra tags, then the required ones. */
export function baseTags(config: PlatformConfig): Tags {
  return Object.freeze({
    ...config.tags,
    Project: 'chat',
    Environment: config.environment,
    Stack: config.stack,
    ManagedBy: 'pulumi',
  });
}

/** Base tags plus a `Name` (what the AWS console lists) and any tags specific to the resource. */
export function tagsFor(base: Tags, name: string, extra: Record<string, string> = {}): Tags {
  return Object.freeze({ ...base, Name: name, ...extra });
}
