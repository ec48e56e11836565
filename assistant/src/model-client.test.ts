import { Readable } from 'node:stream';
import { lines } from './model-client';

const collect = async (chunks: Uint8Array[]) => {
  const out: string[] = [];
  for await (const line of lines(Readable.from(chunks))) out.push(line);
  return out;
};

describe('lines', () => {
  it('splits a byte stream into its non-empty lines, whatever the chunk boundaries', async () => {
    const bytes = Buffer.from('{"a":1}\r\n\n{"b":"é👋"}\n{"c":3}', 'utf8');
    // Every split point, including ones inside the multi-byte characters.
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['{"a":1}', '{"b":"é👋"}', '{"c":3}']);
    }
  });
});
