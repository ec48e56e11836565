/**
 * The release step of the GitOps path: set the image tag of an environment in
 * `gitops/<env>/images.yaml`, keeping the file's comments. CI runs it after pushing the images.
 */
import { parseDocument } from 'yaml';

/** Docker's rule for a tag: up to 128 word characters, dots and dashes, not starting with either. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Returns the images file with `images.tag` set to `tag`; throws on a tag Docker would refuse. */
export function setImageTag(fileText: string, tag: string): string {
  if (!TAG.test(tag)) throw new Error(`not a valid image tag: ${JSON.stringify(tag)}`);
  const doc = parseDocument(fileText);
  if (doc.errors.length > 0) throw new Error(`images file does not parse: ${doc.errors[0]?.message}`);
  doc.setIn(['images', 'tag'], tag);
  return doc.toString();
}

/** Reads `images.tag` from an images file. */
export function readImageTag(fileText: string): string | undefined {
  const value = parseDocument(fileText).getIn(['images', 'tag']);
  return value === undefined ? undefined : String(value);
}
