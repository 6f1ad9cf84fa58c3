/**
 * Stage configuration: everything that differs between `dev` and `prod`, chosen by the CDK context
 * key `stage` (`cdk synth -c stage=prod`). Account-specific values come from context too, so the
 * same code serves every account and nothing here needs AWS credentials to synthesise.
 *
 * @example
 *   const config = resolveStageConfig((key) => app.node.tryGetContext(key));
 *   // config.stage === 'dev', config.availabilityZones.length === 3
 */

export type Stage = 'dev' | 'prod';

/** What the us-east-1 Global stack produced; the regional Edge stack needs it (see docs/deploy.md). */
export interface GlobalEdgeOutputs {
  /** WAFv2 WebACL (scope CLOUDFRONT) ARN: output `CloudFrontWebAclArn` of Poc-<Stage>-Global. */
  readonly webAclArn: string;
  /** ACM certificate (us-east-1) ARN covering app.<domain> and api.<domain>: output `CloudFrontCertificateArn`. */
  readonly certificateArn: string;
  /** PEM public key whose private half signs CloudFront URLs for media and reports. */
  readonly signingPublicKeyPem: string;
}

export interface StageConfig {
  readonly stage: Stage;
  readonly account: string;
  readonly region: string;
  /** Exactly three AZs of `region`, explicit so synthesis needs no credentials and yields three AZs. */
  readonly availabilityZones: readonly [string, string, string];
  readonly vpcCidr: string;
  /** Apex of the platform's names: app.<domainName> (web, media, reports), api.<domainName> (API, dojo sync). */
  readonly domainName: string;
  /** An existing public hosted zone for domainName (created once by hand, see docs/deploy.md). */
  readonly hostedZoneId: string;
  /**
   * The CloudFront origin-facing managed prefix list of `region`
   * (`aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`).
   */
  readonly cloudFrontPrefixListId: string;
  readonly eks: {
    readonly version: string;
    readonly instanceTypes: readonly string[];
    /** Per AZ: one managed node group per AZ so the autoscaler can add capacity where a pod must go. */
    readonly nodesPerAz: { readonly min: number; readonly desired: number; readonly max: number };
    /** CIDRs allowed to reach the public API endpoint (CI, operators); empty = private endpoint only. */
    readonly publicAccessCidrs: readonly string[];
    /** IAM role ARN given cluster-admin through an EKS access entry; default: the Cluster stack's own admin role. */
    readonly adminRoleArn?: string;
  };
  readonly msk: { readonly kafkaVersion: string; readonly instanceType: string; readonly volumeGiB: number };
  readonly aurora: { readonly instanceClass: string; readonly readers: number };
  readonly openSearch: {
    readonly engineVersion: string;
    readonly dataInstanceType: string;
    readonly masterInstanceType: string;
    readonly volumeGiB: number;
  };
  readonly redis: { readonly nodeType: string };
  /**
   * What API Gateway's JWT authorizer accepts; must equal what identity signs (the charts'
   * `global.config.JWT_ISSUER` / `JWT_AUDIENCE`). API Gateway reads
   * `<issuer>/.well-known/openid-configuration` from the internet, so the issuer is an https URL:
   * default `https://api.<domainName>`, where identity answers through the public `/.well-known` route.
   * The audience defaults to the platform's `JWT_AUDIENCE` default, `poc-tracker-api`.
   */
  readonly jwt: { readonly issuer: string; readonly audience: readonly string[] };
  /** prod keeps data on stack deletion and turns on deletion protection. */
  readonly retainData: boolean;
  readonly alarmEmail?: string;
  /** Absent until the Global stack is deployed: then the app synthesises every stack but Edge. */
  readonly globalEdge?: GlobalEdgeOutputs;
}

export type ContextReader = (key: string) => unknown;

/** The platform's default `JWT_AUDIENCE` (services/platform/src/config/env.ts, authEnv). */
export const DEFAULT_JWT_AUDIENCE = 'poc-tracker-api';

