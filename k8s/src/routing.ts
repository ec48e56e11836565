import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { PORTS, type PlatformConfig } from './config';
import { GATEWAY_LISTENERS, GatewayApiEdge } from './gateway-api-edge';

const { k8s } = kplus;

/** Name of the cookie that pins a browser's Socket.IO session to one gateway. */
export const AFFINITY_COOKIE = 'chat-affinity';
/** Lifetime of the affinity cookie and of WebSocket reads/sends through the proxy, in seconds. */
export const AFFINITY_COOKIE_MAX_AGE_SECONDS = 48 * 60 * 60;
export const WEBSOCKET_TIMEOUT_SECONDS = 3600;
/** Secret the TLS certificate of the public host is stored in (written by cert-manager). */
export const TLS_SECRET_NAME = 'chat-tls';
/** Name of the cert-manager ClusterIssuer of the environment. */
export const CLUSTER_ISSUER_NAME = { 'self-signed': 'chat-self-signed', letsencrypt: 'chat-letsencrypt' } as const;

/**
 * How browsers reach the platform. `ingress`: two ingress-nginx Ingresses on the same host, one
 * for /socket.io with persistent cookie affinity and WebSocket timeouts, one for /api and the SPA,
 * with a cert-manager certificate. `gateway-api`: the Envoy Gateway edge ({@link GatewayApiEdge}), one
 * HTTPRoute with cookie session persistence on /socket.io on its HTTPS listener, and one that
 * redirects plain HTTP to HTTPS.
 */
export class Routing extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    this.clusterIssuer(config);
    if (config.routing === 'ingress') this.ingresses(config);
    else {
      new GatewayApiEdge(this, 'edge', config, CLUSTER_ISSUER_NAME[config.tls.issuer]);
      this.httpRoute(config);
    }
  }

  private clusterIssuer(config: PlatformConfig): void {
    const solver =
      config.routing === 'ingress'
        ? { http01: { ingress: { ingressClassName: 'nginx' } } }
        : {
            http01: {
              gatewayHTTPRoute: {
                parentRefs: [{ name: config.gatewayApi.gatewayName, namespace: config.gatewayApi.gatewayNamespace, kind: 'Gateway', sectionName: GATEWAY_LISTENERS.http }],
              },
            },
          };
    new ApiObject(this, 'issuer', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: CLUSTER_ISSUER_NAME[config.tls.issuer] },
      spec:
        config.tls.issuer === 'self-signed'
          ? { selfSigned: {} }
          : {
              acme: {
                server: config.tls.acmeServer,
                email: config.tls.email,
                privateKeySecretRef: { name: 'chat-letsencrypt-account' },
                solvers: [solver],
              },
            },
    });
  }

  private ingresses(config: PlatformConfig): void {
    const { namespace, host } = config;
    const backend = (service: string, port: number) => ({ service: { name: service, port: { number: port } } });
    const tls = [{ hosts: [host], secretName: TLS_SECRET_NAME }];

    new k8s.KubeIngress(this, 'realtime', {
      metadata: {
        name: 'chat-realtime',
        namespace,
        annotations: {
          // Socket.IO's HTTP long-polling needs every request of a session on one gateway; the
          // cookie also keeps the WebSocket upgrade there. "persistent": a scale-out never moves them.
          'nginx.ingress.kubernetes.io/affinity': 'cookie',
          'nginx.ingress.kubernetes.io/affinity-mode': 'persistent',
          'nginx.ingress.kubernetes.io/session-cookie-name': AFFINITY_COOKIE,
          'nginx.ingress.kubernetes.io/session-cookie-path': '/socket.io',
          'nginx.ingress.kubernetes.io/session-cookie-max-age': String(AFFINITY_COOKIE_MAX_AGE_SECONDS),
          'nginx.ingress.kubernetes.io/session-cookie-samesite': 'Lax',
          'nginx.ingress.kubernetes.io/session-cookie-secure': 'true',
          // A quiet WebSocket is not a dead one (the gateway pings every 2.5 s). A hung pod leaves the endpoints when
          // its readiness probe fails; the client's connect watchdog (8 s) then starts its handshake again elsewhere.
          'nginx.ingress.kubernetes.io/proxy-read-timeout': String(WEBSOCKET_TIMEOUT_SECONDS),
          'nginx.ingress.kubernetes.io/proxy-send-timeout': String(WEBSOCKET_TIMEOUT_SECONDS),
          'nginx.ingress.kubernetes.io/proxy-body-size': '1m',
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
        },
      },
      spec: {
        ingressClassName: 'nginx',
        tls,
        rules: [{ host, http: { paths: [{ path: '/socket.io', pathType: 'Prefix', backend: backend('chat-gateway', PORTS.gateway) }] } }],
      },
    });

    new k8s.KubeIngress(this, 'web', {
      metadata: {
        name: 'chat',
        namespace,
        annotations: {
          // Only this Ingress asks cert-manager for the certificate: both share its Secret.
          'cert-manager.io/cluster-issuer': CLUSTER_ISSUER_NAME[config.tls.issuer],
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
          'nginx.ingress.kubernetes.io/proxy-body-size': '1m',
        },
      },
      spec: {
        ingressClassName: 'nginx',
        tls,
        rules: [
          {
            host,
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: backend('chat-gateway', PORTS.gateway) },
                { path: '/', pathType: 'Prefix', backend: backend('chat-web', PORTS.web) },
              ],
            },
          },
        ],
      },
    });
  }

  private httpRoute(config: PlatformConfig): void {
    const backendRefs = (service: string, port: number) => [{ name: service, port }];
    const prefix = (value: string) => [{ path: { type: 'PathPrefix', value } }];
    const parent = (sectionName: string) => [{ name: config.gatewayApi.gatewayName, namespace: config.gatewayApi.gatewayNamespace, sectionName }];
    new ApiObject(this, 'redirect', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'chat-https-redirect', namespace: config.namespace },
      spec: {
        parentRefs: parent(GATEWAY_LISTENERS.http),
        hostnames: [config.host],
        // cert-manager's HTTP-01 route for /.well-known/acme-challenge/ is more specific and wins.
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    });
    new ApiObject(this, 'route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'chat', namespace: config.namespace },
      spec: {
        parentRefs: parent(GATEWAY_LISTENERS.https),
        hostnames: [config.host],
        rules: [
          {
            matches: prefix('/socket.io'),
            backendRefs: backendRefs('chat-gateway', PORTS.gateway),
            // Session persistence (GEP-1619): the Gateway API counterpart of the cookie affinity.
            sessionPersistence: {
              sessionName: AFFINITY_COOKIE,
              type: 'Cookie',
              // Gateway API durations allow at most five digits per unit (172800s is refused): hours.
              absoluteTimeout: `${AFFINITY_COOKIE_MAX_AGE_SECONDS / 3600}h`,
              cookieConfig: { lifetimeType: 'Permanent' },
            },
            // "0s" disables the request timeout, which would otherwise cut long-lived WebSockets.
            timeouts: { request: '0s' },
          },
          { matches: prefix('/api'), backendRefs: backendRefs('chat-gateway', PORTS.gateway) },
          { matches: prefix('/'), backendRefs: backendRefs('chat-web', PORTS.web) },
        ],
      },
    });
  }
}
