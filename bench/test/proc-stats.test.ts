// The bench's CPU accounting against real processes: a watched process started below another watched
// one (a system the bench started itself, below the load generator) counts on its own line only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { UsageWindow } from '../src/proc-stats';

/** Burns CPU in a child of this process until it is killed. */
function busyChild() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return child;
}

describe('UsageWindow', () => {
  it("does not count a watched child's CPU in its watched parent's tree", async () => {
    const child = busyChild();
    await once(child, 'spawn');
    try {
      const usage = new UsageWindow(
        [
          { name: 'parent', pid: process.pid },
          { name: 'child', pid: child.pid! },
        ],
        new Set(),
      );
      // This process waits (near 0 % CPU) while its child spins (near 100 % of a core).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const { processes } = usage.finish();
      const cpu = Object.fromEntries(processes.map((p) => [p.name, p.cpuPercent]));
      expect(cpu.child).toBeGreaterThan(30);
      expect(cpu.parent).toBeLessThan(cpu.child! / 2);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
