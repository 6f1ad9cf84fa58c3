import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpAlbIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { apiRouteKeys, webSocketPathPatterns } from '../api-routes.ts';
import type { GlobalEdgeOutputs, StageConfig } from '../config.ts';
import { webAcl } from '../waf.ts';
import type { DataStack } from './data-stack.ts';
import { INGRESS_TARGET_PORT, type FoundationStack } from './foundation-stack.ts';

export interface EdgeStackProps extends StackProps {
  readonly config: StageConfig;
  readonly globalEdge: GlobalEdgeOutputs;
  readonly foundation: FoundationStack;
  readonly data: DataStack;
}

/**
 * The public edge of the platform.
 *
 *   app.<domain>  CloudFront (WAF) → web build bucket; /media/* and /reports/* → private buckets (signed URLs)
 *   api.<domain>  CloudFront (WAF) → API Gateway HTTP API (JWT authorizer on our JWKS) → VPC link ┐
 *                 CloudFront (WAF) /v1/dojos/* (WebSocket) → VPC origin ──────────────────────────┤
 *                                       internal ALB (regional WAF) → ingress controller pods  ◀──┘
 *
 * HTTP APIs cannot carry WebSockets nor take a WAF association, hence CloudFront in front of the
 * API (WAF) and the dojo sync path going from CloudFront straight to the internal ALB.
 * The API's routes and the WebSocket behaviours come from the edge's route table (api-routes.ts):
 * a prefix of ROUTES gets in (with a JWT unless PUBLIC_ROUTES says otherwise), anything else is 404.
 */
