/**
 * IPv4 CIDR arithmetic for laying out subnets inside the VPC range, so the layout is computed from
 * one configured CIDR instead of being typed out per stack.
 */

function toInt(address: string): number {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * The `index`-th block of prefix length `prefix` inside `parent`.
 *
 * @example subnetCidr('10.0.0.0/16', 19, 2) === '10.0.64.0/19'
 * @throws when the block does not fit in the parent or the parent is not aligned
 */
export function subnetCidr(parent: string, prefix: number, index: number): string {
  const [address, lengthText] = parent.split('/');
  const parentPrefix = Number(lengthText);
  if (address === undefined || !Number.isInteger(parentPrefix) || parentPrefix < 0 || parentPrefix > 32) {
    throw new Error(`not an IPv4 CIDR: ${parent}`);
  }
  if (!Number.isInteger(prefix) || prefix < parentPrefix || prefix > 32) {
    throw new Error(`a /${prefix} does not fit in ${parent}`);
  }
  const base = toInt(address);
  const parentSize = 2 ** (32 - parentPrefix);
  if (base % parentSize !== 0) throw new Error(`${parent} is not aligned to its prefix length`);
  const blocks = 2 ** (prefix - parentPrefix);
  if (!Number.isInteger(index) || index < 0 || index >= blocks) {
    throw new Error(`${parent} holds ${blocks} blocks of /${prefix}; index ${index} is out of range`);
  }
  return `${toAddress(base + index * 2 ** (32 - prefix))}/${prefix}`;
}
