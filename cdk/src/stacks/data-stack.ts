import { CfnOutput, Duration, Fn, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import type { FoundationStack } from './foundation-stack.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly foundation: FoundationStack;
}

/**
 * Every data store, each encrypted with the stage's KMS keys, spread over the three AZs and placed
 * in the isolated subnets behind a security group that only the EKS nodes may reach:
 * Aurora PostgreSQL (writer + readers), MSK (TLS + IAM auth), OpenSearch (zone awareness),
 * ElastiCache Redis (multi-AZ failover), and the media/reports buckets. L1 constructs are used
 * where the L2 would add a Lambda-backed custom resource (OpenSearch access policy, log retention).
 */
export class DataStack extends Stack {
  readonly mediaBucket: s3.Bucket;
  readonly reportsBucket: s3.Bucket;
  readonly mskClusterName: string;
  readonly mskClusterArn: string;
  readonly openSearchDomainArn: string;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly redisSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, foundation } = props;
    const prefix = `poc-${config.stage}`;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const isolated = foundation.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const alarm = (id: string, props: cloudwatch.AlarmProps) =>
      new cloudwatch.Alarm(this, id, { treatMissingData: cloudwatch.TreatMissingData.BREACHING, ...props }).addAlarmAction(
        new cwActions.SnsAction(foundation.alarmTopic),
      );

    // --- Aurora PostgreSQL: one writer and `readers` readers, in different AZs ----------------------
    const dbClusterId = `${prefix}-aurora`;
    const dbLogs = new logs.LogGroup(this, 'AuroraLogs', {
      // Pre-created with a retention: the L2's cloudwatchLogsRetention would add a Lambda.
      logGroupName: `/aws/rds/cluster/${dbClusterId}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    const aurora = new rds.DatabaseCluster(this, 'Aurora', {
      clusterIdentifier: dbClusterId,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_8 }),
      credentials: rds.Credentials.fromGeneratedSecret('poc_admin', {
        secretName: `poc/${config.stage}/aurora`,
        encryptionKey: foundation.dataKey,
      }),
      defaultDatabaseName: 'poc',
      writer: rds.ClusterInstance.provisioned('Writer', {
        instanceType: new ec2.InstanceType(config.aurora.instanceClass),
        publiclyAccessible: false,
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: foundation.dataKey,
      }),
      readers: Array.from({ length: config.aurora.readers }, (_, i) =>
        rds.ClusterInstance.provisioned(`Reader${i + 1}`, {
          instanceType: new ec2.InstanceType(config.aurora.instanceClass),
          publiclyAccessible: false,
          promotionTier: 1,
          enablePerformanceInsights: true,
          performanceInsightEncryptionKey: foundation.dataKey,
        }),
      ),
      vpc: foundation.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [foundation.dataSgs.postgres],
      storageEncrypted: true,
      storageEncryptionKey: foundation.dataKey,
      iamAuthentication: true,
      backup: { retention: Duration.days(config.retainData ? 14 : 3) },
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: config.retainData,
      removalPolicy: config.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      parameters: { 'rds.force_ssl': '1' },
    });
    aurora.node.addDependency(dbLogs);
    this.databaseSecret = aurora.secret!;

    alarm('AuroraCpu', {
      metric: aurora.metricCPUUtilization({ period: Duration.minutes(5) }),
      threshold: 80,
      evaluationPeriods: 3,
      alarmDescription: 'Aurora CPU above 80% for 15 minutes',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('AuroraFreeableMemory', {
      metric: aurora.metricFreeableMemory({ period: Duration.minutes(5) }),
      threshold: 512 * 1024 * 1024,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      alarmDescription: 'Aurora freeable memory under 512 MiB',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // --- MSK: three brokers, one per AZ; TLS everywhere; IAM is the only client authentication ------
    this.mskClusterName = `${prefix}-kafka`;
    const mskLogs = new logs.LogGroup(this, 'MskLogs', {
      logGroupName: `/poc/${config.stage}/msk`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    const mskConfiguration = new msk.CfnConfiguration(this, 'MskConfiguration', {
      name: `${prefix}-kafka`,
      kafkaVersionsList: [config.msk.kafkaVersion],
      serverProperties: [
        'auto.create.topics.enable=false',
        'default.replication.factor=3',
        'min.insync.replicas=2',
        'num.partitions=6',
        'unclean.leader.election.enable=false',
      ].join('\n'),
    });
    const kafka = new msk.CfnCluster(this, 'Msk', {
      clusterName: this.mskClusterName,
      kafkaVersion: config.msk.kafkaVersion,
      numberOfBrokerNodes: 3,
      brokerNodeGroupInfo: {
        instanceType: config.msk.instanceType,
        clientSubnets: isolated.subnetIds,
        securityGroups: [foundation.dataSgs.kafka.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: config.msk.volumeGiB } },
        connectivityInfo: { publicAccess: { type: 'DISABLED' } },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: foundation.dataKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        unauthenticated: { enabled: false },
      },
      configurationInfo: { arn: mskConfiguration.attrArn, revision: 1 },
      enhancedMonitoring: 'PER_TOPIC_PER_BROKER',
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: mskLogs.logGroupName } } },
    });
    kafka.applyRemovalPolicy(removalPolicy);
    this.mskClusterArn = kafka.attrArn;
    alarm('MskDiskUsed', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Kafka',
        metricName: 'KafkaDataLogsDiskUsed',
        dimensionsMap: { 'Cluster Name': this.mskClusterName },
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 80,
      evaluationPeriods: 2,
      alarmDescription: 'An MSK broker data disk is above 80%',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('MskActiveController', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Kafka',
        metricName: 'ActiveControllerCount',
        dimensionsMap: { 'Cluster Name': this.mskClusterName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      alarmDescription: 'MSK has no active controller',
    });

    // --- OpenSearch (L1: the L2's access policy and log policy are Lambda-backed custom resources) ---
    const domainName = `${prefix}-search`;
    this.openSearchDomainArn = `arn:${this.partition}:es:${this.region}:${this.account}:domain/${domainName}`;
    const search = new opensearch.CfnDomain(this, 'OpenSearch', {
      domainName,
      engineVersion: config.openSearch.engineVersion,
      clusterConfig: {
        instanceType: config.openSearch.dataInstanceType,
        instanceCount: 3,
        zoneAwarenessEnabled: true,
        zoneAwarenessConfig: { availabilityZoneCount: 3 },
        dedicatedMasterEnabled: true,
        dedicatedMasterType: config.openSearch.masterInstanceType,
        dedicatedMasterCount: 3,
      },
      ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: config.openSearch.volumeGiB },
      vpcOptions: { subnetIds: isolated.subnetIds, securityGroupIds: [foundation.dataSgs.opensearch.securityGroupId] },
      encryptionAtRestOptions: { enabled: true, kmsKeyId: foundation.dataKey.keyId },
      nodeToNodeEncryptionOptions: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
      // Identity-based: only IAM principals of this account that an IAM policy allows (the IRSA roles).
      accessPolicies: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            principals: [new iam.AccountRootPrincipal()],
            actions: ['es:ESHttp*'],
            resources: [`${this.openSearchDomainArn}/*`],
          }),
        ],
      }),
    });
    search.applyRemovalPolicy(removalPolicy);
    const osMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ES',
        metricName,
        dimensionsMap: { DomainName: domainName, ClientId: this.account },
        statistic,
        period: Duration.minutes(1),
      });
    alarm('OpenSearchRed', {
      metric: osMetric('ClusterStatus.red', 'Maximum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription: 'OpenSearch cluster status is red',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('OpenSearchFreeStorage', {
      metric: osMetric('FreeStorageSpace', 'Minimum'),
      threshold: config.openSearch.volumeGiB * 1024 * 0.2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription: 'An OpenSearch node has less than 20% free storage',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // --- ElastiCache Redis: primary + two replicas over the three AZs, automatic failover -----------
    this.redisSecret = new secretsmanager.Secret(this, 'RedisAuth', {
      secretName: `poc/${config.stage}/redis`,
      description: 'Redis AUTH token (ElastiCache requires 16-128 printable characters, no @ / ")',
      encryptionKey: foundation.dataKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'token',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'POC Tracker Redis: isolated subnets in three AZs',
      subnetIds: isolated.subnetIds,
      cacheSubnetGroupName: `${prefix}-redis`,
    });
    const redisGroupId = `${prefix}-redis`;
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupId: redisGroupId,
      replicationGroupDescription: 'POC Tracker cache and dojo fan-out',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: config.redis.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: 2,
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      preferredCacheClusterAZs: [...config.availabilityZones],
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [foundation.dataSgs.redis.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: foundation.dataKey.keyId,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: SecretValue.secretsManager(this.redisSecret.secretArn, { jsonField: 'token' }).unsafeUnwrap(),
      snapshotRetentionLimit: config.retainData ? 7 : 1,
      autoMinorVersionUpgrade: true,
    });
    redis.addResourceDependency(redisSubnets);
    redis.applyRemovalPolicy(removalPolicy);
    alarm('RedisCpu', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName: 'EngineCPUUtilization',
        dimensionsMap: { ReplicationGroupId: redisGroupId },
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 75,
      evaluationPeriods: 3,
      alarmDescription: 'Redis engine CPU above 75%',
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // --- S3: media (videos) and reports, private, KMS, served only through CloudFront (Edge stack) --
    const bucket = (name: 'media' | 'reports') => {
      const b = new s3.Bucket(this, name === 'media' ? 'MediaBucket' : 'ReportsBucket', {
        bucketName: `${prefix}-${name}-${this.account}-${this.region}`,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: foundation.storageKey,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned: true,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(2) }],
        // No autoDeleteObjects: it is a Lambda-backed custom resource. Empty buckets by hand in dev.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // CloudFront (origin access control) reads objects; the distribution lives in the Edge stack,
      // which depends on this one, so the grant names this account's distributions, not one ID.
      b.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
          actions: ['s3:GetObject'],
          resources: [b.arnForObjects('*')],
          conditions: {
            StringEquals: { 'AWS:SourceAccount': this.account },
            ArnLike: { 'AWS:SourceArn': `arn:${this.partition}:cloudfront::${this.account}:distribution/*` },
          },
        }),
      );
      return b;
    };
    this.mediaBucket = bucket('media');
    this.reportsBucket = bucket('reports');
    foundation.storageKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'AWS:SourceAccount': this.account },
          ArnLike: { 'AWS:SourceArn': `arn:${this.partition}:cloudfront::${this.account}:distribution/*` },
        },
      }),
    );

    new CfnOutput(this, 'DatabaseSecretName', { value: `poc/${config.stage}/aurora`, description: 'charts: externalSecret.databaseSecretName' });
    new CfnOutput(this, 'DatabaseWriterEndpoint', { value: aurora.clusterEndpoint.hostname });
    new CfnOutput(this, 'DatabaseReaderEndpoint', { value: aurora.clusterReadEndpoint.hostname });
    new CfnOutput(this, 'KafkaClusterArn', {
      value: kafka.attrArn,
      description: 'aws kafka get-bootstrap-brokers --cluster-arn <this> → BootstrapBrokerStringSaslIam (charts: global.config.KAFKA_BROKERS)',
    });
    new CfnOutput(this, 'OpenSearchEndpoint', { value: Fn.join('', ['https://', search.attrDomainEndpoint]), description: 'charts: global.config.OPENSEARCH_URL' });
    new CfnOutput(this, 'RedisSecretName', { value: `poc/${config.stage}/redis`, description: 'charts: externalSecret.redisSecretName' });
    new CfnOutput(this, 'RedisPrimaryEndpoint', { value: redis.attrPrimaryEndPointAddress, description: 'charts: externalSecret.redisHost' });
    new CfnOutput(this, 'MediaBucketName', { value: this.mediaBucket.bucketName, description: 'charts: video.s3Bucket' });
    new CfnOutput(this, 'ReportsBucketName', { value: this.reportsBucket.bucketName, description: 'charts: reports.s3Bucket' });
  }
}
