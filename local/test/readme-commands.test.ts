// The README's quick start is a promise to whoever clones the project: CI must keep it by running the
// very command the README prints, before anything else could build what that command forgot.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../src';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

/** The commands of the README's quick-start code block, without their comments. */
function quickStartCommands(): string[] {
  const section = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(read('README.md'));
  if (!section?.[1]) throw new Error('README.md has no "## Quick start" section with a ```sh block');
  return section[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** The commands .ci/run executes, in order (comments, shell set-up and step banners left out). */
function ciCommands(): string[] {
  return read('.ci/run')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line && !/^(set |cd |start=|step\b|step\(\))/.test(line));
}

describe('the README quick start and CI', () => {
  it('has two commands: one brings the system up, one runs the tests', () => {
    const commands = quickStartCommands();
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/npm start$/);
    expect(commands[1]).toMatch(/npm test$/);
  });

  it("CI runs the README's test command literally, before anything else", () => {
    expect(ciCommands()[0]).toBe(quickStartCommands()[1]);
  });
});
