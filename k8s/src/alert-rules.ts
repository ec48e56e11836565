import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KAFKA_TOPICS, type PlatformConfig } from './config';

/**
 * The SLOs the alerts defend: sends answered ok, and send→deliver (`chat_gateway_deliver_seconds`: from
 * the send to a gateway writing the message to the room's members there) within the threshold.
 */
export const SLO = { sendAvailability: 0.999, sendLatencySeconds: 0.25, sendLatencyQuantile: 0.99 } as const;

/** Multi-window burn rates (Google SRE workbook): page at 14.4x over 1h/5m, ticket at 6x over 6h/30m. */
const BURN_WINDOWS = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'ticket', long: '6h', short: '30m', factor: 6 },
] as const;

type Rule = { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/** The rule groups, as Prometheus reads them (also written to a file for `promtool test rules`). */
export function alertRuleGroups(config: PlatformConfig): { name: string; rules: Rule[] }[] {
  const ns = `namespace="${config.namespace}"`;
  const budget = 1 - SLO.sendAvailability;
  const windows = [...new Set(BURN_WINDOWS.flatMap((w) => [w.long, w.short]))];
  // A failed send: rejected for a reason of ours (UNAVAILABLE, INTERNAL), not the client's (VALIDATION, RATE_LIMITED...).
  const errorRatio = (w: string) =>
    `sum(rate(chat_gateway_errors_total{${ns},code=~"UNAVAILABLE|INTERNAL"}[${w}])) / clamp_min(sum(rate(chat_gateway_send_seconds_count{${ns}}[${w}])), 1e-9)`;
  // The gateway's histogram has a bucket at exactly the threshold (gateway/src/metrics.ts): le="0.25".
  const slowRatio = (w: string) =>
    `1 - sum(rate(chat_gateway_deliver_seconds_bucket{${ns},le="${SLO.sendLatencySeconds}"}[${w}])) / clamp_min(sum(rate(chat_gateway_deliver_seconds_count{${ns}}[${w}])), 1e-9)`;
  const latencyBudget = 1 - SLO.sendLatencyQuantile;
  const burn = (kind: 'errors' | 'slow', allowed: number, title: string) =>
    BURN_WINDOWS.map((w) => ({
      alert: `ChatSend${kind === 'errors' ? 'Availability' : 'Latency'}Burn${w.severity === 'page' ? 'Fast' : 'Slow'}`,
      expr: `chat:send_${kind}:ratio_rate${w.long} > (${w.factor} * ${allowed}) and chat:send_${kind}:ratio_rate${w.short} > (${w.factor} * ${allowed})`,
      labels: { severity: w.severity },
      annotations: { summary: `${title}: burning the monthly error budget ${w.factor}x too fast (${w.long} and ${w.short})`, runbook: 'docs/kubernetes.md#signals' },
    }));
  return [
    {
      name: 'chat-slo-recordings',
      rules: windows.flatMap((w) => [
        { record: `chat:send_errors:ratio_rate${w}`, expr: errorRatio(w) },
        { record: `chat:send_slow:ratio_rate${w}`, expr: slowRatio(w) },
      ]),
    },
    {
      name: 'chat-slo-burn',
      rules: [...burn('errors', budget, `message:send availability below ${SLO.sendAvailability * 100}%`), ...burn('slow', latencyBudget, `send to deliver p99 over ${SLO.sendLatencySeconds * 1000} ms`)],
    },
    {
      name: 'chat-operations',
      rules: [
        {
          alert: 'ChatPersisterLagGrowing',
          expr: `sum(persister_consumer_lag{${ns},topic="${KAFKA_TOPICS.messages}"}) > 1000 and deriv(sum(persister_consumer_lag{${ns},topic="${KAFKA_TOPICS.messages}"})[15m:1m]) > 0`,
          for: '10m',
          labels: { severity: 'ticket' },
          annotations: { summary: 'The persister falls behind: consumer lag over 1000 and still growing for 10 minutes' },
        },
        {
          alert: 'ChatDeadLettersWritten',
          expr: `sum(increase(persister_messages_total{${ns},result="dead_lettered"}[10m])) > 0`,
          labels: { severity: 'ticket' },
          annotations: { summary: `Records went to ${KAFKA_TOPICS.deadLetter}: a person must look at them` },
        },
        {
          alert: 'ChatPodRestarting',
          expr: `increase(kube_pod_container_status_restarts_total{${ns}}[15m]) > 2`,
          labels: { severity: 'ticket' },
          annotations: { summary: 'A chat pod restarted more than twice in 15 minutes' },
        },
        {
          alert: 'ChatDependencyUnavailable',
          // Gateways answer UNAVAILABLE when Redis or Kafka cannot take a send.
          expr: `sum(rate(chat_gateway_errors_total{${ns},code="UNAVAILABLE"}[5m])) > 0.5`,
          for: '5m',
          labels: { severity: 'page' },
          annotations: { summary: 'Gateways answer UNAVAILABLE: Redis or Kafka unreachable' },
        },
        {
          alert: 'ChatDatabaseUnavailable',
          expr: `min(persister_database_up{${ns}}) == 0`,
          for: '5m',
          labels: { severity: 'page' },
          annotations: { summary: 'The persister cannot insert into PostgreSQL' },
        },
        {
          alert: 'ChatKafkaBrokerDown',
          expr: `count(up{${ns},job=~".*kafka.*"} == 1) < ${config.kafka.nodes}`,
          for: '5m',
          labels: { severity: 'page' },
          annotations: { summary: 'Fewer Kafka brokers answer than the cluster has' },
        },
      ],
    },
  ];
}

/** The alerts as a prometheus-operator PrometheusRule (kube-prometheus-stack selects it by its release label). */
export class AlertRules extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    new ApiObject(this, 'rules', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'chat', namespace: config.namespace, labels: { 'app.kubernetes.io/part-of': 'chat', release: 'kube-prometheus-stack' } },
      spec: { groups: alertRuleGroups(config) },
    });
  }
}
