import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { prodConfig, synthManifests } from '../src';
import { alertRuleGroups } from '../src/alert-rules';
import { find } from './support';

/** promtool comes with Debian's `prometheus` package (local/src/installer.ts installs it for the tests). */
function promtool(): string {
  const binary = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((file) => existsSync(file));
  if (!binary) throw new Error('promtool is missing: `npm run services -- install --for-tests` installs the Debian package prometheus');
  return binary;
}

const config = prodConfig();
const groups = alertRuleGroups(config);
const rule = (alert: string) => {
  const found = groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!found) throw new Error(`no alert ${alert}`);
  return found;
};
/** What promtool must see firing: the alert's own labels and annotations. */
const firing = (alert: string) => [{ exp_labels: { ...rule(alert).labels }, exp_annotations: { ...rule(alert).annotations } }];

type Series = { series: string; values: string };
type AlertCheck = { eval_time: string; alertname: string; exp_alerts: unknown[] };

/** Runs `promtool test rules` on the rules with one test case; returns promtool's output, throwing on a failed expectation. */
function testRules(input_series: Series[], alert_rule_test: AlertCheck[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'promtool-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
    writeFileSync(path.join(dir, 'test.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: [{ interval: '1m', input_series, alert_rule_test }] }));
    return execFileSync(promtool(), ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`promtool: ${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// 10 sends a second for two hours.
// `le25`: how many of them reached the room's members within 250 ms (send->deliver).
const sends = (le25: string): Series[] => [
  { series: 'chat_gateway_send_seconds_count{namespace="chat"}', values: '0+600x180' },
  { series: 'chat_gateway_deliver_seconds_count{namespace="chat"}', values: '0+600x180' },
  { series: 'chat_gateway_deliver_seconds_bucket{namespace="chat",le="0.25"}', values: le25 },
];
const allFast = sends('0+600x180');

describe('PrometheusRules (promtool test rules)', () => {
  test('prod ships the rules as a PrometheusRule that promtool accepts', () => {
    const manifest = find(synthManifests(config), 'PrometheusRule', 'chat') as any;
    expect(manifest.spec.groups).toEqual(groups);
    const dir = mkdtempSync(path.join(tmpdir(), 'promtool-'));
    try {
      writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
      expect(execFileSync(promtool(), ['check', 'rules', 'rules.yaml'], { cwd: dir, encoding: 'utf8' })).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('2% of sends failing pages (fast burn of the 99.9% availability budget); none failing stays quiet', () => {
    testRules(
      [...allFast, { series: 'chat_gateway_errors_total{namespace="chat",code="UNAVAILABLE"}', values: '0+12x180' }],
      [
        { eval_time: '70m', alertname: 'ChatSendAvailabilityBurnFast', exp_alerts: firing('ChatSendAvailabilityBurnFast') },
        // 0.2 UNAVAILABLE a second is under the dependency alert's threshold.
        { eval_time: '70m', alertname: 'ChatDependencyUnavailable', exp_alerts: [] },
      ],
    );
    testRules(
      [...allFast, { series: 'chat_gateway_errors_total{namespace="chat",code="VALIDATION"}', values: '0+60x180' }],
      // Clients' own mistakes spend no budget.
      [{ eval_time: '70m', alertname: 'ChatSendAvailabilityBurnFast', exp_alerts: [] }],
    );
  });

  test('30% of sends slower than 250 ms pages (p99 latency budget); 0.5% slow does not', () => {
    testRules(sends('0+420x180'), [{ eval_time: '70m', alertname: 'ChatSendLatencyBurnFast', exp_alerts: firing('ChatSendLatencyBurnFast') }]);
    testRules(sends('0+597x180'), [{ eval_time: '70m', alertname: 'ChatSendLatencyBurnFast', exp_alerts: [] }]);
  });

  test('a dead letter, growing lag, a lost database and unreachable Redis/Kafka alert', () => {
    testRules(
      [
        ...allFast,
        { series: 'persister_messages_total{namespace="chat",result="dead_lettered"}', values: '0x30 1x30' },
        { series: 'persister_consumer_lag{namespace="chat",topic="chat.messages.v1",partition="0"}', values: '0+100x60' },
        { series: 'persister_database_up{namespace="chat"}', values: '1x20 0x40' },
        { series: 'chat_gateway_errors_total{namespace="chat",code="UNAVAILABLE"}', values: '0+120x60' },
      ],
      [
        { eval_time: '20m', alertname: 'ChatDeadLettersWritten', exp_alerts: [] },
        { eval_time: '35m', alertname: 'ChatDeadLettersWritten', exp_alerts: firing('ChatDeadLettersWritten') },
        { eval_time: '40m', alertname: 'ChatPersisterLagGrowing', exp_alerts: firing('ChatPersisterLagGrowing') },
        { eval_time: '15m', alertname: 'ChatDatabaseUnavailable', exp_alerts: [] },
        { eval_time: '30m', alertname: 'ChatDatabaseUnavailable', exp_alerts: firing('ChatDatabaseUnavailable') },
        { eval_time: '15m', alertname: 'ChatDependencyUnavailable', exp_alerts: firing('ChatDependencyUnavailable') },
      ],
    );
  });

  test('a test that expects the wrong alert fails (promtool really evaluates)', () => {
    expect(() => testRules(allFast, [{ eval_time: '70m', alertname: 'ChatSendAvailabilityBurnFast', exp_alerts: firing('ChatSendAvailabilityBurnFast') }])).toThrow(/promtool/);
  });
});
