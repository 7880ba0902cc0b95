output "application_id" {
  description = "EMR Serverless application ID (StartJobRun target)."
  value       = aws_emrserverless_application.this.id
}

output "application_arn" {
  description = "EMR Serverless application ARN."
  value       = aws_emrserverless_application.this.arn
}

output "security_group_id" {
  description = "Security group of the job workers (an MSK client)."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the job runs."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the job log group."
  value       = aws_cloudwatch_log_group.this.arn
}
