import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
  name,
  priority,
  overrideAction: { none: {} },
  statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
  visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
});

/**
 * The WebACL used in front of everything public: AWS managed rule groups (common, known bad
 * inputs, IP reputation) and a per-IP rate limit. `scope` is CLOUDFRONT (us-east-1 only) or REGIONAL.
 */
export function webAcl(scope: Construct, id: string, name: string, wafScope: 'CLOUDFRONT' | 'REGIONAL', ratePer5Min = 2000): wafv2.CfnWebACL {
  return new wafv2.CfnWebACL(scope, id, {
    name,
    scope: wafScope,
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    rules: [
      managed('AWSManagedRulesAmazonIpReputationList', 0),
      managed('AWSManagedRulesCommonRuleSet', 1),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      {
        name: 'RatePerIp',
        priority: 3,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: ratePer5Min, aggregateKeyType: 'IP' } },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${name}-rate`, sampledRequestsEnabled: true },
      },
    ],
  });
}
