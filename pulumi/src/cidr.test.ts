import { subnetCidr } from './cidr';

describe('subnetCidr', () => {
  test('lays out blocks of a smaller prefix inside the parent', () => {
    expect(subnetCidr('10.0.0.0/16', 19, 0)).toBe('10.0.0.0/19');
    expect(subnetCidr('10.0.0.0/16', 19, 2)).toBe('10.0.64.0/19');
    expect(subnetCidr('10.20.0.0/16', 22, 24)).toBe('10.20.96.0/22');
    expect(subnetCidr('10.20.0.0/16', 22, 26)).toBe('10.20.104.0/22');
  });

  test('public /22 blocks never overlap the three private /19 blocks', () => {
    const privateEnd = 3 * 2 ** 13; // three /19s, in addresses
    for (let i = 0; i < 3; i++) {
      const third = Number(subnetCidr('10.0.0.0/16', 22, 24 + i).split('.')[2]);
      expect(third * 256).toBeGreaterThanOrEqual(privateEnd);
    }
  });

  test('rejects blocks outside the parent, bigger than it, or a misaligned parent', () => {
    expect(() => subnetCidr('10.0.0.0/16', 19, 8)).toThrow(/out of range/);
    expect(() => subnetCidr('10.0.0.0/16', 8, 0)).toThrow(/does not fit/);
    expect(() => subnetCidr('10.0.1.0/16', 19, 0)).toThrow(/not aligned/);
    expect(() => subnetCidr('10.0.0/16', 19, 0)).toThrow(/not an IPv4 address/);
  });
});
