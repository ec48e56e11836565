import { installKubernetesSchemas, KUBERNETES_SCHEMA_DIR } from './tools';

// `npm run tools -w @chat/k8s`: the offline data the k8s tests need besides the Go tools.
installKubernetesSchemas();
console.log(`Kubernetes schemas in ${KUBERNETES_SCHEMA_DIR}`);