const STAGE_DEFAULTS: Record<Stage, Omit<StageConfig, 'account' | 'globalEdge' | 'alarmEmail' | 'jwt'> & { jwtAudience: readonly string[] }> = {
  dev: {
    stage: 'dev',
    region: 'eu-west-1',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    vpcCidr: '10.0.0.0/16',
    domainName: 'dev.poc-tracker.example.com',
    hostedZoneId: 'Z0000000000000000DEV',
    cloudFrontPrefixListId: 'pl-4fa04526',
    eks: {
      version: '1.33',
      instanceTypes: ['m7i.large'],
      nodesPerAz: { min: 1, desired: 1, max: 3 },
      publicAccessCidrs: [],
    },
    msk: { kafkaVersion: '3.8.x', instanceType: 'kafka.t3.small', volumeGiB: 100 },
    aurora: { instanceClass: 'r7g.large', readers: 1 },
    openSearch: {
      engineVersion: 'OpenSearch_2.19',
      dataInstanceType: 'm7g.large.search',
      masterInstanceType: 'm7g.large.search',
      volumeGiB: 50,
    },
    redis: { nodeType: 'cache.t4g.medium' },
    jwtAudience: [DEFAULT_JWT_AUDIENCE],
    retainData: false,
  },
  prod: {
    stage: 'prod',
    region: 'eu-west-1',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    vpcCidr: '10.0.0.0/16',
    domainName: 'poc-tracker.example.com',
    hostedZoneId: 'Z000000000000000PROD',
    cloudFrontPrefixListId: 'pl-4fa04526',
    eks: {
      version: '1.33',
      instanceTypes: ['m7i.xlarge', 'm6i.xlarge'],
      nodesPerAz: { min: 2, desired: 2, max: 8 },
      publicAccessCidrs: [],
    },
    msk: { kafkaVersion: '3.8.x', instanceType: 'kafka.m7g.large', volumeGiB: 1000 },
    aurora: { instanceClass: 'r7g.xlarge', readers: 2 },
    openSearch: {
      engineVersion: 'OpenSearch_2.19',
      dataInstanceType: 'r7g.large.search',
      masterInstanceType: 'm7g.large.search',
      volumeGiB: 200,
    },
    redis: { nodeType: 'cache.r7g.large' },
    jwtAudience: [DEFAULT_JWT_AUDIENCE],
    retainData: true,
  },
};

/** Account used when synthesising without credentials or an `account` context value. */
export const PLACEHOLDER_ACCOUNT = '000000000000';

