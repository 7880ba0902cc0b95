output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service names by role."
  value = {
    webserver     = aws_ecs_service.webserver.name
    daemon        = aws_ecs_service.daemon.name
    code_location = aws_ecs_service.code_location.name
  }
}

output "ecr_repository_url" {
  description = "Push the code location image here, tagged with the commit SHA."
  value       = aws_ecr_repository.code_location.repository_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB (point the UI's DNS record at it)."
  value       = aws_lb.this.dns_name
}

output "alb_arn_suffix" {
  description = "ALB ARN suffix (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.webserver.arn_suffix
}

output "task_security_group_ids" {
  description = "Security group of each service's tasks."
  value       = local.task_security_group_ids
}

output "code_location_security_group_id" {
  description = "Security group of the code location tasks (an MSK and RDS client)."
  value       = aws_security_group.code_location.id
}

output "log_group_names" {
  description = "Container log group per service."
  value       = { for k, lg in aws_cloudwatch_log_group.service : k => lg.name }
}
