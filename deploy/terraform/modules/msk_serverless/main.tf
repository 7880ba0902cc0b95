# MSK Serverless: brokers reachable only from the given client security groups, on the
# SASL/IAM port 9098 (TLS). Clients authenticate with their IAM role (aws-msk-iam-auth
# for Java, OAUTHBEARER with an IAM token provider for librdkafka/confluent-kafka);
# the iam module scopes each role to this cluster's topics and groups.
#
# Topics: MSK Serverless has no Terraform-managed Kafka topics here (the provider's
# aws_msk_topic targets provisioned clusters and its schema is still moving). Topics are
# created by the application with the Kafka Admin API after the first apply, from a role
# that holds kafka-cluster:CreateTopic on var.topic_prefix* (see deploy/README.md).

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to aws_msk_serverless_cluster.this (vpc_config), a resource type checkov's attachment graph does not know.
  name_prefix = "${var.name}-msk-"
  description = "MSK Serverless ${var.name}: SASL/IAM from the listed clients only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-msk" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = var.client_security_group_ids
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
  description                  = "Kafka SASL/IAM from ${each.key}"
}

resource "aws_msk_serverless_cluster" "this" {
  cluster_name = var.name

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }

  tags = var.tags
}