function str(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`CDK context "${key}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function list(read: ContextReader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  throw new Error(`CDK context "${key}" must be a list or a comma-separated string`);
}

/**
 * Builds the stage config from CDK context. Context keys: `stage` (dev|prod), `account`, `region`,
 * `azs` (three, comma-separated), `domainName`, `hostedZoneId`, `cloudFrontPrefixListId`,
 * `eksPublicAccessCidrs`, `eksAdminRoleArn`, `alarmEmail`, `jwtIssuer` (default `https://api.<domainName>`),
 * `jwtAudience` (comma-separated, default `poc-tracker-api`), and, once the Global stack exists,
 * `cloudFrontWebAclArn`, `cloudFrontCertificateArn`, `cdnSigningPublicKeyPem`.
 */
export function resolveStageConfig(read: ContextReader, defaultAccount?: string): StageConfig {
  const stageName = str(read, 'stage') ?? 'dev';
  if (stageName !== 'dev' && stageName !== 'prod') {
    throw new Error(`CDK context "stage" must be dev or prod, got "${stageName}"`);
  }
  const base = STAGE_DEFAULTS[stageName];
  const region = str(read, 'region') ?? base.region;
  const azs = list(read, 'azs') ?? (region === base.region ? [...base.availabilityZones] : ['a', 'b', 'c'].map((s) => region + s));
  if (azs.length !== 3 || new Set(azs).size !== 3 || azs.some((az) => !az.startsWith(region))) {
    throw new Error(`CDK context "azs" must name three distinct AZs of ${region}, got ${azs.join(',')}`);
  }
  const account = str(read, 'account') ?? defaultAccount ?? PLACEHOLDER_ACCOUNT;
  if (!/^\d{12}$/.test(account)) throw new Error(`CDK context "account" must be a 12-digit account id, got "${account}"`);

  const webAclArn = str(read, 'cloudFrontWebAclArn');
  const certificateArn = str(read, 'cloudFrontCertificateArn');
  const signingPublicKeyPem = str(read, 'cdnSigningPublicKeyPem');
  const globalEdge = webAclArn && certificateArn && signingPublicKeyPem ? { webAclArn, certificateArn, signingPublicKeyPem } : undefined;
  const adminRoleArn = str(read, 'eksAdminRoleArn');
  const alarmEmail = str(read, 'alarmEmail');
  const domainName = str(read, 'domainName') ?? base.domainName;
  const issuer = str(read, 'jwtIssuer') ?? `https://api.${domainName}`;
  // API Gateway fetches <issuer>/.well-known/openid-configuration: an absolute https URL, no query or fragment.
  if (!/^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(issuer)) {
    throw new Error(`CDK context "jwtIssuer" must be an https URL without query or fragment (API Gateway reads <issuer>/.well-known/openid-configuration), got "${issuer}"`);
  }
  const audience = list(read, 'jwtAudience') ?? [...base.jwtAudience];
  if (audience.length === 0) throw new Error('CDK context "jwtAudience" must name at least one audience');
  const { jwtAudience: _defaultAudience, ...stageDefaults } = base;

  return {
    ...stageDefaults,
    account,
    region,
    availabilityZones: azs as unknown as [string, string, string],
    domainName,
    hostedZoneId: str(read, 'hostedZoneId') ?? base.hostedZoneId,
    cloudFrontPrefixListId: str(read, 'cloudFrontPrefixListId') ?? base.cloudFrontPrefixListId,
    eks: {
      ...base.eks,
      publicAccessCidrs: list(read, 'eksPublicAccessCidrs') ?? base.eks.publicAccessCidrs,
      ...(adminRoleArn ? { adminRoleArn } : {}),
    },
    jwt: { issuer, audience },
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(globalEdge ? { globalEdge } : {}),
  };
}

/** `Poc-Dev`, `Poc-Prod`: the prefix of every stack name of a stage. */
export function stackPrefix(stage: Stage): string {
  return `Poc-${stage === 'dev' ? 'Dev' : 'Prod'}`;
}

/** The workloads that run on EKS, with what each may touch in AWS (drives the IRSA roles). */
export interface WorkloadAccess {
  readonly name: string;
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  readonly consumerGroup?: string;
  readonly buckets: readonly ('media' | 'reports')[];
  readonly openSearch?: 'read' | 'write';
}

export const TOPICS = ['pocs.events.v1', 'dojos.events.v1', 'identity.events.v1', 'videos.events.v1'] as const;

export const WORKLOADS: readonly WorkloadAccess[] = [
  { name: 'identity', produces: ['identity.events.v1'], consumes: [], buckets: [] },
  { name: 'pocs', produces: ['pocs.events.v1', 'videos.events.v1'], consumes: [], buckets: [] },
  { name: 'query', produces: [], consumes: [], buckets: [], openSearch: 'read' },
  { name: 'dojo', produces: ['dojos.events.v1'], consumes: [], buckets: [] },
  { name: 'reports', produces: [], consumes: [], buckets: ['reports'] },
  { name: 'video', produces: ['videos.events.v1'], consumes: ['videos.events.v1'], consumerGroup: 'video-worker', buckets: ['media'] },
  { name: 'projector', produces: [], consumes: [...TOPICS], consumerGroup: 'projector', buckets: [], openSearch: 'write' },
  // Splits /v1/pocs by method in the cluster (charts/poc-tracker/charts/edge); touches nothing in AWS.
  { name: 'edge', produces: [], consumes: [], buckets: [] },
];
