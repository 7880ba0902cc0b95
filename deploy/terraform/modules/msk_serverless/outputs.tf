output "cluster_arn" {
  description = "ARN of the MSK Serverless cluster."
  value       = aws_msk_serverless_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the cluster (part of topic and group ARNs)."
  value       = aws_msk_serverless_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the cluster (part of topic and group ARNs)."
  value       = aws_msk_serverless_cluster.this.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap servers for SASL/IAM clients (SHOP_KAFKA_BOOTSTRAP)."
  value       = aws_msk_serverless_cluster.this.bootstrap_brokers_sasl_iam
}

output "security_group_id" {
  description = "Security group of the brokers."
  value       = aws_security_group.this.id
}

output "topic_prefix" {
  description = "Prefix of the platform's topics."
  value       = var.topic_prefix
}
