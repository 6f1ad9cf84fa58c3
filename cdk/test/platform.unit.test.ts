import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../services/edge/src/routes.ts';
import { PUBLIC_ROUTES } from '../src/api-routes.ts';
import { WORKLOADS } from '../src/config.ts';
import { DATA_PORTS } from '../src/stacks/foundation-stack.ts';
import { lambdaBackedResources, only, readTemplates, resourcesOfType, synthStage, type CfnResource } from './synth.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stages = { dev: synthStage('dev'), prod: synthStage('prod') };

/** The Foundation subnet behind an `Fn::ImportValue` of its Ref, with its AZ and tier. */
function importedSubnet(stage: keyof typeof stages, value: unknown): { id: string; az: string; tier: string } {
  const name = (value as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
  if (typeof name !== 'string') throw new Error(`not an imported subnet: ${JSON.stringify(value)}`);
  const prefix = stages[stage].platform.foundation.node.id;
  const subnets = resourcesOfType(stages[stage].templates[prefix]!, 'AWS::EC2::Subnet');
  const ref = name.split(':ExportsOutputRef')[1] ?? '';
  const id = Object.keys(subnets).find((logicalId) => ref.startsWith(logicalId));
  if (!id) throw new Error(`no Foundation subnet for ${name}`);
  const props = subnets[id]!.Properties as { AvailabilityZone: string };
  const tier = /^Vpc(public|private|isolated)Subnet/.exec(id)?.[1] ?? 'unknown';
  return { id, az: props.AvailabilityZone, tier };
}

describe.each(['dev', 'prod'] as const)('%s stage', (stage) => {
  const { templates, files } = stages[stage];
  const t = (stack: 'Global' | 'Foundation' | 'Data' | 'Cluster' | 'Edge') => {
    const template = templates[`${stage === 'dev' ? 'Poc-Dev' : 'Poc-Prod'}-${stack}`];
    if (!template) throw new Error(`no ${stack} stack`);
    return template;
  };

  describe('three availability zones', () => {
    it('spreads public, private and isolated subnets over three AZs, with one NAT gateway per AZ', () => {
      const subnets = Object.entries(resourcesOfType(t('Foundation'), 'AWS::EC2::Subnet'));
      expect(subnets).toHaveLength(9);
      for (const tier of ['public', 'private', 'isolated']) {
        const azs = subnets.filter(([id]) => id.startsWith(`Vpc${tier}Subnet`)).map(([, r]) => (r.Properties as { AvailabilityZone: string }).AvailabilityZone);
        expect(new Set(azs), tier).toEqual(new Set(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']));
      }
      const nats = Object.values(resourcesOfType(t('Foundation'), 'AWS::EC2::NatGateway'));
      expect(nats).toHaveLength(3);
      expect(new Set(nats.map((n) => JSON.stringify((n.Properties as { SubnetId: unknown }).SubnetId))).size).toBe(3);
    });

    it('runs one managed node group per AZ', () => {
      const groups = Object.values(resourcesOfType(t('Cluster'), 'AWS::EKS::Nodegroup'));
      expect(groups).toHaveLength(3);
      const placed = groups.flatMap((g) => (g.Properties as { Subnets: unknown[] }).Subnets.map((s) => importedSubnet(stage, s)));
      expect(new Set(placed.map((s) => s.az)).size).toBe(3);
      expect(placed.every((s) => s.tier === 'private')).toBe(true);
    });

    it('places every data store in the three isolated subnets', () => {
      const data = t('Data');
      const msk = only(resourcesOfType(data, 'AWS::MSK::Cluster')).Properties as { BrokerNodeGroupInfo: { ClientSubnets: unknown[] }; NumberOfBrokerNodes: number };
      const search = only(resourcesOfType(data, 'AWS::OpenSearchService::Domain')).Properties as { VPCOptions: { SubnetIds: unknown[] } };
      const redisSubnets = only(resourcesOfType(data, 'AWS::ElastiCache::SubnetGroup')).Properties as { SubnetIds: unknown[] };
      const dbSubnets = only(resourcesOfType(data, 'AWS::RDS::DBSubnetGroup')).Properties as { SubnetIds: unknown[] };
      for (const [name, ids] of Object.entries({ msk: msk.BrokerNodeGroupInfo.ClientSubnets, search: search.VPCOptions.SubnetIds, redis: redisSubnets.SubnetIds, aurora: dbSubnets.SubnetIds })) {
        const placed = ids.map((s) => importedSubnet(stage, s));
        expect(placed.map((s) => s.tier), name).toEqual(['isolated', 'isolated', 'isolated']);
        expect(new Set(placed.map((s) => s.az)).size, name).toBe(3);
      }
      expect(msk.NumberOfBrokerNodes % 3).toBe(0);
    });
  });

  describe('no Lambda anywhere', () => {
    it('has no AWS::Lambda::* nor custom resource in any template of the assembly', () => {
      expect(Object.keys(files).length).toBeGreaterThanOrEqual(5);
      expect(lambdaBackedResources(files)).toEqual([]);
    });
  });

  describe('data stores: encrypted, multi-AZ, not publicly reachable', () => {
    it('Aurora PostgreSQL: encrypted with the data key, a writer and readers, private, TLS forced', () => {
      t('Data').hasResourceProperties('AWS::RDS::DBCluster', {
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        EnableIAMDatabaseAuthentication: true,
        DeletionProtection: stage === 'prod',
      });
      const instances = Object.values(resourcesOfType(t('Data'), 'AWS::RDS::DBInstance'));
      expect(instances.length).toBeGreaterThanOrEqual(stage === 'prod' ? 3 : 2);
      for (const i of instances) expect((i.Properties as { PubliclyAccessible: boolean }).PubliclyAccessible).toBe(false);
      t('Data').hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
    });

    it('MSK: TLS between clients and brokers and inside the cluster, IAM auth only, KMS at rest, no public access', () => {
      t('Data').hasResourceProperties('AWS::MSK::Cluster', {
        EncryptionInfo: { EncryptionAtRest: { DataVolumeKMSKeyId: Match.anyValue() }, EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
        ClientAuthentication: { Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } }, Unauthenticated: { Enabled: false } },
        BrokerNodeGroupInfo: Match.objectLike({ ConnectivityInfo: { PublicAccess: { Type: 'DISABLED' } } }),
      });
    });

    it('OpenSearch: zone awareness over three AZs, dedicated masters, encrypted at rest and in transit, in the VPC', () => {
      t('Data').hasResourceProperties('AWS::OpenSearchService::Domain', {
        ClusterConfig: Match.objectLike({ ZoneAwarenessEnabled: true, ZoneAwarenessConfig: { AvailabilityZoneCount: 3 }, InstanceCount: 3, DedicatedMasterEnabled: true, DedicatedMasterCount: 3 }),
        EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: Match.objectLike({ EnforceHTTPS: true }),
        VPCOptions: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
      });
    });

    it('Redis: multi-AZ with automatic failover, encrypted at rest and in transit, AUTH from Secrets Manager', () => {
      t('Data').hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        ReplicasPerNodeGroup: 2,
        AtRestEncryptionEnabled: true,
        KmsKeyId: Match.anyValue(),
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        PreferredCacheClusterAZs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      });
      const redis = only(resourcesOfType(t('Data'), 'AWS::ElastiCache::ReplicationGroup'));
      expect(JSON.stringify(redis.Properties?.AuthToken)).toContain('{{resolve:secretsmanager:');
    });

    it('S3: every bucket is KMS-encrypted, blocks all public access and refuses plain HTTP', () => {
      const buckets = { ...resourcesOfType(t('Data'), 'AWS::S3::Bucket'), ...resourcesOfType(t('Edge'), 'AWS::S3::Bucket') };
      expect(Object.keys(buckets).length).toBe(3);
      for (const [id, bucket] of Object.entries(buckets)) {
        expect(bucket.Properties, id).toMatchObject({
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        });
      }
      for (const stack of ['Data', 'Edge'] as const) {
        const policies = Object.values(resourcesOfType(t(stack), 'AWS::S3::BucketPolicy'));
        expect(policies.length).toBe(Object.keys(resourcesOfType(t(stack), 'AWS::S3::Bucket')).length);
        for (const p of policies) {
          const statements = (p.Properties as { PolicyDocument: { Statement: { Effect: string; Condition?: unknown; Principal?: unknown }[] } }).PolicyDocument.Statement;
          expect(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'))).toBe(true);
          // Nobody but CloudFront (a service principal) is granted anything by the bucket policy.
          for (const s of statements.filter((s) => s.Effect === 'Allow')) expect(s.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
        }
      }
    });

    it('Secrets Manager secrets and the alarm topic are encrypted with a customer-managed key that rotates', () => {
      for (const secret of Object.values(resourcesOfType(t('Data'), 'AWS::SecretsManager::Secret'))) expect(secret.Properties?.KmsKeyId).toBeDefined();
      t('Foundation').hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      for (const key of Object.values(resourcesOfType(t('Foundation'), 'AWS::KMS::Key'))) expect(key.Properties?.EnableKeyRotation).toBe(true);
    });

    it('isolated subnets have no route out of the VPC', () => {
      const routes = Object.values(resourcesOfType(t('Foundation'), 'AWS::EC2::Route'));
      const isolatedTables = Object.keys(resourcesOfType(t('Foundation'), 'AWS::EC2::RouteTable')).filter((id) => id.startsWith('Vpcisolated'));
      expect(isolatedTables).toHaveLength(3);
      for (const route of routes) {
        expect(isolatedTables).not.toContain(((route.Properties as { RouteTableId: { Ref: string } }).RouteTableId).Ref);
      }
    });
  });

  describe('security groups open only what the architecture needs', () => {
    const allIngress = () =>
      Object.entries(files).flatMap(([file, template]) =>
        Object.entries(template.Resources)
          .filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroupIngress')
          .map(([id, r]) => ({ file, id, ...(r.Properties as Record<string, unknown>) }) as { file: string; id: string } & Record<string, unknown>),
      );
    const groupId = (logicalPrefix: string) => {
      const ids = Object.keys(resourcesOfType(t('Foundation'), 'AWS::EC2::SecurityGroup')).filter((id) => id.startsWith(logicalPrefix));
      if (ids.length !== 1) throw new Error(`security group ${logicalPrefix}: ${ids.join(',')}`);
      return { 'Fn::GetAtt': [ids[0], 'GroupId'] };
    };

    it('no security group accepts traffic from the whole internet, and none declares inline rules', () => {
      for (const rule of allIngress()) {
        expect(rule.CidrIp, rule.id).toBeUndefined();
        expect(rule.CidrIpv6, rule.id).toBeUndefined();
      }
      for (const template of Object.values(files)) {
        for (const [id, r] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroup')) {
          expect(r.Properties?.SecurityGroupIngress, id).toBeUndefined();
        }
      }
    });

    it.each(Object.entries({ Aurora: DATA_PORTS.postgres, Msk: DATA_PORTS.kafka, OpenSearch: DATA_PORTS.opensearch, Redis: DATA_PORTS.redis }))(
      '%s accepts only its port, only from the EKS nodes',
      (name, port) => {
        const rules = allIngress().filter((r) => JSON.stringify(r.GroupId) === JSON.stringify(groupId(name)));
        expect(rules).toHaveLength(1);
        expect(rules[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: port, ToPort: port, SourceSecurityGroupId: groupId('Nodes') });
      },
    );

    it('the internal ALB accepts port 80 from the API Gateway VPC link and CloudFront only', () => {
      const rules = allIngress().filter((r) => JSON.stringify(r.GroupId) === JSON.stringify(groupId('IngressAlb')));
      expect(rules.map((r) => [r.FromPort, r.ToPort, r.SourceSecurityGroupId ?? r.SourcePrefixListId])).toEqual(
        expect.arrayContaining([
          [80, 80, groupId('VpcLink')],
          [80, 80, 'pl-4fa04526'],
        ]),
      );
      expect(rules).toHaveLength(2);
    });

    it('the data security groups send nothing out', () => {
      for (const name of ['Aurora', 'Msk', 'OpenSearch', 'Redis']) {
        const id = (groupId(name)['Fn::GetAtt'] as string[])[0]!;
        const group = resourcesOfType(t('Foundation'), 'AWS::EC2::SecurityGroup')[id]!;
        expect((group.Properties as { SecurityGroupEgress: { CidrIp: string }[] }).SecurityGroupEgress).toEqual([
          expect.objectContaining({ CidrIp: '255.255.255.255/32' }), // CDK's "no egress" marker
        ]);
      }
    });
  });

  describe('EKS', () => {
    it('is an L1 cluster with private endpoint, secrets encryption, all control-plane logs and API access entries', () => {
      t('Cluster').hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
        EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })],
        AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
        Logging: { ClusterLogging: { EnabledTypes: Match.arrayWith([{ Type: 'audit' }]) } },
      });
      t('Cluster').resourceCountIs('AWS::EKS::AccessEntry', 1);
      t('Cluster').hasResourceProperties('AWS::EKS::Addon', { AddonName: 'vpc-cni', ConfigurationValues: Match.stringLikeRegexp('enableNetworkPolicy') });
      t('Cluster').hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }) }) });
    });

    it.each(WORKLOADS.map((w) => w.name))('binds ServiceAccount poc/%s to its own IRSA role', (name) => {
      const roles = Object.values(resourcesOfType(t('Cluster'), 'AWS::IAM::Role')).filter((r) => r.Properties?.RoleName === `poc-${stage}-${name}`);
      expect(roles).toHaveLength(1);
      const trust = JSON.stringify(roles[0]!.Properties?.AssumeRolePolicyDocument);
      expect(trust).toContain('sts:AssumeRoleWithWebIdentity');
      expect(trust).toContain(`system:serviceaccount:poc:${name}`);
      expect(trust).toContain('Fn::Sub');
    });

    it('has an encrypted, scanned, immutable image repository per workload', () => {
      for (const w of WORKLOADS) {
        t('Cluster').hasResourceProperties('AWS::ECR::Repository', {
          RepositoryName: `poc-tracker/${w.name}`,
          ImageTagMutability: 'IMMUTABLE',
          ImageScanningConfiguration: { ScanOnPush: true },
          EncryptionConfiguration: Match.objectLike({ EncryptionType: 'KMS' }),
        });
      }
    });

    it('gives each workload only its own Kafka topics and buckets', () => {
      const policyOf = (name: string) => JSON.stringify(Object.values(resourcesOfType(t('Cluster'), 'AWS::IAM::Role')).find((r) => r.Properties?.RoleName === `poc-${stage}-${name}`)?.Properties?.Policies ?? []);
      expect(policyOf('video')).toContain('videos.events.v1');
      expect(policyOf('video')).not.toContain('pocs.events.v1');
      expect(policyOf('video')).toContain('MediaBucket');
      expect(policyOf('video')).not.toContain('ReportsBucket');
      expect(policyOf('reports')).toContain('ReportsBucket');
      expect(policyOf('query')).not.toContain('kafka-cluster:WriteData');
      expect(policyOf('query')).not.toContain('es:ESHttpPut');
      expect(policyOf('projector')).toContain('es:ESHttpPut');
    });
  });

  describe('edge: API Gateway, CloudFront, WAF, Route 53', () => {
    const apiRoutes = () =>
      Object.values(resourcesOfType(t('Edge'), 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties as { RouteKey: string; AuthorizationType: string; Target: unknown });

    it('checks JWTs from our issuer and the platform audience at API Gateway and leaves only the login/JWKS routes open', () => {
      t('Edge').hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: { Issuer: `https://api.${stage === 'dev' ? 'dev.' : ''}poc-tracker.example.com`, Audience: ['poc-tracker-api'] },
      });
      const routes = apiRoutes();
      const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey).sort();
      expect(open).toEqual([...PUBLIC_ROUTES].sort());
      t('Edge').hasResourceProperties('AWS::ApiGatewayV2::Integration', { ConnectionType: 'VPC_LINK', IntegrationUri: Match.anyValue() });
    });

    it('routes every prefix of ROUTES (services/edge/src/routes.ts) into the cluster, and nothing else', () => {
      const routes = apiRoutes();
      const prefixes = [...new Set(ROUTES.map((r) => r.prefix))];
      const under = (path: string) => prefixes.filter((p) => path === p || path.startsWith(`${p}/`)).sort((a, b) => b.length - a.length)[0];
      // Nothing outside the table gets in: no $default, no path ROUTES does not know.
      expect(routes.map((r) => r.RouteKey)).not.toContain('$default');
      for (const r of routes) expect(under(r.RouteKey.split(' ')[1]!.replace('/{proxy+}', '')), r.RouteKey).toBeDefined();
      // Every prefix, with and without a sub-path, for every method the edge routes it for.
      for (const prefix of prefixes) {
        const methods = new Set(ROUTES.filter((r) => r.prefix === prefix).flatMap((r) => r.methods ?? ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']));
        for (const path of [prefix, `${prefix}/{proxy+}`]) {
          for (const method of methods) {
            const match = routes.find((r) => r.RouteKey === `${method} ${path}`) ?? routes.find((r) => r.RouteKey === `ANY ${path}`);
            expect(match, `${method} ${path}`).toBeDefined();
          }
        }
      }
      // One integration (the VPC link to the ALB) behind every route: the Ingress picks the service.
      expect(new Set(routes.map((r) => JSON.stringify(r.Target))).size).toBe(1);
      // Only identity serves requests without a token (sign-up, login, refresh, JWKS, OIDC discovery).
      for (const key of PUBLIC_ROUTES) {
        const prefix = under(key.split(' ')[1]!.replace('/{proxy+}', ''));
        expect(ROUTES.filter((r) => r.prefix === prefix).map((r) => r.upstream), key).toEqual(['identity']);
      }
    });

    it('puts a WAF in front of both distributions and on the ALB behind API Gateway', () => {
      const distributions = Object.values(resourcesOfType(t('Edge'), 'AWS::CloudFront::Distribution'));
      expect(distributions).toHaveLength(2);
      for (const d of distributions) expect((d.Properties as { DistributionConfig: { WebACLId: string } }).DistributionConfig.WebACLId).toMatch(/^arn:aws:wafv2:us-east-1:/);
      t('Global').hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
      t('Edge').hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
      t('Edge').resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      t('Edge').hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    });

    it('routes the WebSocket prefixes of ROUTES (dojo sync) from CloudFront to the internal ALB, uncached, and no other path', () => {
      const api = Object.values(resourcesOfType(t('Edge'), 'AWS::CloudFront::Distribution')).find((d) =>
        JSON.stringify((d.Properties as { DistributionConfig: { Aliases: string[] } }).DistributionConfig.Aliases).includes('"api.'),
      );
      const config = (api!.Properties as { DistributionConfig: { CacheBehaviors: { PathPattern: string; TargetOriginId: string; CachePolicyId: string }[]; Origins: { Id: string; VpcOriginConfig?: unknown }[] } }).DistributionConfig;
      const webSockets = ROUTES.filter((r) => r.websocket).map((r) => `${r.prefix}/*`);
      expect(webSockets).toContain('/v1/dojos/*');
      expect(config.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual([...webSockets].sort());
      for (const b of config.CacheBehaviors) {
        expect(config.Origins.find((o) => o.Id === b.TargetOriginId)?.VpcOriginConfig, b.PathPattern).toBeDefined();
        expect(b.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
      }
      t('Edge').hasResourceProperties('AWS::CloudFront::VpcOrigin', Match.anyValue());
    });

    it('serves media and reports only through signed URLs and the web build from a private bucket', () => {
      const app = Object.values(resourcesOfType(t('Edge'), 'AWS::CloudFront::Distribution')).find((d) => JSON.stringify(d).includes('/media/*'));
      const config = (app!.Properties as { DistributionConfig: { CacheBehaviors: { PathPattern: string; TrustedKeyGroups?: unknown[] }[]; Origins: { OriginAccessControlId?: unknown }[] } }).DistributionConfig;
      for (const path of ['/media/*', '/reports/*']) expect(config.CacheBehaviors.find((b) => b.PathPattern === path)?.TrustedKeyGroups).toHaveLength(1);
      for (const origin of config.Origins) expect(origin.OriginAccessControlId).toBeDefined();
    });

    it('publishes app and api names in Route 53', () => {
      const records = Object.values(resourcesOfType(t('Edge'), 'AWS::Route53::RecordSet')).map((r) => `${(r.Properties as { Type: string; Name: string }).Type} ${(r.Properties as { Name: string }).Name}`);
      const domain = stage === 'dev' ? 'dev.poc-tracker.example.com.' : 'poc-tracker.example.com.';
      expect(records.sort()).toEqual([`A api.${domain}`, `A app.${domain}`, `AAAA api.${domain}`, `AAAA app.${domain}`]);
    });
  });

  it('has CloudWatch alarms on every data store and the edge, all notifying the alarm topic', () => {
    const alarms = ['Data', 'Edge'].flatMap((s) => Object.values(resourcesOfType(t(s as 'Data' | 'Edge'), 'AWS::CloudWatch::Alarm')));
    const namespaces = new Set(alarms.map((a) => (a.Properties as { Namespace?: string }).Namespace));
    for (const ns of ['AWS/RDS', 'AWS/Kafka', 'AWS/ES', 'AWS/ElastiCache', 'AWS/ApplicationELB', 'AWS/ApiGateway']) expect(namespaces).toContain(ns);
    for (const a of alarms) expect((a.Properties as { AlarmActions: unknown[] }).AlarmActions).toHaveLength(1);
  });
});

