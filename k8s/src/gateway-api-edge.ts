import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PlatformConfig } from './config';

/** Envoy Gateway's controller name, which its GatewayClass names. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Listener names of the Gateway: routes attach to `https`; `http` serves ACME HTTP-01 and redirects. */
export const GATEWAY_LISTENERS = { http: 'http', https: 'https' } as const;
/** Secret (in the Gateway's namespace) cert-manager writes the public certificate to. */
export const GATEWAY_TLS_SECRET = 'chat-gateway-tls';

/**
 * The edge in `gateway-api` mode, run by Envoy Gateway (a maintained Gateway API implementation that
 * supports cookie session persistence): a GatewayClass with its EnvoyProxy (on EKS an internet-facing
 * NLB from the AWS Load Balancer Controller that sends the PROXY protocol v2 header), the Gateway with
 * its HTTPS listener (certificate from cert-manager) and HTTP listener, and a ClientTrafficPolicy
 * that reads the PROXY header, so the client address Envoy appends to X-Forwarded-For is the real one
 * and a client-sent X-Forwarded-For is never trusted as its own.
 */
export class GatewayApiEdge extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig, issuerName: string) {
    super(scope, id);
    const { gatewayName, gatewayNamespace, className, loadBalancer } = config.gatewayApi;
    const nlb = loadBalancer === 'aws-nlb';
    new ApiObject(this, 'proxy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: className, namespace: gatewayNamespace },
      spec: {
        provider: {
          type: 'Kubernetes',
          kubernetes: {
            envoyDeployment: { replicas: nlb ? 3 : 1 },
            envoyService: {
              type: 'LoadBalancer',
              ...(nlb
                ? {
                    annotations: {
                      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
                      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
                      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
                      // The NLB prepends a PROXY v2 header carrying the client's address.
                      'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'proxy_protocol_v2.enabled=true',
                    },
                  }
                : {}),
            },
          },
        },
        // Envoy's own drain on shutdown: long enough for WebSockets to move to another proxy.
        shutdown: { drainTimeout: '300s' },
      },
    });
    new ApiObject(this, 'class', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: className },
      spec: {
        controllerName: ENVOY_GATEWAY_CONTROLLER,
        parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: className, namespace: gatewayNamespace },
      },
    });
    const fromAppNamespace = { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': config.namespace } } } };
    new ApiObject(this, 'gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: gatewayName, namespace: gatewayNamespace, annotations: { 'cert-manager.io/cluster-issuer': issuerName } },
      spec: {
        gatewayClassName: className,
        listeners: [
          { name: GATEWAY_LISTENERS.http, protocol: 'HTTP', port: 80, hostname: config.host, allowedRoutes: fromAppNamespace },
          {
            name: GATEWAY_LISTENERS.https,
            protocol: 'HTTPS',
            port: 443,
            hostname: config.host,
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: GATEWAY_TLS_SECRET }] },
            allowedRoutes: fromAppNamespace,
          },
        ],
      },
    });
    new ApiObject(this, 'client-policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      metadata: { name: gatewayName, namespace: gatewayNamespace },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gatewayName }],
        // Behind the NLB every connection starts with the PROXY header: required, never optional,
        // so nothing can bypass it with a forged address.
        ...(config.gatewayApi.proxyProtocol ? { proxyProtocol: { optional: false } } : {}),
        // X-Forwarded-For: Envoy appends the peer (the PROXY header's client); earlier entries are the client's own claims.
        clientIPDetection: { xForwardedFor: { numTrustedHops: 0 } },
        // A quiet WebSocket is not a dead one: Socket.IO pings every 25 s.
        timeout: { http: { idleTimeout: '3600s' } },
      },
    });
  }
}
