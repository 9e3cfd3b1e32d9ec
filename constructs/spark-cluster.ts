import { Construct } from "constructs";
import { EmrCluster } from "@cdktf/provider-aws/lib/emr-cluster";
import { EmrInstanceGroup } from "@cdktf/provider-aws/lib/emr-instance-group";
import { EmrManagedScalingPolicy } from "@cdktf/provider-aws/lib/emr-managed-scaling-policy";
import { EmrSecurityConfiguration } from "@cdktf/provider-aws/lib/emr-security-configuration";
import { EmrBlockPublicAccessConfiguration } from "@cdktf/provider-aws/lib/emr-block-public-access-configuration";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import type { EmrConfig } from "./config";
import { DataLake } from "./data-lake";
import { EMR_PYTHON } from "./contract/emr-release";
import { LAKE_PREFIXES } from "./contract/lake";
import { GlueCatalog } from "./glue-catalog";
import { jsonDocument, jsonText } from "./json-document";
import { Network } from "./network";
import {
  EMR_APPLICATIONS,
  EMR_DEFAULTS,
  EMR_MANAGED_TAG,
  EMR_RELEASE_LABEL,
  SPARK_DEFAULTS,
  partitionOf,
} from "./defaults";
import { KMS_ENVELOPE_ACTIONS, serviceTrustPolicy } from "./cmk";
import {
  checkCidr,
  checkCount,
  checkEmrRelease,
  checkIntRange,
  checkOrder,
  CORE_NODE_REASON,
  EMR_IDLE_TIMEOUT_RANGE,
} from "./validate";

/** Cluster sizing and options come from the environment config (`EmrConfig`). */
export interface SparkClusterProps extends EmrConfig {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix (e.g. "bdp-dev"). */
  readonly name: string;
  readonly lake: DataLake;
  readonly catalog: GlueCatalog;
  readonly network: Network;
  /** EMR termination protection (prod). @default false */
  readonly terminationProtection?: boolean;
}

/** The EMR security configuration document for the given key and options (exported for tests). */
export function securityConfigurationDocument(
  kmsKeyArn: string,
  inTransitCertificateS3Uri?: string,
): Record<string, unknown> {
  return {
    EncryptionConfiguration: {
      EnableInTransitEncryption: inTransitCertificateS3Uri !== undefined,
      ...(inTransitCertificateS3Uri
        ? {
            InTransitEncryptionConfiguration: {
              TLSCertificateConfiguration: {
                CertificateProviderType: "PEM",
                S3Object: inTransitCertificateS3Uri,
              },
            },
          }
        : {}),
      EnableAtRestEncryption: true,
      AtRestEncryptionConfiguration: {
        S3EncryptionConfiguration: { EncryptionMode: "SSE-KMS", AwsKmsKey: kmsKeyArn },
        LocalDiskEncryptionConfiguration: {
          EncryptionKeyProviderType: "AwsKms",
          AwsKmsKey: kmsKeyArn,
          EnableEbsEncryption: true,
        },
      },
    },
    // IMDSv2 only, hop limit 1 (EMR ≥ 6.x honours this block of the security configuration).
    InstanceMetadataServiceConfiguration: {
      MinimumInstanceMetadataServiceVersion: 2,
      HttpPutResponseHopLimit: 1,
    },
  };
}

/**
 * EMR on EC2 running Spark: on-demand master + core groups, a spot task group, managed scaling,
 * auto-termination, Glue Data Catalog as Hive metastore, SSE-KMS/EBS/local-disk encryption and
 * IMDSv2 via a security configuration, logs to `emr-logs/`, in private subnets.
 *
 * IAM: the service role uses AmazonEMRServicePolicy_v2 (trust limited to this account's EMR
 * clusters; v2 only touches resources tagged for-use-with-amazon-emr-managed-policies=true, which the
 * network and security groups carry). The instance profile gets only the lake prefixes, the Glue
 * database and the lake key — no v1 managed policies, no *FullAccess.
 */
export class SparkCluster extends Construct {
  public readonly cluster: EmrCluster;
  public readonly clusterId: string;
  public readonly clusterArn: string;
  public readonly logUri: string;
  public readonly serviceRole: IamRole;
  public readonly instanceRole: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly masterSecurityGroup: SecurityGroup;
  public readonly coreSecurityGroup: SecurityGroup;
  public readonly serviceAccessSecurityGroup: SecurityGroup;
  public readonly taskGroup: EmrInstanceGroup;
  public readonly scalingPolicy: EmrManagedScalingPolicy;
  public readonly securityConfiguration: EmrSecurityConfiguration;

