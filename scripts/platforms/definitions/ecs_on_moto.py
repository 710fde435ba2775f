"""deploy/aws/cruddur.yaml against moto's ECS, ECR and Secrets Manager APIs (a moto server on
127.0.0.1, spoken to by boto3 over HTTP): the repositories, secrets, task definitions and
services of the template are created from the template's own properties, then read back and
checked. moto runs no containers; what this proves is that AWS's APIs accept the definitions
and keep what matters: non-root user, read-only root filesystem, secrets by ARN only, the
deployment circuit breaker with rollback, 100% minimum healthy.
"""

import logging

import boto3
from cfnlint.decode import cfn_yaml
from moto.server import ThreadedMotoServer

from checks import free_port

REGION = "us-east-1"
# Any digest will do: moto runs no container, and nothing is pulled.
PINNED = "sha256:" + "5" * 64


def camel(value):
    """CloudFormation's property names as the ECS API spells them (first letter lower),
    keeping the keys of free-form maps (log driver options, Docker labels)."""
    if isinstance(value, list):
        return [camel(item) for item in value]
    if isinstance(value, dict):
        return {
            key[0].lower() + key[1:]: (item if key in ("Options", "DockerLabels") else camel(item))
            for key, item in value.items()
        }
    return value


class Template:
    """The template's resources, with Ref, GetAtt and Sub resolved from `known` (what the
    test created, by logical id) and the parameters' test values."""

    def __init__(self, path, parameters):
        self.body = cfn_yaml.load(str(path))
        self.values = dict(parameters)

    def resources(self, kind):
        return {
            name: resource.get("Properties", {})
            for name, resource in self.body["Resources"].items()
            if resource["Type"] == kind
        }

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            if "Ref" in value:
                return self.values[value["Ref"]]
            if "Fn::GetAtt" in value:
                name, attribute = value["Fn::GetAtt"]
                return self.values[f"{name}.{attribute}"]
            if "Fn::If" in value:
                condition, if_true, if_false = value["Fn::If"]
                return self.resolve(if_true if self.holds(self.body["Conditions"][condition]) else if_false)
            if "Fn::Sub" in value:
                text = value["Fn::Sub"]
                for key, known in self.values.items():
                    text = text.replace("${" + key + "}", str(known))
                return text
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def holds(self, condition):
        """A condition of the template (the Fn::Not and Fn::Equals it uses)."""
        if "Fn::Not" in condition:
            return not self.holds(condition["Fn::Not"][0])
        left, right = self.resolve(condition["Fn::Equals"])
        return left == right


