import { Network } from "../constructs/network";
import { NetworkConfig } from "../constructs/config";
import { REGION, asArray, devLake, only, resources, synth } from "./support/infra";

function network(config: NetworkConfig) {
  let n: Network | undefined;
  const { tf } = synth((s) => {
    const lake = devLake(s);
    n = new Network(s, "network", { region: REGION, name: "bdp-dev", config, lake });
  });
  return { tf, n: n! };
}

describe("Network defaults (create)", () => {
  const { tf, n } = network({ mode: "create" });

  it("creates a VPC with DNS and two private subnets without public IPs, tagged for EMR's v2 policy", () => {
    expect(only(tf, "aws_vpc")).toMatchObject({
      cidr_block: "10.40.0.0/16",
      enable_dns_hostnames: true,
      enable_dns_support: true,
    });
    const subnets = Object.values(resources(tf, "aws_subnet"));
    expect(subnets.map((s) => s.availability_zone)).toEqual([`${REGION}a`, `${REGION}b`]);
    for (const s of subnets) {
      expect(s.map_public_ip_on_launch).toBe(false);
      expect(s.tags).toMatchObject({ "for-use-with-amazon-emr-managed-policies": "true" });
    }
    expect(n.privateSubnetIds).toHaveLength(2);
    expect(n.vpcCidr).toBe("10.40.0.0/16");
  });

  it("has an S3 gateway endpoint on the private route table and interface endpoints for glue, kms, sts in the cluster subnet", () => {
    const eps = Object.values(resources(tf, "aws_vpc_endpoint"));
    const gw = eps.filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(gw.map((e) => e.service_name)).toEqual([`com.amazonaws.${REGION}.s3`]);
    const ifaces = eps.filter((e) => e.vpc_endpoint_type === "Interface").map((e) => e.service_name);
    expect(ifaces.sort()).toEqual(["glue", "kms", "sts"].map((s) => `com.amazonaws.${REGION}.${s}`));
    for (const e of eps.filter((x) => x.vpc_endpoint_type === "Interface")) {
      expect(e.subnet_ids).toEqual([expect.stringMatching(/aws_subnet\.network_private-0_/)]);
      expect(e.private_dns_enabled).toBe(true);
    }
  });

  it("no NAT, no internet gateway, no 0.0.0.0/0 route by default", () => {
    expect(resources(tf, "aws_nat_gateway")).toEqual({});
    expect(resources(tf, "aws_internet_gateway")).toEqual({});
    expect(resources(tf, "aws_route")).toEqual({});
    expect(JSON.stringify(tf)).not.toContain("0.0.0.0/0");
  });

  it("strips the default security group and logs flows to the log bucket", () => {
    expect(only(tf, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
    const fl = only(tf, "aws_flow_log");
    expect(fl).toMatchObject({ traffic_type: "ALL", log_destination_type: "s3" });
    expect(fl.log_destination).toMatch(/aws_s3_bucket\.lake_log-bucket_.*\.arn\}\/vpc-flow-logs\/$/);
    // After the log bucket's policy, the delivery service's only grant.
    expect(fl.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.lake_log-bucket-policy_/)]);
  });

  it("endpoint security group allows HTTPS from the VPC only", () => {
    const sg = only(tf, "aws_security_group");
    expect(sg.ingress).toEqual([
      expect.objectContaining({
        from_port: 443,
        to_port: 443,
        protocol: "tcp",
        cidr_blocks: ["10.40.0.0/16"],
      }),
    ]);
    expect(sg.egress).toEqual([]);
  });
});

describe("Network overrides", () => {
  it("natGateway adds one public subnet, IGW, NAT and a default route for the private subnets", () => {
    const { tf } = network({
      mode: "create",
      natGateway: true,
      azCount: 3,
      vpcCidr: "10.9.0.0/16",
      interfaceEndpoints: [],
    });
    expect(Object.keys(resources(tf, "aws_nat_gateway"))).toHaveLength(1);
    expect(Object.keys(resources(tf, "aws_internet_gateway"))).toHaveLength(1);
    expect(only(tf, "aws_route")).toMatchObject({ destination_cidr_block: "0.0.0.0/0" });
    expect(
      Object.values(resources(tf, "aws_subnet")).filter((s) =>
        asArray(s.tags && (s.tags as Record<string, string>).Name)
          .join()
          .includes("private"),
      ),
    ).toHaveLength(3);
    expect(Object.values(resources(tf, "aws_vpc_endpoint")).map((e) => e.vpc_endpoint_type)).toEqual([
      "Gateway",
    ]);
  });

  it("existing mode creates nothing and uses the given subnets", () => {
    const { tf, n } = network({
      mode: "existing",
      vpcId: "vpc-123",
      vpcCidr: "10.0.0.0/16",
      subnetIds: ["subnet-a", "subnet-b"],
    });
    const networkResources = Object.values(tf.resource ?? {}).flatMap((byName) =>
      Object.keys(byName).filter((k) => k.startsWith("network_")),
    );
    expect(networkResources).toEqual([]);
    expect(n.vpcId).toBe("vpc-123");
    expect(n.privateSubnetIds).toEqual(["subnet-a", "subnet-b"]);
    expect(Object.keys(tf.data?.aws_prefix_list ?? {})).toHaveLength(1);
  });
});

describe("Network failures", () => {
  it("fails on azCount 4", () => {
    expect(() => network({ mode: "create", azCount: 4 })).toThrow(
      "Network: azCount must be an integer between 1 and 3, got 4",
    );
  });
  it("fails on existing mode without subnets", () => {
    expect(() =>
      network({ mode: "existing", vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetIds: [] }),
    ).toThrow("Network: subnetIds must list at least one private subnet, got []");
  });
});