  constructor(scope: Construct, id: string, props: SparkClusterProps) {
    super(scope, id);
    // validate + defaults
    const release = props.releaseLabel ?? EMR_RELEASE_LABEL;
    checkEmrRelease("SparkCluster: releaseLabel", release);
    const core = props.coreInstanceCount ?? EMR_DEFAULTS.coreInstanceCount;
    const task = props.taskInstanceCount ?? EMR_DEFAULTS.taskInstanceCount;
    const min = props.minCapacity ?? EMR_DEFAULTS.minCapacity;
    const max = props.maxCapacity ?? EMR_DEFAULTS.maxCapacity;
    const idle = props.idleTimeoutSeconds ?? EMR_DEFAULTS.idleTimeoutSeconds;
    const spot = props.taskSpot ?? EMR_DEFAULTS.taskSpot;
    checkCount("SparkCluster: coreInstanceCount", core, 1, CORE_NODE_REASON);
    checkOrder("SparkCluster: minCapacity", min, "maxCapacity", max);
    if (spot && min > core) {
      // With a spot task group the floor must be on-demand core capacity (maximumOndemandCapacityUnits = core).
      throw new Error(
        `SparkCluster: minCapacity (${min}) must be ≤ coreInstanceCount (${core}) when taskSpot is on`,
      );
    }
    if (max < core + task) {
      throw new Error(`SparkCluster: maxCapacity (${max}) must be ≥ core + task instances (${core + task})`);
    }
    checkIntRange("SparkCluster: idleTimeoutSeconds", idle, ...EMR_IDLE_TIMEOUT_RANGE);
    for (const cidr of props.extraEgressCidrs ?? []) checkCidr("SparkCluster: extraEgressCidrs", cidr, true);
    const partition = partitionOf(props.region);
    const lake = props.lake;
    this.logUri = lake.uri(LAKE_PREFIXES.emrLogs);
    const sgTags = (n: string): Record<string, string> => ({
      Name: `${props.name}-emr-${n}`,
      ...EMR_MANAGED_TAG,
    });

    // resources: IAM
    this.serviceRole = new IamRole(this, "service-role", {
      name: `${props.name}-emr-service`,
      description: "EMR service role (AmazonEMRServicePolicy_v2)",
      // Confused-deputy guard recommended for the v2 policy.
      assumeRolePolicy: serviceTrustPolicy("elasticmapreduce.amazonaws.com", {
        sourceAccount: props.accountId,
        sourceArnLike: `arn:${partition}:elasticmapreduce:${props.region}:${props.accountId}:*`,
      }),
    });
    new IamRolePolicyAttachment(this, "service-role-v2", {
      role: this.serviceRole.name,
      policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2`,
    });
    this.instanceRole = new IamRole(this, "instance-role", {
      name: `${props.name}-emr-ec2`,
      description: "EMR EC2 instance profile role: lake prefixes, Glue database, lake key",
      // EC2 does not set aws:SourceAccount/SourceArn when instances assume their profile role.
      assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
    });
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: `${props.name}-emr-ec2`,
      role: this.instanceRole.name,
    });
    new IamRolePolicy(this, "service-role-extra", {
      name: "pass-instance-role-and-ebs-kms",
      role: this.serviceRole.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            // v2 only allows passing EMR_EC2_DefaultRole; ours has a stack-specific name.
            Sid: "PassInstanceRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: this.instanceRole.arn,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
          },
          {
            // EBS encryption with a CMK: EMR creates grants for the EC2/EBS service.
            Sid: "EbsEncryptionGrants",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: lake.kmsKey.arn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
          },
          {
            Sid: "EbsEncryptionUse",
            Effect: "Allow",
            Action: KMS_ENVELOPE_ACTIONS,
            Resource: lake.kmsKey.arn,
          },
        ],
      }),
    });

    // resources: security groups (rules are separate resources so EMR's own additions don't drift)
    const vpcId = props.network.vpcId;
    this.masterSecurityGroup = new SecurityGroup(this, "master-sg", {
      name: `${props.name}-emr-master`,
      description: "EMR-managed SG of the primary node",
      vpcId,
      revokeRulesOnDelete: true, // EMR adds cross-references; without this destroy deadlocks
      tags: sgTags("master"),
    });
    this.coreSecurityGroup = new SecurityGroup(this, "core-sg", {
      name: `${props.name}-emr-core`,
      description: "EMR-managed SG of core and task nodes",
      vpcId,
      revokeRulesOnDelete: true,
      tags: sgTags("core"),
    });
    this.serviceAccessSecurityGroup = new SecurityGroup(this, "service-sg", {
      name: `${props.name}-emr-service-access`,
      description: "EMR service access SG (private subnets)",
      vpcId,
      revokeRulesOnDelete: true,
      tags: sgTags("service-access"),
    });
    const rules = this.securityGroupRules(props);

    // resources: EMR
    this.securityConfiguration = new EmrSecurityConfiguration(this, "security-configuration", {
      name: `${props.name}-emr`,
      // JSON text, not jsonencode: the provider replaces a security configuration on any change
      // of this text (no equivalent-JSON check), and jsonencode's sorted keys would be one.
      configuration: jsonText(
        securityConfigurationDocument(lake.kmsKey.arn, props.inTransitCertificateS3Uri),
      ),
    });
    if (props.manageBlockPublicAccess ?? true) {
      // Account/region-wide: no public SG rule may be opened for any EMR cluster, not even port 22.
      new EmrBlockPublicAccessConfiguration(this, "block-public-access", {
        blockPublicSecurityGroupRules: true,
      });
    }
    const ebs = [{ size: EMR_DEFAULTS.ebsVolumeSizeGb, type: "gp3", volumesPerInstance: 1 }];
    this.cluster = new EmrCluster(this, "cluster", {
      name: `${props.name}-spark`,
      releaseLabel: release,
      applications: [...EMR_APPLICATIONS],
      serviceRole: this.serviceRole.arn,
      securityConfiguration: this.securityConfiguration.name,
      logUri: this.logUri,
      logEncryptionKmsKeyId: lake.kmsKey.arn,
      ebsRootVolumeSize: EMR_DEFAULTS.ebsRootVolumeSizeGb,
      keepJobFlowAliveWhenNoSteps: true, // a long-lived cluster for steps; auto-termination stops idle cost
      terminationProtection: props.terminationProtection ?? false,
      visibleToAllUsers: true,
      unhealthyNodeReplacement: true,
      scaleDownBehavior: "TERMINATE_AT_TASK_COMPLETION",
      stepConcurrencyLevel: EMR_DEFAULTS.stepConcurrencyLevel,
      autoTerminationPolicy: { idleTimeout: idle },
      ec2Attributes: {
        subnetId: props.network.privateSubnetIds[0],
        instanceProfile: this.instanceProfile.arn,
        emrManagedMasterSecurityGroup: this.masterSecurityGroup.id,
        emrManagedSlaveSecurityGroup: this.coreSecurityGroup.id,
        serviceAccessSecurityGroup: this.serviceAccessSecurityGroup.id,
      },
      masterInstanceGroup: {
        instanceType: props.masterInstanceType ?? EMR_DEFAULTS.masterInstanceType,
        instanceCount: 1,
        ebsConfig: ebs,
      },
      coreInstanceGroup: {
        instanceType: props.coreInstanceType ?? EMR_DEFAULTS.coreInstanceType,
        instanceCount: core,
        ebsConfig: ebs,
      },
      configurationsJson: jsonDocument(clusterConfigurations()),
      tags: { ...EMR_MANAGED_TAG },
      dependsOn: [...rules, this.instanceProfile],
    });
    this.clusterId = this.cluster.id;
    this.clusterArn = this.cluster.arn;
    this.taskGroup = new EmrInstanceGroup(this, "task-group", {
      clusterId: this.cluster.id,
      name: spot ? "task-spot" : "task",
      instanceType: props.taskInstanceType ?? EMR_DEFAULTS.taskInstanceType,
      instanceCount: task,
      bidPrice: spot ? (props.taskSpotMaxPrice ?? EMR_DEFAULTS.taskSpotMaxPrice) : undefined,
      ebsConfig: ebs,
    });
    this.scalingPolicy = new EmrManagedScalingPolicy(this, "managed-scaling", {
      clusterId: this.cluster.id,
      computeLimits: [
        {
          unitType: "Instances",
          minimumCapacityUnits: min,
          maximumCapacityUnits: max,
          // Core stays on-demand at its size; growth beyond it happens in the (spot) task group.
          maximumCoreCapacityUnits: core,
          ...(spot ? { maximumOndemandCapacityUnits: core } : {}),
        },
      ],
      dependsOn: [this.taskGroup],
    });

    // permissions: instance profile
    lake.grantRead(this.instanceRole, LAKE_PREFIXES.scripts);
    lake.grantRead(this.instanceRole, LAKE_PREFIXES.streamingData);
    lake.grantRead(this.instanceRole, LAKE_PREFIXES.streamingErrors);
    lake.grantWrite(this.instanceRole, LAKE_PREFIXES.processedData);
    lake.grantRead(this.instanceRole, LAKE_PREFIXES.processedData);
    lake.grantWrite(this.instanceRole, LAKE_PREFIXES.emrLogs); // node log push to logUri
    props.catalog.grantReadWrite(this.instanceRole);
  }

  private securityGroupRules(props: SparkClusterProps): SecurityGroupRule[] {
    const m = this.masterSecurityGroup.id;
    const c = this.coreSecurityGroup.id;
    const s = this.serviceAccessSecurityGroup.id;
    const out: SecurityGroupRule[] = [];
    const rule = (
      id: string,
      sg: string,
      type: "ingress" | "egress",
      description: string,
      proto: string,
      from: number,
      to: number,
      peer: { sourceSecurityGroupId?: string; cidrBlocks?: string[]; prefixListIds?: string[] },
    ): void => {
      out.push(
        new SecurityGroupRule(this, id, {
          securityGroupId: sg,
          type,
          description,
          protocol: proto,
          fromPort: from,
          toPort: to,
          ...peer,
        }),
      );
    };
    // Rules EMR requires for clusters in private subnets
    // (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-man-sec-groups.html): declared here
    // so they are reviewable in the plan. EMR itself also adds an "all outbound" rule to the
    // EMR-managed groups when it launches the cluster and re-adds it if removed — that is why egress
    // cannot be made narrower than the routes: with no NAT/IGW the private route table only reaches
    // the VPC, its interface endpoints and the S3 gateway endpoint.
    rule("service-in-9443", s, "ingress", "EMR: primary node to service access", "tcp", 9443, 9443, {
      sourceSecurityGroupId: m,
    });
    rule("service-out-8443-master", s, "egress", "EMR: service access to primary", "tcp", 8443, 8443, {
      sourceSecurityGroupId: m,
    });
    rule("service-out-8443-core", s, "egress", "EMR: service access to core/task", "tcp", 8443, 8443, {
      sourceSecurityGroupId: c,
    });
    for (const [name, sg] of [
      ["master", m],
      ["core", c],
    ] as const) {
      rule(`${name}-in-8443`, sg, "ingress", "EMR: service access to node", "tcp", 8443, 8443, {
        sourceSecurityGroupId: s,
      });
      rule(`${name}-in-master`, sg, "ingress", "Intra-cluster from primary", "-1", 0, 0, {
        sourceSecurityGroupId: m,
      });
      rule(`${name}-in-core`, sg, "ingress", "Intra-cluster from core/task", "-1", 0, 0, {
        sourceSecurityGroupId: c,
      });
      rule(`${name}-out-master`, sg, "egress", "Intra-cluster to primary", "-1", 0, 0, {
        sourceSecurityGroupId: m,
      });
      rule(`${name}-out-core`, sg, "egress", "Intra-cluster to core/task", "-1", 0, 0, {
        sourceSecurityGroupId: c,
      });
      rule(`${name}-out-s3`, sg, "egress", "HTTPS to S3 (gateway endpoint)", "tcp", 443, 443, {
        prefixListIds: [props.network.s3PrefixListId],
      });
      rule(
        `${name}-out-vpc-https`,
        sg,
        "egress",
        "HTTPS to interface endpoints in the VPC",
        "tcp",
        443,
        443,
        {
          cidrBlocks: [props.network.vpcCidr],
        },
      );
      rule(`${name}-out-service-9443`, sg, "egress", "EMR: node to service access", "tcp", 9443, 9443, {
        sourceSecurityGroupId: s,
      });
      if ((props.extraEgressCidrs ?? []).length > 0) {
        rule(`${name}-out-extra`, sg, "egress", "HTTPS to configured extra CIDRs", "tcp", 443, 443, {
          cidrBlocks: [...(props.extraEgressCidrs ?? [])],
        });
      }
    }
    return out;
  }
}

/**
 * spark-defaults (AQE, Kryo, snappy), the release's Python for PySpark, and Glue Data Catalog as
 * the Hive/Spark metastore.
 *
 * spark-env's nested `export` sets PYSPARK_PYTHON / PYSPARK_DRIVER_PYTHON in spark-env.sh
 * (https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-spark-configure.html, "Configure Spark"):
 * without it anything run on the cluster outside our steps (pyspark, a notebook, a plain
 * spark-submit) gets /usr/bin/python3, which is 3.9 on EMR 7 and cannot import the jobs. The
 * steps name the interpreter themselves too (spark-step.ts), for clusters this stack did not make.
 */
export function clusterConfigurations(): Record<string, unknown>[] {
  const glue = {
    "hive.metastore.client.factory.class":
      "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory",
  };
  return [
    { Classification: "spark-defaults", Properties: { ...SPARK_DEFAULTS } },
    {
      Classification: "spark-env",
      // An empty Properties beside the nested export, as the aws provider's aws_emr_cluster
      // configurations_json example writes it.
      Properties: {},
      Configurations: [
        {
          Classification: "export",
          Properties: { PYSPARK_PYTHON: EMR_PYTHON, PYSPARK_DRIVER_PYTHON: EMR_PYTHON },
        },
      ],
    },
    { Classification: "spark-hive-site", Properties: glue },
    { Classification: "hive-site", Properties: glue },
  ];
}