def ecs_on_moto(checks, template):
    """Creates what `template` defines on a moto server started here, checking each part."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        run(checks, template, f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def run(checks, path, endpoint):
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    ec2, ecr, secrets, ecs = (session.client(name, endpoint_url=endpoint)
                              for name in ("ec2", "ecr", "secretsmanager", "ecs"))

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    template = Template(path, {
        "VpcId": vpc, "VpcCidr": "10.0.0.0/16", "PublicSubnetIds": subnets, "PrivateSubnetIds": subnets,
        # One service pinned by digest, the other by tag: both ways of naming an image.
        "SiteOrigin": "https://cruddur.example", "ImageTag": "0.1.0",
        "BackendImageDigest": PINNED, "FrontendImageDigest": "",
        "AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
        "AWS::StackName": "cruddur",
    })
    for name in template.resources("AWS::EC2::SecurityGroup"):
        template.values[name] = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    # What moto cannot make (keys, roles, the load balancer's parts) stands in by an ARN.
    for name in template.body["Resources"]:
        template.values.setdefault(name, f"arn:aws:test:{REGION}:123456789012:{name}")
        template.values.setdefault(f"{name}.Arn", template.values[name])

    for name, properties in template.resources("AWS::ECR::Repository").items():
        properties = template.resolve(properties)
        ecr.create_repository(
            repositoryName=properties["RepositoryName"],
            imageTagMutability=properties["ImageTagMutability"],
            imageScanningConfiguration=camel(properties["ImageScanningConfiguration"]),
        )
        repository = ecr.describe_repositories(repositoryNames=[properties["RepositoryName"]])["repositories"][0]
        template.values[f"{name}.RepositoryUri"] = repository["repositoryUri"]
        checks.check(f"ECR {repository['repositoryName']}: tags immutable", repository["imageTagMutability"] == "IMMUTABLE")
        checks.check(f"ECR {repository['repositoryName']}: scan on push",
              repository["imageScanningConfiguration"]["scanOnPush"] is True)

    stored = {}
    for name in template.resources("AWS::SecretsManager::Secret"):
        arn = secrets.create_secret(Name=f"cruddur-{name}", SecretString=f"value-of-{name}")["ARN"]
        template.values[name] = arn
        stored[arn] = f"value-of-{name}"

    images = {"backend": f"{template.values['BackendRepository.RepositoryUri']}@{PINNED}",
              "frontend": f"{template.values['FrontendRepository.RepositoryUri']}:0.1.0"}
    cluster = ecs.create_cluster(clusterName="cruddur")["cluster"]["clusterArn"]
    template.values["Cluster"] = "cruddur"
    for name, properties in template.resources("AWS::ECS::TaskDefinition").items():
        definition = camel(template.resolve(properties))
        arn = ecs.register_task_definition(**definition)["taskDefinition"]["taskDefinitionArn"]
        template.values[name] = arn
        check_task_definition(checks, ecs, arn, stored, images)

    for name, properties in template.resources("AWS::ECS::Service").items():
        service = camel(template.resolve(properties))
        service.pop("propagateTags", None)
        service["cluster"] = cluster
        created = ecs.create_service(**service)["service"]
        check_service(checks, ecs, cluster, created["serviceName"], service["deploymentConfiguration"])


def check_task_definition(checks, ecs, arn, stored, images):
    definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    family = definition["family"]
    checks.check(f"{family}: registered for Fargate", "FARGATE" in definition.get("requiresCompatibilities", []))
    for container in definition["containerDefinitions"]:
        name = container["name"]
        checks.check(f"{family}/{name}: image {container['image'].split('/')[-1]}", container["image"] == images[name])
        checks.check(f"{family}/{name}: runs as 65532:65532", container.get("user") == "65532:65532")
        checks.check(f"{family}/{name}: read-only root filesystem", container.get("readonlyRootFilesystem") is True)
        checks.check(f"{family}/{name}: drops every capability",
              container.get("linuxParameters", {}).get("capabilities", {}).get("drop") == ["ALL"])
        checks.check(f"{family}/{name}: health check through the binary",
              container.get("healthCheck", {}).get("command") == ["CMD", f"/cruddur-{name}", "healthcheck"])
        checks.check(f"{family}/{name}: logs to CloudWatch", container.get("logConfiguration", {}).get("logDriver") == "awslogs")
        names = [secret["name"] for secret in container.get("secrets", [])]
        checks.check(f"{family}/{name}: secrets from Secrets Manager ({', '.join(names)})",
              names and all(secret["valueFrom"] in stored for secret in container["secrets"]))
        values = [variable["value"] for variable in container.get("environment", [])]
        checks.check(f"{family}/{name}: no secret value in the definition",
              not any(secret in str(values) + str(container.get("command")) for secret in stored.values()))


def check_service(checks, ecs, cluster, name, deployment):
    """`deployment` is the configuration as sent: moto accepts it but does not keep it."""
    service = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
    checks.check(f"{name}: created on Fargate", service.get("launchType") == "FARGATE")
    checks.check(f"{name}: in private subnets, no public address",
          service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED")
    checks.check(f"{name}: behind the load balancer", len(service.get("loadBalancers", [])) == 1)
    checks.check(f"{name}: keeps 100% healthy during a deployment", deployment.get("minimumHealthyPercent") == 100)
    checks.check(f"{name}: circuit breaker rolls back a failed deployment",
          deployment.get("deploymentCircuitBreaker") == {"enable": True, "rollback": True})
