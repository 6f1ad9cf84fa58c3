import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { webAcl } from '../waf.ts';

export interface GlobalStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * What CloudFront requires to live in us-east-1: the WAF WebACL (scope CLOUDFRONT) and the TLS
 * certificate of app.<domain> and api.<domain>. Deployed first; its outputs are passed to the
 * regional Edge stack as context (no cross-region references: those are Lambda-backed).
 */
export class GlobalStack extends Stack {
  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id, props);
    const { config } = props;
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: config.hostedZoneId, zoneName: config.domainName });
    const certificate = new acm.Certificate(this, 'CloudFrontCertificate', {
      domainName: `app.${config.domainName}`,
      subjectAlternativeNames: [`api.${config.domainName}`],
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const acl = webAcl(this, 'CloudFrontWebAcl', `poc-${config.stage}-cloudfront`, 'CLOUDFRONT');
    new CfnOutput(this, 'CloudFrontWebAclArn', { value: acl.attrArn, description: 'context cloudFrontWebAclArn' });
    new CfnOutput(this, 'CloudFrontCertificateArn', { value: certificate.certificateArn, description: 'context cloudFrontCertificateArn' });
  }
}