describe('stages', () => {
  it('prod keeps its data: termination protection and retained data stores', () => {
    expect(stages.prod.platform.data.terminationProtection).toBe(true);
    expect(stages.dev.platform.data.terminationProtection).toBe(false);
    const retained = (stage: 'dev' | 'prod', type: string) =>
      Object.values(resourcesOfType(stages[stage].templates[`Poc-${stage === 'dev' ? 'Dev' : 'Prod'}-Data`]!, type)).every((r: CfnResource) => r.DeletionPolicy === 'Retain');
    expect(retained('prod', 'AWS::MSK::Cluster')).toBe(true);
    expect(retained('prod', 'AWS::OpenSearchService::Domain')).toBe(true);
    expect(retained('dev', 'AWS::MSK::Cluster')).toBe(false);
  });

  it('does not synthesise the Edge stack before the Global stack outputs are known', () => {
    const partial = synthStage('dev', {});
    expect(partial.platform.edge).toBeUndefined();
    expect(partial.platform.stacks.map((s) => s.node.id)).toEqual(['Poc-Dev-Global', 'Poc-Dev-Foundation', 'Poc-Dev-Data', 'Poc-Dev-Cluster']);
  });
});

describe('the no-Lambda check itself', () => {
  it('catches the hidden Lambda of a construct helper (a bucket with autoDeleteObjects)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'poc-cdk-canary-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Canary', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'Bucket', { autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY });
    app.synth();
    const hits = lambdaBackedResources(readTemplates(outdir));
    expect(hits.some((h) => h.includes('AWS::Lambda::Function'))).toBe(true);
    expect(hits.some((h) => h.includes('Custom::S3AutoDeleteObjects'))).toBe(true);
  });
});
