import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

/** The ports the architecture opens towards each data store, from the EKS nodes only. */
export const DATA_PORTS = { postgres: 5432, kafka: 9098, opensearch: 443, redis: 6379 } as const;
/** The ingress controller's pods behind the internal ALB (IP targets). */
export const INGRESS_TARGET_PORT = 80;

export interface FoundationStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The network and the shared security primitives: a VPC over three AZs (public, private and
 * isolated subnets, one NAT gateway per AZ), every security group of the platform (so the rules
 * between them live in one place), the KMS keys and the alarm topic.
 */
export class FoundationStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly nodeSg: ec2.SecurityGroup;
  readonly controlPlaneSg: ec2.SecurityGroup;
  readonly albSg: ec2.SecurityGroup;
  readonly vpcLinkSg: ec2.SecurityGroup;
  readonly dataSgs: Record<keyof typeof DATA_PORTS, ec2.SecurityGroup>;
  /** Encrypts Aurora, MSK, OpenSearch, ElastiCache, Secrets Manager and the alarm topic. */
  readonly dataKey: kms.Key;
  /** Encrypts the S3 buckets (media, reports, web build). */
  readonly storageKey: kms.Key;
  /** Envelope-encrypts Kubernetes Secrets in etcd. */
  readonly eksKey: kms.Key;
  readonly alarmTopic: sns.Topic;
  private readonly azs: readonly string[];

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.azs = config.availabilityZones;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: `/poc/${config.stage}/vpc-flow-logs`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: `poc-${config.stage}`,
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      availabilityZones: [...config.availabilityZones],
      natGateways: config.availabilityZones.length,
      // The default SG restriction is a Lambda-backed custom resource: no Lambda anywhere.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22 },
        // Pods take VPC IPs (VPC CNI): the private subnets are the big ones.
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 19 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.ALL },
      },
      gatewayEndpoints: { s3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    for (const subnet of this.vpc.publicSubnets) {
      (subnet.node.defaultChild as ec2.CfnSubnet).tags.setTag('kubernetes.io/role/elb', '1');
    }
    for (const subnet of this.vpc.privateSubnets) {
      (subnet.node.defaultChild as ec2.CfnSubnet).tags.setTag('kubernetes.io/role/internal-elb', '1');
    }

    const sg = (name: string, description: string, allowAllOutbound: boolean) =>
      new ec2.SecurityGroup(this, name, { vpc: this.vpc, description, allowAllOutbound, securityGroupName: `poc-${config.stage}-${name.toLowerCase()}` });

    // Worker nodes and, through the VPC CNI, every pod. Egress is open (NAT: AWS APIs, image pulls);
    // inside the namespace the NetworkPolicies of charts/ narrow it per service.
    this.nodeSg = sg('Nodes', 'EKS worker nodes and pods', true);
    this.controlPlaneSg = sg('ControlPlane', 'EKS control plane ENIs (in addition to the EKS-managed cluster SG)', false);
    this.albSg = sg('IngressAlb', 'Internal ALB in front of the ingress controller', false);
    this.vpcLinkSg = sg('VpcLink', 'API Gateway VPC link ENIs', false);

    this.nodeSg.addIngressRule(this.nodeSg, ec2.Port.allTraffic(), 'node to node and pod to pod');
    this.nodeSg.addIngressRule(this.controlPlaneSg, ec2.Port.tcp(443), 'control plane to webhooks');
    this.nodeSg.addIngressRule(this.controlPlaneSg, ec2.Port.tcp(10250), 'control plane to kubelet');
    this.controlPlaneSg.addIngressRule(this.nodeSg, ec2.Port.tcp(443), 'nodes and pods to the Kubernetes API');
    this.controlPlaneSg.addEgressRule(this.nodeSg, ec2.Port.tcp(443), 'control plane to webhooks');
    this.controlPlaneSg.addEgressRule(this.nodeSg, ec2.Port.tcp(10250), 'control plane to kubelet');

    this.albSg.addIngressRule(this.vpcLinkSg, ec2.Port.tcp(80), 'API Gateway VPC link');
    this.albSg.addIngressRule(ec2.Peer.prefixList(config.cloudFrontPrefixListId), ec2.Port.tcp(80), 'CloudFront VPC origin (dojo WebSocket)');
    this.albSg.addEgressRule(this.nodeSg, ec2.Port.tcp(INGRESS_TARGET_PORT), 'to the ingress controller pods');
    this.nodeSg.addIngressRule(this.albSg, ec2.Port.tcp(INGRESS_TARGET_PORT), 'internal ALB to the ingress controller');
    this.vpcLinkSg.addEgressRule(this.albSg, ec2.Port.tcp(80), 'to the internal ALB');

    const dataSg = (name: string, port: number) => {
      const group = sg(name, `${name}: reachable from the EKS nodes on ${port} only`, false);
      group.addIngressRule(this.nodeSg, ec2.Port.tcp(port), `EKS pods to ${name}`);
      return group;
    };
    this.dataSgs = {
      postgres: dataSg('Aurora', DATA_PORTS.postgres),
      kafka: dataSg('Msk', DATA_PORTS.kafka),
      opensearch: dataSg('OpenSearch', DATA_PORTS.opensearch),
      redis: dataSg('Redis', DATA_PORTS.redis),
    };

    const key = (name: string, description: string) =>
      new kms.Key(this, `${name}Key`, {
        alias: `alias/poc/${config.stage}/${name.toLowerCase()}`,
        description,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.dataKey = key('Data', 'POC Tracker data stores: Aurora, MSK, OpenSearch, ElastiCache, Secrets Manager, SNS');
    this.storageKey = key('Storage', 'POC Tracker S3 buckets (media, reports, web build)');
    this.eksKey = key('Eks', 'POC Tracker EKS secrets envelope encryption');
    // CloudWatch alarms publish to the encrypted topic.
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'Alarms', { topicName: `poc-${config.stage}-alarms`, masterKey: this.dataKey, enforceSSL: true });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId });
    new CfnOutput(this, 'DataSubnetCidrs', {
      value: Fn.join(',', this.vpc.isolatedSubnets.map((s) => s.ipv4CidrBlock)),
      description: 'charts: global.network.dataCidrs',
    });
  }

  /** The configured AZs, so synthesis never looks them up (no credentials, always three). */
  override get availabilityZones(): string[] {
    return [...this.azs];
  }
}
