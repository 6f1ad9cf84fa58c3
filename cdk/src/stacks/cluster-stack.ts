import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { WORKLOADS, type StageConfig, type WorkloadAccess } from '../config.ts';
import type { DataStack } from './data-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** The Kubernetes namespace the charts install into. */
export const APP_NAMESPACE = 'poc';

export interface ClusterStackProps extends StackProps {
  readonly config: StageConfig;
  readonly foundation: FoundationStack;
  readonly data: DataStack;
}

/**
 * EKS with L1 resources only: the L2 `Cluster` brings a Lambda-backed kubectl provider. One
 * managed node group per AZ, the core add-ons (VPC CNI with network policy enforcement, CoreDNS,
 * kube-proxy, pod identity agent), the IAM OIDC provider and one IRSA role per workload
 * (`poc-<stage>-<service>`, the name the charts derive) with least-privilege policies.
 * Kubernetes objects themselves are installed with helm (see docs/deploy.md), not by CloudFormation.
 */
export class ClusterStack extends Stack {
  readonly cluster: eks.CfnCluster;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config, foundation, data } = props;
    const prefix = `poc-${config.stage}`;
    const clusterName = prefix;

    const logGroup = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const clusterRole = new iam.Role(this, 'ClusterRole', {
      assumedBy: new iam.ServicePrincipal('eks.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSClusterPolicy')],
    });

    const privateSubnets = foundation.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.cluster = new eks.CfnCluster(this, 'Cluster', {
      name: clusterName,
      version: config.eks.version,
      roleArn: clusterRole.roleArn,
      resourcesVpcConfig: {
        subnetIds: privateSubnets.subnetIds,
        securityGroupIds: [foundation.controlPlaneSg.securityGroupId],
        endpointPrivateAccess: true,
        endpointPublicAccess: config.eks.publicAccessCidrs.length > 0,
        ...(config.eks.publicAccessCidrs.length > 0 ? { publicAccessCidrs: [...config.eks.publicAccessCidrs] } : {}),
      },
      encryptionConfig: [{ provider: { keyArn: foundation.eksKey.keyArn }, resources: ['secrets'] }],
      logging: {
        clusterLogging: {
          enabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({ type })),
        },
      },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      kubernetesNetworkConfig: { ipFamily: 'ipv4' },
    });
    this.cluster.node.addDependency(logGroup);
    foundation.eksKey.grantEncryptDecrypt(clusterRole);

    // --- Who administers the cluster: an access entry, not the aws-auth ConfigMap ---------------------
    const adminRoleArn =
      config.eks.adminRoleArn ??
      new iam.Role(this, 'AdminRole', {
        roleName: `${prefix}-eks-admin`,
        assumedBy: new iam.AccountRootPrincipal(),
        description: 'Assume to administer the POC Tracker EKS cluster (kubectl, helm)',
      }).roleArn;
    new eks.CfnAccessEntry(this, 'AdminAccess', {
      clusterName: this.cluster.ref,
      principalArn: adminRoleArn,
      type: 'STANDARD',
      accessPolicies: [
        {
          policyArn: `arn:${this.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
          accessScope: { type: 'cluster' },
        },
      ],
    });

    // --- Nodes: one managed node group per AZ -----------------------------------------------------
    const nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy', 'AmazonSSMManagedInstanceCore'].map(
        (name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name),
      ),
    });
    const launchTemplate = new ec2.CfnLaunchTemplate(this, 'NodeLaunchTemplate', {
      launchTemplateName: `${prefix}-nodes`,
      launchTemplateData: {
        // Pods cannot borrow the node's credentials: IMDSv2 only, one hop.
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 80, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
        securityGroupIds: [foundation.nodeSg.securityGroupId, this.cluster.attrClusterSecurityGroupId],
        tagSpecifications: [{ resourceType: 'instance', tags: [{ key: 'Name', value: `${prefix}-node` }] }],
      },
    });
    privateSubnets.subnets.forEach((subnet, i) => {
      new eks.CfnNodegroup(this, `Nodes${i + 1}`, {
        clusterName: this.cluster.ref,
        nodegroupName: `${prefix}-${subnet.availabilityZone}`,
        nodeRole: nodeRole.roleArn,
        subnets: [subnet.subnetId],
        amiType: 'AL2023_x86_64_STANDARD',
        capacityType: 'ON_DEMAND',
        instanceTypes: [...config.eks.instanceTypes],
        scalingConfig: { minSize: config.eks.nodesPerAz.min, desiredSize: config.eks.nodesPerAz.desired, maxSize: config.eks.nodesPerAz.max },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
        labels: { 'poc-tracker/pool': 'general' },
        tags: { [`k8s.io/cluster-autoscaler/${clusterName}`]: 'owned', 'k8s.io/cluster-autoscaler/enabled': 'true' },
      });
    });

    // --- Add-ons -----------------------------------------------------------------------------------
    const addon = (addonName: string, configurationValues?: object) =>
      new eks.CfnAddon(this, `Addon-${addonName}`, {
        clusterName: this.cluster.ref,
        addonName,
        resolveConflicts: 'OVERWRITE',
        ...(configurationValues ? { configurationValues: JSON.stringify(configurationValues) } : {}),
      });
    // The charts' NetworkPolicies are enforced by the VPC CNI's network policy agent.
    addon('vpc-cni', { enableNetworkPolicy: 'true' });
    addon('coredns');
    addon('kube-proxy');
    addon('eks-pod-identity-agent');
    addon('metrics-server'); // the HPAs read CPU from it

    // --- IRSA: the OIDC provider and one role per ServiceAccount -----------------------------------
    const oidc = new iam.OidcProviderNative(this, 'Oidc', {
      url: this.cluster.attrOpenIdConnectIssuerUrl,
      clientIds: ['sts.amazonaws.com'],
    });
    const issuer = Fn.select(1, Fn.split('https://', this.cluster.attrOpenIdConnectIssuerUrl));
    const irsaRole = (logicalId: string, roleName: string, namespace: string, serviceAccount: string, policy: iam.PolicyDocument | undefined) => {
      // The condition key embeds the issuer, a token: CloudFormation accepts the trust policy as a
      // JSON string, so Fn::Sub builds it (the L2 route, CfnJson, is a Lambda-backed custom resource).
      const trust = Fn.sub(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: '${ProviderArn}' },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: {
                  '${Issuer}:sub': `system:serviceaccount:${namespace}:${serviceAccount}`,
                  '${Issuer}:aud': 'sts.amazonaws.com',
                },
              },
            },
          ],
        }),
        { ProviderArn: oidc.oidcProviderArn, Issuer: issuer },
      );
      const role = new iam.CfnRole(this, logicalId, {
        roleName,
        assumeRolePolicyDocument: trust,
        ...(policy ? { policies: [{ policyName: 'access', policyDocument: policy }] } : {}),
      });
      new CfnOutput(this, `${logicalId}Arn`, { value: role.attrArn });
      return role;
    };

    for (const workload of WORKLOADS) {
      irsaRole(`Role${workload.name[0]!.toUpperCase()}${workload.name.slice(1)}`, `${prefix}-${workload.name}`, APP_NAMESPACE, workload.name, this.workloadPolicy(workload, data));
    }

    // KEDA reads consumer-group lag from MSK as its operator's identity (TriggerAuthentication identityOwner: keda).
    const topicArn = (topic: string) => `arn:${this.partition}:kafka:${this.region}:${this.account}:topic/${data.mskClusterName}/*/${topic}`;
    const groupArn = (group: string) => `arn:${this.partition}:kafka:${this.region}:${this.account}:group/${data.mskClusterName}/*/${group}`;
    irsaRole(
      'RoleKedaOperator',
      `${prefix}-keda-operator`,
      'keda',
      'keda-operator',
      new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [data.mskClusterArn] }),
          new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic'], resources: [topicArn('*')] }),
          new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeGroup'], resources: [groupArn('*')] }),
        ],
      }),
    );
    // External Secrets Operator reads only this stage's secrets.
    irsaRole(
      'RoleExternalSecrets',
      `${prefix}-external-secrets`,
      'external-secrets',
      'external-secrets',
      new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            resources: [`arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:poc/${config.stage}/*`],
          }),
          new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [foundation.dataKey.keyArn] }),
        ],
      }),
    );
    // AWS Load Balancer Controller, only to register the ingress pods in the CDK-owned target group.
    irsaRole(
      'RoleLoadBalancerController',
      `${prefix}-aws-load-balancer-controller`,
      'kube-system',
      'aws-load-balancer-controller',
      new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: [
              'elasticloadbalancing:DescribeTargetGroups',
              'elasticloadbalancing:DescribeTargetHealth',
              'elasticloadbalancing:DescribeListeners',
              'elasticloadbalancing:DescribeLoadBalancers',
              'elasticloadbalancing:DescribeTags',
              'ec2:DescribeInstances',
              'ec2:DescribeNetworkInterfaces',
              'ec2:DescribeSecurityGroups',
              'ec2:DescribeSubnets',
              'ec2:DescribeVpcs',
            ],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
            resources: [`arn:${this.partition}:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${prefix}-*/*`],
          }),
        ],
      }),
    );

    // --- Container images: one repository per workload, named as the charts expect ------------------
    // (one account per stage: the names are the same in every stage). No emptyOnDelete: Lambda-backed.
    for (const workload of WORKLOADS) {
      new ecr.Repository(this, `Images${workload.name[0]!.toUpperCase()}${workload.name.slice(1)}`, {
        repositoryName: `poc-tracker/${workload.name}`,
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        encryptionKey: foundation.storageKey,
        lifecycleRules: [{ description: 'keep the last 50 images', maxImageCount: 50 }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    new CfnOutput(this, 'ImageRegistry', { value: `${this.account}.dkr.ecr.${this.region}.${this.urlSuffix}`, description: 'charts: global.image.registry' });

    new CfnOutput(this, 'ClusterName', { value: this.cluster.ref });
    new CfnOutput(this, 'ClusterAdminRoleArn', { value: adminRoleArn, description: 'aws eks update-kubeconfig --role-arn <this>' });
  }

  private workloadPolicy(workload: WorkloadAccess, data: DataStack): iam.PolicyDocument | undefined {
    const statements: iam.PolicyStatement[] = [];
    const kafka = (kind: 'topic' | 'group', name: string) =>
      `arn:${this.partition}:kafka:${this.region}:${this.account}:${kind}/${data.mskClusterName}/*/${name}`;
    if (workload.produces.length + workload.consumes.length > 0) {
      statements.push(new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [data.mskClusterArn] }));
    }
    if (workload.produces.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
          resources: workload.produces.map((t) => kafka('topic', t)),
        }),
      );
    }
    if (workload.consumes.length > 0 && workload.consumerGroup) {
      statements.push(
        new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: workload.consumes.map((t) => kafka('topic', t)) }),
        new iam.PolicyStatement({
          actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
          resources: [kafka('group', workload.consumerGroup)],
        }),
      );
    }
    for (const name of workload.buckets) {
      const bucket = name === 'media' ? data.mediaBucket : data.reportsBucket;
      statements.push(
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects('*')] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [bucket.encryptionKey!.keyArn] }),
      );
    }
    if (workload.openSearch) {
      const actions = workload.openSearch === 'read' ? ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead'] : ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpDelete', 'es:ESHttpHead'];
      statements.push(new iam.PolicyStatement({ actions, resources: [`${data.openSearchDomainArn}/*`] }));
    }
    return statements.length > 0 ? new iam.PolicyDocument({ statements }) : undefined;
  }
}
