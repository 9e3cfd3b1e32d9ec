import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KMS_DEFAULTS, dnsSuffixOf, partitionOf } from "./defaults";
import { jsonDocument } from "./json-document";

/** One statement of a key policy (the key policy's Resource is always "*" = this key). */
export interface KeyPolicyStatement {
  readonly sid: string;
  readonly principal:
    { readonly Service: string | readonly string[] } | { readonly AWS: string | readonly string[] };
  readonly actions: readonly string[];
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface CmkProps {
  readonly accountId: string;
  readonly region: string;
  /** Alias without the "alias/" prefix. */
  readonly alias: string;
  readonly description: string;
  /** Extra statements, e.g. a service principal. More can be added later with `allow()`. @default none */
  readonly statements?: readonly KeyPolicyStatement[];
  /** @default KMS_DEFAULTS.deletionWindowInDays */
  readonly deletionWindowInDays?: number;
  /** Terraform prevent_destroy. @default false */
  readonly preventDestroy?: boolean;
}

/**
 * Key administration and use for the account's IAM principals (IAM delegation: a role still needs an
 * identity policy naming this key). Spelled out instead of `kms:*` so no statement has a wildcard
 * action; includes PutKeyPolicy so the key can never become unmanageable.
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

/** What a service needs to encrypt and decrypt with a key (envelope encryption, re-encryption). */
export const KMS_ENVELOPE_ACTIONS: readonly string[] = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
];

/**
 * A role trust policy for an AWS service principal. `sourceAccount` / `sourceArnLike` add the
 * confused-deputy conditions (aws:SourceAccount, aws:SourceArn) where the service supports them.
 */
export function serviceTrustPolicy(
  service: string,
  guard: { readonly sourceAccount?: string; readonly sourceArnLike?: string } = {},
): string {
  const condition: Record<string, Record<string, string>> = {};
  if (guard.sourceAccount) condition.StringEquals = { "aws:SourceAccount": guard.sourceAccount };
  if (guard.sourceArnLike) condition.ArnLike = { "aws:SourceArn": guard.sourceArnLike };
  return jsonDocument({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(Object.keys(condition).length ? { Condition: condition } : {}),
      },
    ],
  });
}

/**
 * The key policy statement that lets CloudWatch Logs encrypt the account's log groups in `region`
 * with the key — scoped by the encryption context to this account's log groups.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function logsKeyStatement(region: string, accountId: string): KeyPolicyStatement {
  return {
    sid: "CloudWatchLogsEncryptedLogGroups",
    principal: { Service: `logs.${region}.${dnsSuffixOf(region)}` },
    actions: KMS_ENVELOPE_ACTIONS,
    conditions: {
      ArnLike: {
        "kms:EncryptionContext:aws:logs:arn": `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:*`,
      },
    },
  };
}

/**
 * A customer-managed KMS key with rotation, an alias and an explicit key policy whose statements
 * can be extended until synth (the policy is rendered lazily), so constructs created later — e.g.
 * the streaming resources — can let their service principal use the key.
 */
export class Cmk extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  private readonly statements: KeyPolicyStatement[];

  constructor(scope: Construct, id: string, props: CmkProps) {
    super(scope, id);
    const partition = partitionOf(props.region);
    this.statements = [
      {
        sid: "AccountAdministrationViaIam",
        principal: { AWS: `arn:${partition}:iam::${props.accountId}:root` },
        actions: KEY_ADMIN_ACTIONS,
      },
      ...(props.statements ?? []),
    ];
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: KMS_DEFAULTS.enableKeyRotation,
      deletionWindowInDays: props.deletionWindowInDays ?? KMS_DEFAULTS.deletionWindowInDays,
      policy: Lazy.stringValue({ produce: () => this.renderPolicy() }),
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }

  /** Adds a key policy statement (before synth). Sids must be unique. */
  public allow(statement: KeyPolicyStatement): void {
    if (this.statements.some((s) => s.sid === statement.sid)) {
      throw new Error(`Cmk ${this.node.path}: duplicate key policy sid "${statement.sid}"`);
    }
    this.statements.push(statement);
  }

  /** The key policy document (a jsonencode expression, see json-document.ts). */
  public renderPolicy(): string {
    return jsonDocument({
      Version: "2012-10-17",
      Statement: this.statements.map((s) => ({
        Sid: s.sid,
        Effect: "Allow",
        Principal: s.principal,
        Action: s.actions,
        Resource: "*",
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    });
  }
}
