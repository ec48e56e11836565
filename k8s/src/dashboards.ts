import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { KAFKA_TOPICS, type PlatformConfig } from './config';

type Panel = { title: string; exprs: string[]; unit: string };

/** A Grafana dashboard (schema 39) of time-series panels, two a row, on the `prometheus` data source. */
export function dashboard(uid: string, title: string, panels: readonly Panel[]): Record<string, unknown> {
  return {
    uid,
    title,
    schemaVersion: 39,
    tags: ['chat'],
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.exprs.map((expr, j) => ({ refId: String.fromCharCode(65 + j), expr })),
    })),
  };
}

/** The dashboards of the platform, by file name. */
export function dashboards(config: PlatformConfig): Record<string, Record<string, unknown>> {
  const ns = `namespace="${config.namespace}"`;
  const quantile = (q: number, metric: string) => `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${ns}}[5m])))`;
  return {
    'chat-gateway.json': dashboard('chat-gateway', 'Chat / Gateways', [
      { title: 'Open sockets per pod', exprs: [`sum by (pod) (chat_gateway_connections{${ns}})`], unit: 'short' },
      { title: 'Sends per second by outcome', exprs: [`sum by (result) (rate(chat_gateway_messages_total{${ns}}[5m]))`], unit: 'reqps' },
      { title: 'Send → ack latency (p50, p99)', exprs: [quantile(0.5, 'chat_gateway_send_seconds'), quantile(0.99, 'chat_gateway_send_seconds')], unit: 's' },
      // From the send to the gateways writing it to the room's members (the SLO: p99 < 250 ms).
      { title: 'Send → deliver latency (p50, p99)', exprs: [quantile(0.5, 'chat_gateway_deliver_seconds'), quantile(0.99, 'chat_gateway_deliver_seconds')], unit: 's' },
      { title: 'Kafka produce latency (p99)', exprs: [quantile(0.99, 'chat_gateway_kafka_produce_seconds')], unit: 's' },
      { title: 'Event-loop lag (p99)', exprs: [`max by (pod) (chat_gateway_nodejs_eventloop_lag_p99_seconds{${ns}})`], unit: 's' },
      { title: 'Errors by code (UNAVAILABLE: Redis or Kafka)', exprs: [`sum by (code) (rate(chat_gateway_errors_total{${ns}}[5m]))`], unit: 'reqps' },
    ]),
    'chat-persister.json': dashboard('chat-persister', 'Chat / Persister', [
      { title: 'Consumer lag', exprs: [`sum(persister_consumer_lag{${ns},topic="${KAFKA_TOPICS.messages}"})`], unit: 'short' },
      { title: 'Rows per INSERT (p50, p99)', exprs: [quantile(0.5, 'persister_insert_batch_rows'), quantile(0.99, 'persister_insert_batch_rows')], unit: 'short' },
      { title: 'INSERT latency (p99)', exprs: [quantile(0.99, 'persister_insert_duration_seconds')], unit: 's' },
      { title: 'Records by outcome (dead_lettered: the DLQ)', exprs: [`sum by (result) (rate(persister_messages_total{${ns}}[5m]))`], unit: 'reqps' },
    ]),
    'chat-kafka.json': dashboard('chat-kafka', 'Chat / Kafka (Strimzi)', [
      { title: 'Under-replicated partitions', exprs: [`sum(kafka_server_replicamanager_underreplicatedpartitions{${ns}})`], unit: 'short' },
      { title: 'Bytes in per broker', exprs: [`sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{${ns}}[5m]))`], unit: 'Bps' },
      { title: 'Consumer group lag (Kafka Exporter)', exprs: [`sum by (consumergroup) (kafka_consumergroup_lag{${ns}})`], unit: 'short' },
      { title: 'Offline partitions', exprs: [`sum(kafka_controller_kafkacontroller_offlinepartitionscount{${ns}})`], unit: 'short' },
    ]),
    'chat-postgres.json': dashboard('chat-postgres', 'Chat / PostgreSQL', [
      // RDS: CloudWatch (yace or the CloudWatch data source); dev: postgres_exporter where installed.
      { title: 'Connections', exprs: ['sum(pg_stat_database_numbackends{datname="chat"})'], unit: 'short' },
      { title: 'Transactions per second', exprs: ['sum(rate(pg_stat_database_xact_commit{datname="chat"}[5m]))'], unit: 'ops' },
    ]),
  };
}

/** The dashboards as ConfigMaps that kube-prometheus-stack's Grafana sidecar loads (label grafana_dashboard=1). */
export class Dashboards extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    for (const [file, board] of Object.entries(dashboards(config))) {
      new kplus.ConfigMap(this, file, {
        metadata: { name: `dashboard-${file.replace('.json', '')}`, namespace: config.namespace, labels: { grafana_dashboard: '1', 'app.kubernetes.io/part-of': 'chat' } },
        data: { [file]: JSON.stringify(board) },
      });
    }
  }
}
