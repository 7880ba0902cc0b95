output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks, RDS, MSK, EMR Serverless)."
  value       = aws_subnet.private[*].id
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
