import { Construct } from "constructs";
import { Fn } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { DataAwsPrefixList } from "@cdktf/provider-aws/lib/data-aws-prefix-list";
import { NetworkConfig } from "./config";
import { DataLake, LOG_BUCKET_PREFIXES } from "./data-lake";
import { EMR_MANAGED_TAG, NETWORK_DEFAULTS } from "./defaults";
import { checkIntRange, checkNonEmpty, MAX_AZ_COUNT } from "./validate";

export interface NetworkProps {
  readonly region: string;
  /** Name prefix (e.g. "bdp-dev"). */
  readonly name: string;
  /** Create a VPC or use existing subnets. */
  readonly config: NetworkConfig;
  /** VPC flow logs go to the lake's log bucket (created VPCs only). */
  readonly lake: DataLake;
}

/**
 * Where the EMR cluster runs. `mode: "create"`: a VPC with one private subnet per AZ, an S3 gateway
 * endpoint (free; keeps lake traffic off NAT), interface endpoints for the other AWS APIs the
 * cluster calls, the default security group stripped of all rules, VPC flow logs to the log bucket,
 * and — only when `natGateway` — public subnets, an internet gateway and one NAT gateway.
 * `mode: "existing"`: the given VPC and private subnets are used as they are.
 */
export class Network extends Construct {
  public readonly vpcId: string;
  public readonly vpcCidr: string;
  /** Private subnets; the cluster uses the first. */
  public readonly privateSubnetIds: string[];
  /** Managed prefix list of S3 in this region (for a narrow HTTPS egress rule). */
  public readonly s3PrefixListId: string;
  public readonly vpc?: Vpc;
  public readonly natGateway?: NatGateway;
  public readonly interfaceEndpoints: VpcEndpoint[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const c = props.config;
    // validate
    if (c.mode === "existing") {
      checkNonEmpty("Network: subnetIds", c.subnetIds, "private subnet");
      this.vpcId = c.vpcId;
      this.vpcCidr = c.vpcCidr;
      this.privateSubnetIds = [...c.subnetIds];
      this.s3PrefixListId = new DataAwsPrefixList(this, "s3-prefix-list", {
        name: `com.amazonaws.${props.region}.s3`,
      }).id;
      return;
    }
    const azCount = c.azCount ?? NETWORK_DEFAULTS.azCount;
    checkIntRange("Network: azCount", azCount, 1, MAX_AZ_COUNT);
    // defaults
    const cidr = c.vpcCidr ?? NETWORK_DEFAULTS.vpcCidr;
    const nat = c.natGateway ?? NETWORK_DEFAULTS.natGateway;
    const endpoints = c.interfaceEndpoints ?? NETWORK_DEFAULTS.interfaceEndpoints;
    const azs = ["a", "b", "c"].slice(0, azCount).map((s) => `${props.region}${s}`);
    const tags = (name: string): Record<string, string> => ({
      Name: `${props.name}-${name}`,
      ...EMR_MANAGED_TAG,
    });

    // resources
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true, // required by EMR and by interface endpoints' private DNS
      tags: tags("vpc"),
    });
    this.vpc = vpc;
    this.vpcId = vpc.id;
    this.vpcCidr = cidr;
    // Terraform adopts the default SG and removes its allow-all rules, so anything launched in the
    // VPC without an explicit security group gets no traffic (checkov CKV2_AWS_12).
    const defaultSg = new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id });
    // The empty rule lists are overrides because `cdktf synth --hcl` drops an empty list given as
    // a typed property — and with it the removal of the allow-all rules; an override is written
    // as `egress = []` in both outputs.
    defaultSg.addOverride("ingress", []);
    defaultSg.addOverride("egress", []);
    new FlowLog(this, "flow-log", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "s3",
      logDestination: `${props.lake.logBucket.arn}/${LOG_BUCKET_PREFIXES.vpcFlowLogs}`,
      destinationOptions: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: false },
      // The log bucket's policy is the delivery service's only grant: without it first, the
      // first deliveries (and, in stricter emulators, the create) fail.
      dependsOn: [props.lake.logBucketPolicy],
    });

    const privateRt = new RouteTable(this, "private-rt", { vpcId: vpc.id, tags: tags("private") });
    this.privateSubnetIds = azs.map((az, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(cidr, 4, i),
        mapPublicIpOnLaunch: false,
        tags: tags(`private-${az}`),
      });
      new RouteTableAssociation(this, `private-${i}-rt`, { subnetId: subnet.id, routeTableId: privateRt.id });
      return subnet.id;
    });

    const s3 = new VpcEndpoint(this, "s3-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [privateRt.id],
      tags: tags("s3"),
    });
    this.s3PrefixListId = s3.prefixListId;

    if (endpoints.length > 0) {
      const sg = new SecurityGroup(this, "endpoints-sg", {
        name: `${props.name}-endpoints`,
        description: "Interface VPC endpoints: HTTPS from inside the VPC only",
        vpcId: vpc.id,
        ingress: [
          {
            description: "HTTPS from the VPC",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [cidr],
          },
        ],
        tags: tags("endpoints"),
      });
      // No egress rule (not even AWS's default allow-all); an override for the HCL output, as above.
      sg.addOverride("egress", []);
      for (const svc of endpoints) {
        this.interfaceEndpoints.push(
          new VpcEndpoint(this, `${svc}-endpoint`, {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${props.region}.${svc}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            // The cluster runs in the first subnet (instance groups use one subnet); one ENI per
            // endpoint there instead of one per AZ halves the always-on cost.
            subnetIds: [this.privateSubnetIds[0]],
            securityGroupIds: [sg.id],
            tags: tags(svc),
          }),
        );
      }
    }

    if (nat) {
      const igw = new InternetGateway(this, "igw", { vpcId: vpc.id, tags: tags("igw") });
      const publicRt = new RouteTable(this, "public-rt", {
        vpcId: vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: tags("public"),
      });
      const publicSubnet = new Subnet(this, "public-0", {
        vpcId: vpc.id,
        availabilityZone: azs[0],
        cidrBlock: Fn.cidrsubnet(cidr, 4, 15),
        mapPublicIpOnLaunch: false,
        tags: tags(`public-${azs[0]}`),
      });
      new RouteTableAssociation(this, "public-0-rt", {
        subnetId: publicSubnet.id,
        routeTableId: publicRt.id,
      });
      const eip = new Eip(this, "nat-eip", { domain: "vpc", tags: tags("nat"), dependsOn: [igw] });
      this.natGateway = new NatGateway(this, "nat", {
        subnetId: publicSubnet.id,
        allocationId: eip.allocationId,
        tags: tags("nat"),
      });
      new Route(this, "private-default-route", {
        routeTableId: privateRt.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: this.natGateway.id,
      });
    }
  }
}