export class EdgeStack extends Stack {
  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config, globalEdge, foundation, data } = props;
    const prefix = `poc-${config.stage}`;
    const appHost = `app.${config.domainName}`;
    const apiHost = `api.${config.domainName}`;
    const alarm = (id: string, p: cloudwatch.AlarmProps) =>
      new cloudwatch.Alarm(this, id, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...p }).addAlarmAction(
        new cwActions.SnsAction(foundation.alarmTopic),
      );

    // --- Internal ALB in front of the ingress controller (bound by a TargetGroupBinding) ------------
    const alb = new elbv2.ApplicationLoadBalancer(this, 'IngressAlb', {
      loadBalancerName: `${prefix}-ingress`,
      vpc: foundation.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: foundation.albSg,
      // Dojo sockets stay open for a whole session.
      idleTimeout: Duration.hours(1),
      dropInvalidHeaderFields: true,
      deletionProtection: config.retainData,
    });
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'IngressTargets', {
      targetGroupName: `${prefix}-ingress`,
      vpc: foundation.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: INGRESS_TARGET_PORT,
      healthCheck: { path: '/healthz', healthyHttpCodes: '200' },
      deregistrationDelay: Duration.seconds(30),
    });
    const listener = alb.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false, // the security group already names the only two callers
      defaultTargetGroups: [targetGroup],
    });
    const regionalAcl = webAcl(this, 'RegionalWebAcl', `${prefix}-regional`, 'REGIONAL');
    new wafv2.CfnWebACLAssociation(this, 'AlbWaf', { resourceArn: alb.loadBalancerArn, webAclArn: regionalAcl.attrArn });

    // --- API Gateway HTTP API with a JWT authorizer reading our JWKS -------------------------------
    const vpcLink = new apigwv2.VpcLink(this, 'VpcLink', {
      vpcLinkName: `${prefix}-ingress`,
      vpc: foundation.vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [foundation.vpcLinkSg],
    });
    const { issuer, audience } = config.jwt;
    const authorizer = new HttpJwtAuthorizer('Jwt', issuer, { authorizerName: 'poc-jwt', jwtAudience: [...audience] });
    const integration = new HttpAlbIntegration('Ingress', listener, { vpcLink });
    const api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${prefix}-api`,
      description: 'POC Tracker API: JWT-checked, then the EKS ingress through the VPC link',
      defaultAuthorizer: authorizer,
      // No $default route: only the prefixes of ROUTES get in.
      corsPreflight: {
        allowOrigins: [`https://${appHost}`],
        allowHeaders: ['authorization', 'content-type', 'if-match', 'x-correlation-id', 'x-position'],
        allowMethods: [apigwv2.CorsHttpMethod.ANY],
        maxAge: Duration.hours(1),
      },
    });
    const routeKeys = apiRouteKeys();
    routeKeys
      .filter((r) => r.public)
      .forEach((route, i) => {
        const [method, path] = route.key.split(' ') as [string, string];
        new apigwv2.HttpRoute(this, `PublicRoute${i}`, {
          httpApi: api,
          routeKey: apigwv2.HttpRouteKey.with(path, method as apigwv2.HttpMethod),
          integration,
          authorizer: new apigwv2.HttpNoneAuthorizer(),
        });
      });
    for (const route of routeKeys.filter((r) => !r.public)) {
      const [method, path] = route.key.split(' ') as [string, string];
      // The default authorizer (JWT) applies.
      new apigwv2.HttpRoute(this, `Route${method}${path.replace(/[^A-Za-z0-9]/g, '')}`, {
        httpApi: api,
        routeKey: apigwv2.HttpRouteKey.with(path, method as apigwv2.HttpMethod),
        integration,
      });
    }
    const apiLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/poc/${config.stage}/api-access`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = api.defaultStage!.node.defaultChild as apigwv2.CfnStage;
    stage.accessLogSettings = {
      destinationArn: apiLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 1000, throttlingRateLimit: 500 };

    // --- S3 web build bucket, CloudFront distributions ---------------------------------------------
    const webBucket = new s3.Bucket(this, 'WebBucket', {
      bucketName: `${prefix}-web-${this.account}-${this.region}`,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: foundation.storageKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const certificate = acm.Certificate.fromCertificateArn(this, 'CloudFrontCertificate', globalEdge.certificateArn);
    const keyGroup = new cloudfront.KeyGroup(this, 'SigningKeys', {
      keyGroupName: `${prefix}-signing`,
      items: [new cloudfront.PublicKey(this, 'SigningKey', { encodedKey: globalEdge.signingPublicKeyPem })],
    });
    // /media/<key> and /reports/<key> map to <key> in their bucket: the first path segment is the route.
    const stripPrefix = new cloudfront.Function(this, 'StripPrefix', {
      functionName: `${prefix}-strip-prefix`,
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        'function handler(event) { var r = event.request; r.uri = r.uri.replace(/^\\/[^\\/]+/, ""); return r; }',
      ),
    });
    // Imported, so the OAC origin does not try to edit the Data stack's bucket and key policies
    // (that would be a dependency cycle): the Data stack grants this account's distributions.
    const privateOrigin = (bucket: s3.IBucket, id: string) =>
      origins.S3BucketOrigin.withOriginAccessControl(s3.Bucket.fromBucketAttributes(this, id, { bucketName: bucket.bucketName, bucketRegionalDomainName: bucket.bucketRegionalDomainName }));
    const signedBehavior = (origin: cloudfront.IOrigin): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      trustedKeyGroups: [keyGroup],
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      functionAssociations: [{ function: stripPrefix, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    });
    const common = {
      certificate,
      webAclId: globalEdge.webAclArn,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    };
    const appDistribution = new cloudfront.Distribution(this, 'AppDistribution', {
      ...common,
      comment: `${prefix} web app, media and reports`,
      domainNames: [appHost],
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(webBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        '/media/*': signedBehavior(privateOrigin(data.mediaBucket, 'MediaOriginBucket')),
        '/reports/*': signedBehavior(privateOrigin(data.reportsBucket, 'ReportsOriginBucket')),
      },
      // The Expo web build is a single-page app: unknown paths get index.html.
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
        { httpStatus: 404, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
      ],
    });

    const apiOrigin = new origins.HttpOrigin(`${api.apiId}.execute-api.${this.region}.amazonaws.com`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    const albOrigin = origins.VpcOrigin.withApplicationLoadBalancer(alb, {
      vpcOriginName: `${prefix}-ingress`,
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      httpPort: 80,
    });
    const apiDistribution = new cloudfront.Distribution(this, 'ApiDistribution', {
      ...common,
      comment: `${prefix} API and dojo sync`,
      domainNames: [apiHost],
      defaultBehavior: {
        origin: apiOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      // y-websocket (ROUTES rows with websocket: true): CloudFront passes the Upgrade through; the
      // ALB keeps the socket for an hour.
      additionalBehaviors: Object.fromEntries(
        webSocketPathPatterns().map((pattern) => [
          pattern,
          {
            origin: albOrigin,
            viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
            cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
            originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
          },
        ]),
      ),
    });

    // --- DNS ------------------------------------------------------------------------------------
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: config.hostedZoneId, zoneName: config.domainName });
    for (const [name, distribution] of [['app', appDistribution], ['api', apiDistribution]] as const) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
      new route53.ARecord(this, `${name}A`, { zone, recordName: name, target });
      new route53.AaaaRecord(this, `${name}Aaaa`, { zone, recordName: name, target });
    }

    // --- Alarms -----------------------------------------------------------------------------------
    alarm('Alb5xx', {
      metric: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(5) }),
      threshold: 50,
      evaluationPeriods: 2,
      alarmDescription: 'Ingress targets answered 5xx more than 50 times in 5 minutes',
    });
    alarm('AlbUnhealthyTargets', {
      metric: targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      alarmDescription: 'An ingress controller pod is unhealthy behind the ALB',
    });
    alarm('Api5xx', {
      metric: api.metricServerError({ period: Duration.minutes(5) }),
      threshold: 50,
      evaluationPeriods: 2,
      alarmDescription: 'API Gateway returned 5xx more than 50 times in 5 minutes',
    });
    alarm('ApiLatency', {
      metric: api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      threshold: 2000,
      evaluationPeriods: 3,
      alarmDescription: 'API p99 latency above 2 s',
    });

    new CfnOutput(this, 'IngressTargetGroupArn', { value: targetGroup.targetGroupArn, description: 'charts: targetGroupBinding.targetGroupArn' });
    new CfnOutput(this, 'WebBucketName', { value: webBucket.bucketName, description: 'aws s3 sync the Expo web build here' });
    new CfnOutput(this, 'AppDistributionId', { value: appDistribution.distributionId });
    new CfnOutput(this, 'ApiUrl', { value: `https://${apiHost}` });
    new CfnOutput(this, 'JwtIssuer', { value: issuer, description: 'charts: global.config.JWT_ISSUER (identity must serve <issuer>/.well-known/openid-configuration)' });
    new CfnOutput(this, 'JwtAudience', { value: audience.join(','), description: 'charts: global.config.JWT_AUDIENCE' });
    new CfnOutput(this, 'ApiExecuteEndpoint', { value: Fn.join('', ['https://', api.apiId, '.execute-api.', this.region, '.amazonaws.com']) });
  }
}
