import { Annotations, type App, type Stack } from 'aws-cdk-lib';
import { stackPrefix, type StageConfig } from './config.ts';
import { ClusterStack } from './stacks/cluster-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EdgeStack } from './stacks/edge-stack.ts';
import { FoundationStack } from './stacks/foundation-stack.ts';
import { GlobalStack } from './stacks/global-stack.ts';

export interface Platform {
  readonly global: GlobalStack;
  readonly foundation: FoundationStack;
  readonly data: DataStack;
  readonly cluster: ClusterStack;
  /** Absent until the Global stack's outputs are given as context (docs/deploy.md, step 3). */
  readonly edge?: EdgeStack;
  readonly stacks: readonly Stack[];
}

/**
 * Adds one stage of the platform to `app`, in deployment order:
 * Global (us-east-1) → Foundation → Data → Cluster → Edge.
 *
 * @example
 *   const app = new App({ context: { stage: 'prod', account: '123456789012' } });
 *   addPlatform(app, resolveStageConfig((k) => app.node.tryGetContext(k)));
 */
export function addPlatform(app: App, config: StageConfig): Platform {
  const prefix = stackPrefix(config.stage);
  const env = { account: config.account, region: config.region };
  const tags = { project: 'poc-tracker', stage: config.stage };
  const common = { config, tags, terminationProtection: config.retainData };

  const global = new GlobalStack(app, `${prefix}-Global`, { ...common, env: { account: config.account, region: 'us-east-1' } });
  const foundation = new FoundationStack(app, `${prefix}-Foundation`, { ...common, env });
  const data = new DataStack(app, `${prefix}-Data`, { ...common, env, foundation });
  const cluster = new ClusterStack(app, `${prefix}-Cluster`, { ...common, env, foundation, data });
  const edge = config.globalEdge
    ? new EdgeStack(app, `${prefix}-Edge`, { ...common, env, foundation, data, globalEdge: config.globalEdge })
    : undefined;
  if (!edge) {
    Annotations.of(global).addInfo(
      `${prefix}-Edge is not synthesised until the context holds cloudFrontWebAclArn, cloudFrontCertificateArn and cdnSigningPublicKeyPem (docs/deploy.md).`,
    );
  }
  return { global, foundation, data, cluster, ...(edge ? { edge } : {}), stacks: [global, foundation, data, cluster, ...(edge ? [edge] : [])] };
}
