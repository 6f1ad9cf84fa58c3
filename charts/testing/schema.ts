/**
 * Validates rendered objects against Kubernetes JSON schemas: the OpenAPI-derived validators that
 * `kubernetes-models` (core kinds) and `@kubernetes-models/keda` (ScaledObject,
 * TriggerAuthentication) ship, plus two hand-kept minimal schemas (ajv) for the CRDs that have no
 * npm schema package (AWS Load Balancer Controller's TargetGroupBinding, External Secrets'
 * ExternalSecret). A kind with no schema is an error, so nothing renders unchecked.
 *
 * @example
 *   expect(schemaErrors(renderChart())).toEqual([]);
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { TriggerAuthentication, ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { K8sObject } from './render.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as ModelClass,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject as unknown as ModelClass,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication as unknown as ModelClass,
};

const metadata = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }, namespace: { type: 'string' }, labels: { type: 'object' } },
};
const ajv = new Ajv({ allErrors: true, strict: true });
const HAND_KEPT: Record<string, ValidateFunction> = {
  // elbv2.k8s.aws/v1beta1 TargetGroupBinding (AWS Load Balancer Controller v2 CRD), the fields we use.
  'elbv2.k8s.aws/v1beta1/TargetGroupBinding': ajv.compile({
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: 'elbv2.k8s.aws/v1beta1' },
      kind: { const: 'TargetGroupBinding' },
      metadata,
      spec: {
        type: 'object',
        additionalProperties: false,
        required: ['targetGroupARN', 'serviceRef'],
        properties: {
          targetGroupARN: { type: 'string', pattern: '^arn:aws[a-z-]*:elasticloadbalancing:' },
          targetType: { enum: ['instance', 'ip'] },
          serviceRef: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'port'],
            properties: { name: { type: 'string' }, port: { anyOf: [{ type: 'integer' }, { type: 'string' }] } },
          },
        },
      },
    },
  }),
  // external-secrets.io/v1 ExternalSecret, the fields we use.
  'external-secrets.io/v1/ExternalSecret': ajv.compile({
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: 'external-secrets.io/v1' },
      kind: { const: 'ExternalSecret' },
      metadata,
      spec: {
        type: 'object',
        additionalProperties: false,
        required: ['secretStoreRef', 'target', 'data'],
        properties: {
          refreshInterval: { type: 'string', pattern: '^[0-9]+(s|m|h)$' },
          secretStoreRef: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'kind'],
            properties: { name: { type: 'string' }, kind: { enum: ['SecretStore', 'ClusterSecretStore'] } },
          },
          target: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string' },
              creationPolicy: { enum: ['Owner', 'Orphan', 'Merge', 'None'] },
              template: {
                type: 'object',
                additionalProperties: false,
                properties: { engineVersion: { const: 'v2' }, data: { type: 'object', additionalProperties: { type: 'string' } } },
              },
            },
          },
          data: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['secretKey', 'remoteRef'],
              properties: {
                secretKey: { type: 'string' },
                remoteRef: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['key'],
                  properties: { key: { type: 'string', minLength: 1 }, property: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  }),
};

/** One message per object that fails its schema (or has none); empty when all are valid. */
export function schemaErrors(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    const where = `${key} ${object.metadata?.name ?? '<no name>'}`;
    const Model = MODELS[key];
    const handKept = HAND_KEPT[key];
    if (Model) {
      try {
        new Model(object as never).validate();
      } catch (error) {
        errors.push(`${where}: ${(error as Error).message}`);
      }
    } else if (handKept) {
      if (!handKept(object)) errors.push(`${where}: ${ajv.errorsText(handKept.errors)}`);
    } else {
      errors.push(`${where}: no schema for this kind`);
    }
  }
  return errors;
}
